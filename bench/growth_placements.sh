#!/usr/bin/env bash
# The growth curve of the H1 indicator report (issue 18, docs/scaling.md):
# GET /v1/stats/indicators?year=2026&through=2026-06-30 on 1,000,000, 3,000,000 and 10,000,000
# placements (bench/placements_load.sql: 2023-01 .. 2026-10), in one run, each database in
# turn, as configured ("kept": past years' counts kept per worker) and counting everything on
# every request ("recount": APP_PROJECTION_CACHE_ENTRIES=0, what a fresh worker or a write to
# a past year pays). 2 workers per server, CONNS connections; ratios to the REFERENCE database.
#
#   bench/growth_placements.sh   # DBS="jobmap_p1m:1M jobmap_p3m:3M jobmap_p10m:10M"
#   (each: jobmap db upgrade, areas load, classifications load, then
#    psql -v n=N -f bench/placements_load.sql)
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DBS=${DBS:-jobmap_p1m:1M jobmap_p3m:3M jobmap_p10m:10M}
REFERENCE=${REFERENCE:-1M}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
FIRST_PORT=${FIRST_PORT:-8095}
PATH_Q=${PATH_Q:-/v1/stats/indicators?year=2026&through=2026-06-30}
OUT=${OUT:-$PWD/bench/results/growth_placements_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "request: $PATH_Q; conns: $CONNS; duration: ${DURATION}s after ${WARMUP}s"
  for spec in $DBS; do
    db=${spec%%:*}
    psql -X -q -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -c "VACUUM (ANALYZE) placement"
    echo "$spec placements $(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -c "SELECT count(*) FROM placement") size $(psql -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
  done; } | tee "$OUT/commit.txt"

PIDS=()
stop_all() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
             for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done; }
trap stop_all EXIT
# One server at a time (2 workers, up to 16 connections each): six at once would hold more
# connections than max_connections allows.
port=$FIRST_PORT
for mode in kept recount; do
  for spec in $DBS; do
    db=${spec%%:*}; label=${spec#*:}
    url="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db"
    key=$(APP_DATABASE_URL=$url .venv/bin/jobmap keys create --role department \
      --label "bench/growth_placements.sh" | awk '/^key:/{print $2}')
    extra=(); [ "$mode" = recount ] && extra=(APP_PROJECTION_CACHE_ENTRIES=0)
    env APP_DATABASE_URL="$url" APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 \
      APP_MAP_EXPIRY_INTERVAL_S=0 APP_RATE_LIMITS_ENABLED=false "${extra[@]}" \
      .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$port" \
      --no-access-log --log-level warning > "$OUT/ours_${label}_$mode.log" 2>&1 &
    PIDS=($!)
    for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 1; done
    target="http://127.0.0.1:$port$PATH_Q"
    auth="Authorization: Bearer $key"
    start=$(date +%s.%N)
    curl -s -H "$auth" "$target" > "$OUT/answer_${label}_$mode.json"
    first_ms=$(echo "($(date +%s.%N) - $start) * 1000" | bc)
    wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 60s -H "$auth" "$target" > /dev/null
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 60s --latency -H "$auth" "$target" \
      > "$OUT/wrk_${label}_$mode.txt"
    awk -v name="$label $mode" -v first="$first_ms" '
      function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /m$/) return v*60000; return v*1000 }
      /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)} /Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$NF}
      END {printf "%s RESULT rps=%s p50_ms=%.1f p99_ms=%.1f non2xx=%d first_ms=%.0f\n", name, rps, p50, p99, bad, first}' \
      "$OUT/wrk_${label}_$mode.txt" | tee -a "$RESULTS"
    stop_all
  done
done
stop_all
trap - EXIT
awk -v ref="$REFERENCE" '
  { for (i = 4; i <= NF; i++) { split($i, kv, "="); v[$1, $2, kv[1]] = kv[2] }; order[++n] = $1 " " $2 }
  END {
    printf "%-6s %-8s %9s %9s %9s %9s %9s\n", "data", "mode", "req/s", "p50 ms", "p99 ms", "rps/ref", "p50/ref"
    for (i = 1; i <= n; i++) { split(order[i], k, " "); r = v[ref, k[2], "rps"]; p = v[ref, k[2], "p50_ms"]
      printf "%-6s %-8s %9.1f %9.1f %9.1f %9.2f %9.2f\n", k[1], k[2], v[k[1], k[2], "rps"],
        v[k[1], k[2], "p50_ms"], v[k[1], k[2], "p99_ms"], v[k[1], k[2], "rps"] / r, v[k[1], k[2], "p50_ms"] / p }
  }' "$RESULTS" | tee "$OUT/table.txt"
echo "raw output in $OUT"
