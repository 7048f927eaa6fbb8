#!/usr/bin/env bash
# Side-by-side search benchmark on a loaded database (see bench/README.md).
# Starts our service and tipg (2 workers each), then per scenario runs, back to back:
# wrk against our endpoint, pgbench with the SQL that endpoint runs, and (viewports) wrk
# against tipg's items for the same boxes. Stops both servers, prints the table.
#
#   bench/run.sh                 # from the repository root
#   DURATION=20 WARMUP=5 CONNS=16 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
DURATION=${DURATION:-20}     # seconds per measured run
WARMUP=${WARMUP:-5}          # seconds of unrecorded load before each measured run
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
OURS_PORT=${OURS_PORT:-8080}
OURS2_PORT=${OURS2_PORT:-8084}
DB2=${DB2:-}                 # a second database for ours ("ours2"): the same data in another state
TIPG_PORT=${TIPG_PORT:-8081}
TIPG_VENV=${TIPG_VENV:-/tmp/tipgvenv}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SCENARIOS=${SCENARIOS:-nearest nearest_occ7 text_ke_toan text_tai_xe viewport_005 viewport_03}
OUT=${OUT:-$PWD/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
# POINTS=points_dense.txt: issue 22's centres (lon 105.88-106.10, lat 10.10-10.30).
POINTS=${POINTS:-points.txt}
export BENCH_POINTS="$PWD/bench/$POINTS"
SET_SUFFIX=${POINTS#points}; SET_SUFFIX=${SET_SUFFIX%.txt}   # "" or _dense: capture.py's scripts
# What was measured: the commit (and whether the tree differed from it) and the data's state.
{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  # The hot statements' SQL as measured (make test checks bench/README.md records a run of them).
  echo "statements: $(APP_DATABASE_URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB" .venv/bin/python bench/fingerprint.py)"
  echo "points: $POINTS"; echo "ours: $DB, state: ${BENCH_STATE:-unnamed}"
  [ -n "$DB2" ] && echo "ours2: $DB2, state: ${BENCH_STATE2:-unnamed}${OURS2_TREE:+, code: $(git -C "$OURS2_TREE" rev-parse HEAD) ($OURS2_TREE)}"; } | tee "$OUT/commit.txt"
PSQL=("$PGBIN/psql" -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -v ON_ERROR_STOP=1)

source bench/servers.sh
if [ "${VACUUM:-1}" = 1 ]; then
  # A steady state (visibility map, hint bits, statistics) instead of "just loaded".
  for d in $DB $DB2; do
    "${PSQL[@]}" -d "$d" -c "VACUUM (ANALYZE) employer" -c "VACUUM (ANALYZE) vacancy" -c "VACUUM (ANALYZE) vacancy_site"
  done
fi
for d in $DB $DB2; do echo "data of $d:"; "${PSQL[@]}" -d "$d" -At -F ' ' -c "SELECT 'data: vacancies', count(*) FROM vacancy" \
  -c "SELECT 'data: sites', count(*), 'public', count(*) FILTER (WHERE public), 'public_unexpired', count(*) FILTER (WHERE public AND valid_through > now()), 'public_expired', count(*) FILTER (WHERE public AND valid_through <= now()) FROM vacancy_site" \
  -c "SELECT 'data: open vacancies past valid_through (not swept)', count(*) FROM vacancy WHERE status = 'open' AND valid_through <= now()" \
; done | tee "$OUT/data.txt"

start_servers

# path templates: {lon} {lat} {bbox}; BENCH_HALF is half the box side in degrees
ours_path() {
  case $1 in
    nearest)      echo "/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20" ;;
    nearest_occ7) echo "/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20&occupation=7" ;;
    text_ke_toan) echo "/v1/vacancies?q=ke%20toan&limit=20" ;;
    text_tai_xe)  echo "/v1/vacancies?q=tai%20xe&limit=20" ;;
    viewport_005) echo "/v1/vacancies.geojson?bbox={bbox}&limit=100" ;;
    viewport_03)  echo "/v1/vacancies.geojson?bbox={bbox}&limit=500" ;;
  esac
}
tipg_path() {
  case $1 in
    viewport_005) echo "/collections/public.bench_public_site/items?bbox={bbox}&limit=100" ;;
    viewport_03)  echo "/collections/public.bench_public_site/items?bbox={bbox}&limit=500" ;;
    *) echo "" ;;
  esac
}
half() { case $1 in viewport_03) echo 0.15 ;; *) echo 0.025 ;; esac; }

