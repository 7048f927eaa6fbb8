#!/usr/bin/env bash
# What PgBouncer in transaction pooling mode costs the service (issue 18, docs/operations.md
# "Behind PgBouncer"): ours on PostgreSQL directly and ours through PgBouncer
# (APP_DB_TRANSACTION_POOLER=true: no statement kept prepared, the settings set in every
# transaction), 2 workers each, the same database, scenarios back to back in one run.
#
#   bench/pgbouncer.sh      # DB=jobmap_bench DURATION=20 WARMUP=5 CONNS=16 POOL=20
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
OURS_PORT=${OURS_PORT:-8080} POOLED_PORT=${POOLED_PORT:-8086} BOUNCER_PORT=${BOUNCER_PORT:-6439}
POOL=${POOL:-20}   # PgBouncer's server connections (default_pool_size)
POINTS=${POINTS:-points_dense.txt}
export BENCH_POINTS="$PWD/bench/$POINTS"
OUT=${OUT:-$PWD/bench/results/pgbouncer_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "pgbouncer: $(/usr/sbin/pgbouncer --version | head -1), default_pool_size $POOL"
  echo "points: $POINTS; ours: $DB direct and through PgBouncer"; } | tee "$OUT/commit.txt"

# PgBouncer in transaction mode (it refuses to run as root: as postgres then).
BOUNCER_DIR=$(mktemp -d /tmp/bench-pgbouncer-XXXX)
cat > "$BOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
* = host=$PGHOST port=$PGPORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $BOUNCER_DIR/users.txt
pool_mode = transaction
default_pool_size = $POOL
max_client_conn = 1000
logfile = $BOUNCER_DIR/pgbouncer.log
pidfile = $BOUNCER_DIR/pgbouncer.pid
INI
echo "\"$PGUSER\" \"$PGPASSWORD\"" > "$BOUNCER_DIR/users.txt"
AS_USER=()
if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$BOUNCER_DIR"; AS_USER=(-u postgres); fi
/usr/sbin/pgbouncer --quiet "${AS_USER[@]}" "$BOUNCER_DIR/pgbouncer.ini" &
BOUNCER_PID=$!

source bench/servers.sh
PIDS=()
stop_all() { stop_servers; kill "$BOUNCER_PID" 2>/dev/null || true; }
trap stop_all EXIT
start_ours "$DB" "$OURS_PORT" ours
PGPORT=$BOUNCER_PORT start_ours "$DB" "$POOLED_PORT" pooled APP_DB_TRANSACTION_POOLER=true
for port in $OURS_PORT $POOLED_PORT; do
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 1; done
done

ours_path() {
  case $1 in
    nearest)      echo "/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20" ;;
    text_ke_toan) echo "/v1/vacancies?q=ke%20toan&limit=20" ;;
    viewport_005) echo "/v1/vacancies.geojson?bbox={bbox}&limit=100" ;;
    area)         echo "/v1/areas/86" ;;
  esac
}
run_wrk() { # target name port path
  BENCH_PATH="$4" BENCH_HALF=0.025 wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 30s \
    -s bench/scenario.lua "http://127.0.0.1:$3" > /dev/null
  BENCH_PATH="$4" BENCH_HALF=0.025 wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 30s \
    --latency -s bench/scenario.lua "http://127.0.0.1:$3" > "$OUT/wrk_$1_$2.txt"
  echo "$1 $2 $(grep '^RESULT' "$OUT/wrk_$1_$2.txt")" | tee -a "$RESULTS"
}
for name in ${SCENARIOS:-nearest text_ke_toan viewport_005 area}; do
  run_wrk ours "$name" "$OURS_PORT" "$(ours_path "$name")"
  run_wrk pooled "$name" "$POOLED_PORT" "$(ours_path "$name")"
done
stop_all
trap - EXIT
cat "$OUT/commit.txt" "$RESULTS" | tee "$OUT/table.txt"
echo "raw output in $OUT"
