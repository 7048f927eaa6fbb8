#!/usr/bin/env bash
# Issue 16 under load: the travel-time search against a plain `near` search of the same radius
# (top speed x time), req/s and p50/p90/p99 by wrk, on the service as it runs (uvicorn, 2
# workers, rate limits off, nothing in the background), each centre of bench/points_dense.txt
# in turn. Rounds alternate the two, so both see the same machine.
#
#   DB=jobmap_bench bench/travel_wrk.sh [MINUTES...]      (default: 20 45)
#
# DB holds the demo vacancies and the bench's street network (bench/travel.py loads it).
# Environment: PGHOST PGPORT PGUSER PGPASSWORD (defaults: the dev cluster), THREADS (2),
# CONNS (4), DURATION (20 s), WARMUP (5 s), ROUNDS (2), OURS_PORT (8093).
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
THREADS=${THREADS:-2} CONNS=${CONNS:-4} DURATION=${DURATION:-20} WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-2} OURS_PORT=${OURS_PORT:-8093}
if [ $# -gt 0 ]; then MINUTES=("$@"); else MINUTES=(20 45); fi
OUT=bench/results/travel_wrk_$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt"

PIDS=()
stop() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap stop EXIT
env APP_DATABASE_URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB" \
  APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 APP_MAP_EXPIRY_INTERVAL_S=0 \
  APP_RATE_LIMITS_ENABLED=false \
  .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$OURS_PORT" \
  --no-access-log --log-level warning > "$OUT/ours.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$OURS_PORT/readyz" > /dev/null && break; sleep 1; done

top_kmh=$(psql -d "$DB" -Atc "SELECT max(kmh) FROM travel_speed WHERE mode = 'motorbike'")
run() { # name path
  local name=$1 path=$2
  BENCH_POINTS=bench/points_dense.txt BENCH_PATH="$path" wrk -t"$THREADS" -c"$CONNS" \
    -d"${WARMUP}s" --timeout 30s -s bench/scenario.lua "http://127.0.0.1:$OURS_PORT" > /dev/null
  BENCH_POINTS=bench/points_dense.txt BENCH_PATH="$path" wrk -t"$THREADS" -c"$CONNS" \
    -d"${DURATION}s" --timeout 30s --latency -s bench/scenario.lua \
    "http://127.0.0.1:$OURS_PORT" > "$OUT/$name.txt"
  echo "$name $(grep '^RESULT' "$OUT/$name.txt" | cut -d' ' -f2-)" | tee -a "$OUT/summary.txt"
}
for minutes in "${MINUTES[@]}"; do
  radius=$(python3 -c "print(round($top_kmh / 3.6 * $minutes * 60))")
  for round in $(seq "$ROUNDS"); do
    run "nearest_${minutes}_$round" "/v1/vacancies?near={lon},{lat}&radius_m=$radius&limit=20"
    run "travel_${minutes}_$round" \
      "/v1/vacancies?near={lon},{lat}&travel_mode=motorbike&max_minutes=$minutes&limit=20"
  done
done
echo "results in $OUT"
