#!/usr/bin/env bash
# Mixed load for a few minutes on 1,000,000 vacancies and 1,000,000 placements with 2 workers
# (issue 8; results in bench/README.md, "Mixed load"). Not a test: a measurement.
#   1. creates the database if missing: migrations, areas, classifications; N_VACANCIES demo
#      vacancies (jobmap demo load) and N_PLACEMENTS placements (bench/placements_load.sql),
#      each only when not there yet;
#   2. creates a department key and a verified employer with its key, starts the service
#      (2 uvicorn workers, rate limits off: the load comes from one address and one key per
#      role; the limits have their own tests);
#   3. runs one wrk per kind of request at the same time for DURATION seconds: tiles, search
#      near a point, text search, a vacancy's record, statistics, employers posting vacancies,
#      the department recording placements;
#   4. samples every worker's resident memory every 5 s (memory.tsv);
#   prints requests/s, p50/p99 and errors per kind, and memory per worker over time.
#
#   bench/load.sh                    # DURATION=180 N_VACANCIES=1000000 N_PLACEMENTS=1000000
#   PREPARE_ONLY=1 bench/load.sh     # step 1 only (the vacancies take about 15 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${APP_DATABASE_URL:-postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/jobmap_load}
export APP_DATABASE_URL=$URL
PGURL=${URL/postgresql+asyncpg:/postgresql:}
DB=${PGURL##*/}; DB=${DB%%\?*}
ADMIN_URL=${PGURL%/*}/postgres
N_VACANCIES=${N_VACANCIES:-1000000}
N_PLACEMENTS=${N_PLACEMENTS:-1000000}
DURATION=${DURATION:-180}
PORT=${PORT:-8012}
OUT=${OUT:-$PWD/bench/results/load_$(date -u +%Y%m%dT%H%M%SZ)}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$PGURL")
B="http://127.0.0.1:$PORT"
mkdir -p "$OUT"

# 1. data
if [ -z "$(psql -X -At "$ADMIN_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  psql -X -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB\""
fi
{
  .venv/bin/jobmap db upgrade
  .venv/bin/jobmap areas load
  .venv/bin/jobmap classifications load
} > "$OUT/setup.log" 2>&1
have=$("${PSQL[@]}" -At -c "SELECT count(*) FROM vacancy")
if [ "$have" -lt "$N_VACANCIES" ]; then
  start=$(date +%s)
  .venv/bin/jobmap demo load --if-empty --vacancies "$N_VACANCIES" >> "$OUT/setup.log" 2>&1
  echo "load of $N_VACANCIES vacancies: $(( $(date +%s) - start )) s" | tee -a "$OUT/load.txt"
fi
have=$("${PSQL[@]}" -At -c "SELECT count(*) FROM placement WHERE employer_name = 'bench placement'")
if [ "$have" != "$N_PLACEMENTS" ]; then
  start=$(date +%s)
  "${PSQL[@]}" -v n="$N_PLACEMENTS" -f bench/placements_load.sql >> "$OUT/setup.log"
  echo "load of $N_PLACEMENTS placements: $(( $(date +%s) - start )) s" | tee -a "$OUT/load.txt"
fi
# The expiry backlog a freshly loaded database has (the demo data includes past end dates):
# the running service sweeps every 5 minutes, so it never carries one this size.
if [ "$("${PSQL[@]}" -At -c "SELECT count(*) FROM vacancy_site WHERE public AND valid_through < now()")" -gt 1000 ]; then
  start=$(date +%s)
  .venv/bin/jobmap vacancies sweep >> "$OUT/setup.log" 2>&1
  echo "expiry sweep of the backlog: $(( $(date +%s) - start )) s" | tee -a "$OUT/load.txt"
fi
[ -n "${PREPARE_ONLY:-}" ] && exit 0
{
  echo "nproc: $(nproc)"
  "${PSQL[@]}" -At -c "SELECT 'vacancies: ' || count(*) FROM vacancy" \
    -c "SELECT 'public sites: ' || count(*) FROM vacancy_site WHERE public" \
    -c "SELECT 'placements: ' || count(*) FROM placement" \
    -c "SELECT 'shared_buffers: ' || current_setting('shared_buffers')"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
} | tee "$OUT/machine.txt"
# Vacancies a job seeker can open: public sites of verified employers, not expired.
"${PSQL[@]}" -At -c "SELECT DISTINCT vacancy_id FROM vacancy_site
  WHERE public AND valid_through > now() + interval '1 hour' ORDER BY 1 LIMIT 5000" \
  > "$OUT/vacancy_ids.txt"

# Places inside a commune, for the posts (bench/points.txt also has points on the rivers).
"${PSQL[@]}" -At -F ' ' -c "SELECT round(ST_X(geom)::numeric, 6), round(ST_Y(geom)::numeric, 6)
  FROM vacancy_site WHERE NOT approximate ORDER BY id LIMIT 200" > "$OUT/site_points.txt"

# 2. keys and the service
DEPT=$(.venv/bin/jobmap keys create --role department --label "bench/load.sh" | awk '/^key:/{print $2}')
EMPLOYER=$(.venv/bin/jobmap employers create --name "Bench load $(date +%s)" \
  --tax-code "$(date +%s | tail -c 11)" --verified | awk '/^key:/{print $2}')
APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 APP_RATE_LIMITS_ENABLED=false \
  .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$PORT" \
  --no-access-log --log-level warning > "$OUT/uvicorn.log" 2>&1 &
SERVER=$!
SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 60); do curl -sf "$B/readyz" > /dev/null && break; sleep 1; done

# 4. memory of each worker (the children of uvicorn's supervisor), every 5 s
(
  printf 't_s\tpid\trss_mb\n'
  start=$(date +%s)
  while true; do
    for pid in $(pgrep -P "$SERVER"); do
      rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      printf '%s\t%s\t%.1f\n' "$(( $(date +%s) - start ))" "$pid" "$(echo "$rss / 1024" | bc -l)"
    done
    sleep 5
  done
) > "$OUT/memory.tsv" &
SAMPLER=$!

# 3. the load: one wrk per kind, all at once
run() {  # name connections script [env...]
  local name=$1 conns=$2 script=$3; shift 3
  env "$@" BENCH_OUT="$OUT" BENCH_NAME="$name" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s --latency \
    -s "bench/load/$script" "$B" > "$OUT/$name.txt" 2>&1 &
}
run tiles 4 tiles.lua
run search_near 4 get.lua BENCH_PATH='/v1/vacancies?near={lon},{lat}&radius_m=5000&limit=20'
run search_text 2 get.lua BENCH_PATH='/v1/vacancies?q={word}&limit=20'
run vacancy 2 get.lua BENCH_PATH='/v1/vacancies/{id}' BENCH_IDS="$OUT/vacancy_ids.txt"
run stats 1 get.lua BENCH_PATH='/v1/stats/placements?from=2026-01-01&to=2026-06-30&group_by=month,sex' \
  BENCH_AUTH="$DEPT"
run post_vacancy 1 post_vacancy.lua BENCH_AUTH="$EMPLOYER" BENCH_POINTS="$OUT/site_points.txt"
run record_placement 1 post_placement.lua BENCH_AUTH="$DEPT"
wait $(jobs -p | grep -v "^$SERVER$" | grep -v "^$SAMPLER$") 2>/dev/null || true
sleep 1

# the table
printf '%-17s %9s %9s %9s %9s %7s\n' kind "req/s" "p50 ms" "p99 ms" requests errors | tee "$OUT/summary.txt"
for name in tiles search_near search_text vacancy stats post_vacancy record_placement; do
  line=$(grep '^RESULT' "$OUT/$name.txt" || echo "RESULT rps=0 p50_ms=0 p99_ms=0 requests=0 non2xx=0 errors=0")
  get() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
  printf '%-17s %9s %9s %9s %9s %7s\n' "$name" "$(get rps)" "$(get p50_ms)" "$(get p99_ms)" \
    "$(get requests)" "$(( $(get non2xx) + $(get errors) ))" | tee -a "$OUT/summary.txt"
done
echo "memory per worker (MB): first, last, max" | tee -a "$OUT/summary.txt"
awk -F'\t' 'NR > 1 { if (!($2 in first)) first[$2] = $3; last[$2] = $3; if ($3 > max[$2]) max[$2] = $3 }
  END { for (p in first) printf "  worker %s: %.1f -> %.1f (max %.1f)\n", p, first[p], last[p], max[p] }' \
  "$OUT/memory.tsv" | tee -a "$OUT/summary.txt"
echo "results in $OUT"