# One sample request per target, kept for the record (status, size, numberMatched).
sample() { # name port path half
  local p=$3 lon=105.926463 lat=10.070952 h=$4
  local bbox
  bbox=$(awk -v x=$lon -v y=$lat -v h="$h" 'BEGIN{printf "%.6f,%.6f,%.6f,%.6f", x-h, y-h, x+h, y+h}')
  p=${p//\{lon\}/$lon}; p=${p//\{lat\}/$lat}; p=${p//\{bbox\}/$bbox}
  curl -s -o "$OUT/sample_$1.json" -w "$1 http=%{http_code} bytes=%{size_download} time=%{time_total}s $p\n" \
    "http://127.0.0.1:$2$p" | tee -a "$OUT/samples.txt"
}

run_wrk() { # target name port path half
  local target=$1 name=$2 port=$3 path=$4 h=$5
  BENCH_PATH="$path" BENCH_HALF="$h" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 30s \
    -s bench/scenario.lua "http://127.0.0.1:$port" > /dev/null
  BENCH_PATH="$path" BENCH_HALF="$h" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 30s --latency \
    -s bench/scenario.lua "http://127.0.0.1:$port" > "$OUT/wrk_${target}_$name.txt"
  local line
  line=$(grep '^RESULT' "$OUT/wrk_${target}_$name.txt")
  echo "$target $name $line" | tee -a "$RESULTS"
}

run_pgbench() { # name: the minimal SQL of the question when there is one (the ceiling), else ours
  local name=$1 script=$PWD/bench/pgbench/$1$SET_SUFFIX.sql
  [ -f "$PWD/bench/pgbench/minimal_$1$SET_SUFFIX.sql" ] && script=$PWD/bench/pgbench/minimal_$1$SET_SUFFIX.sql
  local args=(-h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -n -M prepared -c "$CONNS" -j "$THREADS")
  # The service's per-connection settings (app/db.py).
  export PGOPTIONS="-c jit=off -c max_parallel_workers_per_gather=0"
  "$PGBIN/pgbench" "${args[@]}" -T "$WARMUP" -f "$script" "$DB" > /dev/null 2>&1
  rm -rf "$OUT/pglog_$name"; mkdir -p "$OUT/pglog_$name"
  (cd "$OUT/pglog_$name" && "$PGBIN/pgbench" "${args[@]}" -T "$DURATION" -l -f "$script" "$DB") \
    > "$OUT/pgbench_$name.txt" 2>&1
  unset PGOPTIONS
  local tps p
  tps=$(awk '/^tps = /{print $3}' "$OUT/pgbench_$name.txt")
  # per-transaction log: column 3 is the latency in microseconds
  p=$(cat "$OUT/pglog_$name"/pgbench_log.* | awk '{print $3}' | sort -n | awk '
      {a[NR]=$1} END {printf "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d",
        a[int(NR*0.50)]/1000, a[int(NR*0.90)]/1000, a[int(NR*0.99)]/1000, a[NR]/1000, NR}')
  rm -rf "$OUT/pglog_$name"
  echo "pgbench $name RESULT rps=$tps $p" | tee -a "$RESULTS"
}

for name in $SCENARIOS; do
  sample "ours_$name" "$OURS_PORT" "$(ours_path "$name")" "$(half "$name")"
  [ -n "$DB2" ] && sample "ours2_$name" "$OURS2_PORT" "$(ours_path "$name")" "$(half "$name")"
  t=$(tipg_path "$name"); [ -n "$t" ] && sample "tipg_$name" "$TIPG_PORT" "$t" "$(half "$name")"
done
for name in $SCENARIOS; do
  run_wrk ours "$name" "$OURS_PORT" "$(ours_path "$name")" "$(half "$name")"
  [ -n "$DB2" ] && run_wrk ours2 "$name" "$OURS2_PORT" "$(ours_path "$name")" "$(half "$name")"
  run_pgbench "$name"
  t=$(tipg_path "$name")
  [ -n "$t" ] && run_wrk tipg "$name" "$TIPG_PORT" "$t" "$(half "$name")"
done

stop_servers
PIDS=()
trap - EXIT
{ cat "$OUT/commit.txt"; .venv/bin/python bench/report.py "$RESULTS"; } | tee "$OUT/table.md"
echo "raw output in $OUT"
