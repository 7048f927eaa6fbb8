#!/usr/bin/env bash
# What routing reads to a replica costs per request (issue 18, docs/scaling.md): ours on the
# primary alone and ours with APP_DATABASE_REPLICA_URLS naming the streaming replica of
# `make test` (port 5440), 2 workers each, the same database, scenarios back to back in one
# run. Both servers are on this 2-core machine, so this measures the routing's own cost
# (choosing the server, the replica checks), not added capacity.
#
#   bench/replicas.sh      # DB=jobmap_bench DURATION=20 WARMUP=5 CONNS=16 REPLICA_PORT=5440
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
REPLICA_PORT=${REPLICA_PORT:-5440}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
OURS_PORT=${OURS_PORT:-8080} ROUTED_PORT=${ROUTED_PORT:-8087}
POINTS=${POINTS:-points_dense.txt}
export BENCH_POINTS="$PWD/bench/$POINTS"
OUT=${OUT:-$PWD/bench/results/replicas_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
PSQL=(psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -v ON_ERROR_STOP=1)
{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "replica: $(psql -X -At -h "$PGHOST" -p "$REPLICA_PORT" -U "$PGUSER" -d "$DB" -c "SELECT 'in recovery ' || pg_is_in_recovery() || ', replayed ' || pg_last_wal_replay_lsn()")"
  echo "points: $POINTS; ours: $DB on the primary alone, and routed to the replica"; } | tee "$OUT/commit.txt"

# The same tiles for both: z14 tiles that hold public sites (the fast path, kept after warm-up).
"${PSQL[@]}" -At -F ' ' -c "
  SELECT 14, tx, ty FROM (
    SELECT DISTINCT jobmap_cell_x(geom, 14) >> 6 AS tx, jobmap_cell_y(geom, 14) >> 6 AS ty
    FROM vacancy_site WHERE public AND valid_through > now()) AS t
  ORDER BY hashtext(tx || '/' || ty) LIMIT 200" > "$OUT/tiles_z14.txt"

source bench/servers.sh
PIDS=()
trap stop_servers EXIT
start_ours "$DB" "$OURS_PORT" ours
start_ours "$DB" "$ROUTED_PORT" routed APP_METRICS_PUBLIC=true \
  APP_DATABASE_REPLICA_URLS="postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$REPLICA_PORT/$DB"
for port in $OURS_PORT $ROUTED_PORT; do
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 1; done
done
curl -s "http://127.0.0.1:$ROUTED_PORT/readyz" | tee "$OUT/readyz_routed.json"; echo

path_of() {
  case $1 in
    nearest)      echo "/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20" ;;
    text_ke_toan) echo "/v1/vacancies?q=ke%20toan&limit=20" ;;
    viewport_005) echo "/v1/vacancies.geojson?bbox={bbox}&limit=100" ;;
    area)         echo "/v1/areas/86" ;;
    tiles_z14)    echo "/v1/tiles/vacancies/{z}/{x}/{y}.mvt" ;;
  esac
}
run_wrk() { # target scenario port
  local script=bench/scenario.lua
  [ "$2" = tiles_z14 ] && script=bench/tiles.lua
  local args=(-t"$THREADS" -c"$CONNS" --timeout 30s -s "$script" "http://127.0.0.1:$3")
  export BENCH_PATH="$(path_of "$2")" BENCH_HALF=0.025 BENCH_TILES="$OUT/tiles_z14.txt" BENCH_ETAG=0
  wrk -d"${WARMUP}s" "${args[@]}" > /dev/null
  wrk -d"${DURATION}s" --latency "${args[@]}" > "$OUT/wrk_$1_$2.txt"
  echo "$1 $2 $(grep '^RESULT' "$OUT/wrk_$1_$2.txt")" | tee -a "$RESULTS"
}
for name in ${SCENARIOS:-nearest text_ke_toan viewport_005 area tiles_z14}; do
  run_wrk ours "$name" "$OURS_PORT"
  run_wrk routed "$name" "$ROUTED_PORT"
done
# Where the routed server's reads went (one worker's counts: app/replicas' metric).
curl -s "http://127.0.0.1:$ROUTED_PORT/metrics" | grep '^jobmap_db_requests_total' | tee "$OUT/served.txt"
stop_servers
trap - EXIT
cat "$OUT/commit.txt" "$RESULTS" | tee "$OUT/table.txt"
echo "raw output in $OUT"
