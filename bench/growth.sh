#!/usr/bin/env bash
# The growth curve (issue 18, docs/scaling.md): the same requests on 100,000, 1,000,000 and
# 3,000,000 demo vacancies, in one run, each scenario against the three databases back to
# back (the machine is shared: only ratios within a run compare). Ours with 2 workers per
# database and no tile cache (every tile drawn: "cold"). Reported as req/s and p50/p99 at
# CONNS connections, and as the ratio to the same workload at 1,000,000.
#
#   bench/growth.sh     # DBS="jobmap_g100k:100k jobmap_bench:1M jobmap_g3m:3M" DURATION=20
#   (each database: jobmap db upgrade, areas load, classifications load, then
#    jobmap demo load --vacancies N --seed 86)
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DBS=${DBS:-jobmap_g100k:100k jobmap_bench:1M jobmap_g3m:3M}
REFERENCE=${REFERENCE:-1M}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
FIRST_PORT=${FIRST_PORT:-8090}
SCENARIOS=${SCENARIOS:-viewport_005 nearest text_ke_toan tiles_z10 tiles_z14}
POINTS=${POINTS:-points_dense.txt}
export BENCH_POINTS="$PWD/bench/$POINTS"
OUT=${OUT:-$PWD/bench/results/growth_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
psql_on() { psql -X -q -At -F ' ' -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$1" -v ON_ERROR_STOP=1 "${@:2}"; }

{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "points: $POINTS; conns: $CONNS; duration: ${DURATION}s after ${WARMUP}s"
  for spec in $DBS; do
    db=${spec%%:*}
    psql_on "$db" -c "VACUUM (ANALYZE) vacancy" -c "VACUUM (ANALYZE) vacancy_site"
    echo "$spec $(psql_on "$db" -c "SELECT 'vacancies', (SELECT count(*) FROM vacancy), 'public unexpired sites', count(*) FROM vacancy_site WHERE public AND valid_through > now()") size $(psql_on "$db" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
  done; } | tee "$OUT/commit.txt"

# The same tiles on every database: those of the reference database that hold public sites.
for spec in $DBS; do [ "${spec#*:}" = "$REFERENCE" ] && REF_DB=${spec%%:*}; done
for z in 10 14; do
  psql_on "$REF_DB" -c "
    SELECT $z, tx, ty FROM (
      SELECT DISTINCT jobmap_cell_x(geom, $z) >> 6 AS tx, jobmap_cell_y(geom, $z) >> 6 AS ty
      FROM vacancy_site WHERE public AND valid_through > now()) AS t
    ORDER BY hashtext(tx || '/' || ty) LIMIT 200" > "$OUT/tiles_z$z.txt"
done

PIDS=()
stop_all() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
             for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done; }
trap stop_all EXIT
declare -A PORT
port=$FIRST_PORT
for spec in $DBS; do
  db=${spec%%:*}; label=${spec#*:}; PORT[$label]=$port
  env APP_DATABASE_URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
    APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 APP_MAP_EXPIRY_INTERVAL_S=0 \
    APP_RATE_LIMITS_ENABLED=false APP_TILE_CACHE_MB=0 \
    .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$port" \
    --no-access-log --log-level warning > "$OUT/ours_$label.log" 2>&1 &
  PIDS+=($!)
  port=$((port + 1))
done
for p in "${PORT[@]}"; do
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$p/readyz" > /dev/null && break; sleep 1; done
done

path_of() {
  case $1 in
    nearest)      echo "/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20" ;;
    text_ke_toan) echo "/v1/vacancies?q=ke%20toan&limit=20" ;;
    viewport_005) echo "/v1/vacancies.geojson?bbox={bbox}&limit=100" ;;
    tiles_z*)     echo "/v1/tiles/vacancies/{z}/{x}/{y}.mvt" ;;
  esac
}
run_wrk() { # label scenario port
  local script=bench/scenario.lua tiles=""
  case $2 in tiles_z*) script=bench/tiles.lua; tiles="$OUT/tiles_${2#tiles_}.txt" ;; esac
  local args=(-t"$THREADS" -c"$CONNS" --timeout 30s -s "$script" "http://127.0.0.1:$3")
  BENCH_PATH="$(path_of "$2")" BENCH_HALF=0.025 BENCH_TILES="$tiles" BENCH_ETAG=0 \
    wrk -d"${WARMUP}s" "${args[@]}" > /dev/null
  BENCH_PATH="$(path_of "$2")" BENCH_HALF=0.025 BENCH_TILES="$tiles" BENCH_ETAG=0 \
    wrk -d"${DURATION}s" --latency "${args[@]}" > "$OUT/wrk_$1_$2.txt"
  echo "$1 $2 $(grep '^RESULT' "$OUT/wrk_$1_$2.txt")" | tee -a "$RESULTS"
}
for scenario in $SCENARIOS; do
  for spec in $DBS; do
    label=${spec#*:}
    run_wrk "$label" "$scenario" "${PORT[$label]}"
  done
done
stop_all
trap - EXIT

# Each row against the reference database's run of the same scenario.
awk -v ref="$REFERENCE" '
  { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$1, $2, kv[1]] = kv[2] }
    labels[$1] = 1; order[++n] = $1 " " $2 }
  END {
    printf "%-8s %-14s %10s %9s %9s %12s %12s\n", "data", "scenario", "req/s", "p50 ms", "p99 ms", "rps/ref", "p50/ref"
    for (i = 1; i <= n; i++) {
      split(order[i], k, " ")
      r = v[ref, k[2], "rps"]; p = v[ref, k[2], "p50_ms"]
      printf "%-8s %-14s %10.1f %9.2f %9.2f %12.2f %12.2f\n", k[1], k[2], v[k[1], k[2], "rps"],
        v[k[1], k[2], "p50_ms"], v[k[1], k[2], "p99_ms"], v[k[1], k[2], "rps"] / r, v[k[1], k[2], "p50_ms"] / p
    }
  }' "$RESULTS" | tee "$OUT/table.txt"
echo "raw output in $OUT"
