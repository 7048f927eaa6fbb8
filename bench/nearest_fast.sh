#!/usr/bin/env bash
# The plain nearest search's fast path (issue 22, app/search/fast_path.py), side by side in one
# run on one database: the service as it is ("fast"), the same code with
# APP_SEARCH_FAST_PATH=false ("route"), and pgbench of the minimal KNN statement ("ceiling",
# pgbench/minimal_nearest_dense.sql), and pgbench of our page statement alone ("statement",
# pgbench/nearest_dense.sql: what no Python in front of it can pass). 2 workers each, the same
# wrk scenario as run.sh (nearest-20 within 10 km around POINTS), in ROUNDS rounds of ceiling,
# statement, fast, route, so that the machine's noise falls on all alike. It only reads the
# database (no VACUUM, no view). FAST_SETTINGS="APP_X=y ..." adds settings to the fast server.
#
#   bench/nearest_fast.sh     # DB=jobmap_bench POINTS=points_dense.txt DURATION=20 WARMUP=5
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
FAST_PORT=${FAST_PORT:-8190} ROUTE_PORT=${ROUTE_PORT:-8191}
VENV=${VENV:-.venv}   # a worktree may point it at another checkout's .venv
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
POINTS=${POINTS:-points_dense.txt}
export BENCH_POINTS="$PWD/bench/$POINTS"
SET_SUFFIX=${POINTS#points}; SET_SUFFIX=${SET_SUFFIX%.txt}
OUT=${OUT:-$PWD/bench/results/nearest_fast_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB"
PATH_TEMPLATE="/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20"
{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "statements: $(APP_DATABASE_URL="$URL" PYTHONPATH=$PWD "$VENV/bin/python" bench/fingerprint.py)"
  echo "points: $POINTS; ours: $DB; rounds: $ROUNDS of ${WARMUP}s + ${DURATION}s, $CONNS connections"
  "$PGBIN/psql" -X -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -c \
    "SELECT 'data: public unexpired sites ' || count(*) FROM vacancy_site WHERE public AND valid_through > now()"
} | tee "$OUT/commit.txt"

PIDS=()
stop_servers() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT
# As bench/servers.sh starts ours (nothing in the background, no rate limits), with the
# metrics on the service's port to count who answered.
start() { # name port settings...
  local name=$1 port=$2
  shift 2
  rm -rf "$OUT/prom_$name"; mkdir -p "$OUT/prom_$name"
  env APP_DATABASE_URL="$URL" APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 \
    APP_MAP_EXPIRY_INTERVAL_S=0 APP_RATE_LIMITS_ENABLED=false APP_METRICS_PUBLIC=true \
    PROMETHEUS_MULTIPROC_DIR="$OUT/prom_$name" PYTHONPATH="$PWD" "$@" \
    "$VENV/bin/uvicorn" app.main:create_app --factory --workers 2 --port "$port" \
    --no-access-log --log-level warning > "$OUT/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && return 0; sleep 1; done
  echo "$name did not start" >&2; exit 1
}
# shellcheck disable=SC2086  # FAST_SETTINGS: words on purpose
start fast "$FAST_PORT" ${FAST_SETTINGS:-}
start route "$ROUTE_PORT" APP_SEARCH_FAST_PATH=false

# Both answer alike: the same bytes for the first points (each fast worker's first request of
# the shape goes to the route, which keeps the statement; the next ones take the fast path).
same=0
while read -r lon lat; do
  p="/v1/vacancies?near=$lon,$lat&radius_m=10000&limit=20"
  for _ in 1 2 3; do curl -sf -o "$OUT/fast.json" "http://127.0.0.1:$FAST_PORT$p"; done
  curl -sf -o "$OUT/route.json" "http://127.0.0.1:$ROUTE_PORT$p"
  cmp -s "$OUT/fast.json" "$OUT/route.json" || { echo "differ at $lon,$lat" >&2; exit 1; }
  same=$((same + 1))
done < <(head -20 "$BENCH_POINTS" | awk '{printf "%.6f %.6f\n", $1, $2}')
echo "identical answers: $same points" | tee -a "$OUT/commit.txt"

run_wrk() { # name port round
  BENCH_PATH="$PATH_TEMPLATE" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 30s \
    -s bench/scenario.lua "http://127.0.0.1:$2" > /dev/null
  BENCH_PATH="$PATH_TEMPLATE" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 30s \
    --latency -s bench/scenario.lua "http://127.0.0.1:$2" > "$OUT/wrk_$1_$3.txt"
  echo "$1 $3 $(grep '^RESULT' "$OUT/wrk_$1_$3.txt")" | tee -a "$RESULTS"
}
run_pgbench() { # name script round
  local args=(-h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -n -M prepared -c "$CONNS" -j "$THREADS")
  local script=$PWD/bench/pgbench/$2$SET_SUFFIX.sql
  # The service's per-connection settings (app/db.py).
  PGOPTIONS="-c jit=off -c max_parallel_workers_per_gather=0" \
    "$PGBIN/pgbench" "${args[@]}" -T "$WARMUP" -f "$script" "$DB" > /dev/null 2>&1
  PGOPTIONS="-c jit=off -c max_parallel_workers_per_gather=0" \
    "$PGBIN/pgbench" "${args[@]}" -T "$DURATION" -f "$script" "$DB" > "$OUT/pgbench_$1_$3.txt" 2>&1
  echo "$1 $3 RESULT rps=$(awk '/^tps = /{print $3}' "$OUT/pgbench_$1_$3.txt")" | tee -a "$RESULTS"
}

for round in $(seq "$ROUNDS"); do
  run_pgbench ceiling minimal_nearest "$round"
  run_pgbench statement nearest "$round"
  run_wrk fast "$FAST_PORT" "$round"
  run_wrk route "$ROUTE_PORT" "$round"
done
# Who answered the fast server's searches (app/metrics: jobmap_search_fast_path_total).
curl -s "http://127.0.0.1:$FAST_PORT/metrics" | grep '^jobmap_search_fast_path_total' \
  | tee "$OUT/fast_path_counts.txt"
stop_servers
trap - EXIT
rm -rf "$OUT"/prom_*   # the workers' metric files: read above

# The table: req/s per round and their means, ours / ceiling and fast / route.
awk '
  { for (i = 3; i <= NF; i++) if ($i ~ /^rps=/) { split($i, kv, "="); rps[$1, $2] = kv[2] }
    for (i = 3; i <= NF; i++) if ($i ~ /^non2xx=/) { split($i, kv, "="); bad[$1] += kv[2] }
    rounds = ($2 > rounds ? $2 : rounds) }
  END {
    printf "| round | ceiling (pgbench) | statement alone (pgbench) | fast | route | fast / ceiling | route / ceiling | fast / route | fast / statement |\n"
    printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    for (r = 1; r <= rounds; r++) {
      c = rps["ceiling", r]; t = rps["statement", r]; f = rps["fast", r]; o = rps["route", r]
      sc += c; st += t; sf += f; so += o
      printf "| %d | %.0f | %.0f | %.0f | %.0f | %.1f%% | %.1f%% | %.2f× | %.0f%% |\n", r, c, t, f, o,
        100*f/c, 100*o/c, f/o, 100*f/t
    }
    printf "| mean | %.0f | %.0f | %.0f | %.0f | %.1f%% | %.1f%% | %.2f× | %.0f%% |\n", sc/rounds, st/rounds,
      sf/rounds, so/rounds, 100*sf/sc, 100*so/sc, sf/so, 100*sf/st
    printf "\nnon-2xx answers: fast %d, route %d\n", bad["fast"], bad["route"]
  }' "$RESULTS" | tee "$OUT/table.md"
echo "results in $OUT"
