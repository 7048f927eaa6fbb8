#!/usr/bin/env bash
# Placement statistics at 1,000,000 placements (issue 6; see bench/README.md, "Placement
# statistics"). End to end on one PostgreSQL server:
#   1. creates the database (if missing), migrations, areas, classifications (the jobmap CLI);
#   2. loads N placements (bench/placements_load.sql) unless the table already holds N;
#   3. creates a department key and starts the service (2 uvicorn workers);
#   4. per scenario: one sample, 20 sequential requests (p50/p99), then wrk (warm-up, then
#      measured) with CONNS connections;
#   5. EXPLAIN (ANALYZE, BUFFERS) of the statements (bench/pgbench/stats_*.sql) into
#      bench/plans/, and pgbench with the same statements (the raw-SQL ceiling);
#   stops the service and prints the table.
#
#   APP_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/jobmap_bench_placements \
#     bench/placements.sh                  # DURATION=20 WARMUP=5 CONNS=16 THREADS=2 N=1000000
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${APP_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/jobmap_bench_placements}
export APP_DATABASE_URL=$URL
# libpq form of the same URL, for psql and pgbench
PGURL=${URL/postgresql+asyncpg:/postgresql:}
DB=${PGURL##*/}; DB=${DB%%\?*}
ADMIN_URL=${PGURL%/*}/postgres
N=${N:-1000000}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
SEQ=${SEQ:-20}
PORT=${PORT:-8011}
PLANS=${PLANS:-1}
OUT=${OUT:-$PWD/bench/results/placements_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$PGURL")
B="http://127.0.0.1:$PORT"

# 1. database, schema, reference data
if [ -z "$(psql -X -At "$ADMIN_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  psql -X -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB\""
fi
start=$(date +%s.%N)
.venv/bin/jobmap db upgrade > "$OUT/setup.log" 2>&1
.venv/bin/jobmap areas load >> "$OUT/setup.log" 2>&1
.venv/bin/jobmap classifications load >> "$OUT/setup.log" 2>&1
echo "setup (db upgrade, areas, classifications): $(echo "$(date +%s.%N) - $start" | bc) s" | tee "$OUT/load.txt"

# 2. the placements
have=$("${PSQL[@]}" -At -c "SELECT count(*) FROM placement WHERE employer_name = 'bench placement'")
if [ "$have" != "$N" ]; then
  start=$(date +%s.%N)
  "${PSQL[@]}" -v n="$N" -f bench/placements_load.sql | tee -a "$OUT/load.txt"
  echo "load of $N placements (INSERT ... SELECT + VACUUM ANALYZE): $(echo "$(date +%s.%N) - $start" | bc) s" \
    | tee -a "$OUT/load.txt"
else
  "${PSQL[@]}" -c "VACUUM (ANALYZE) placement"
fi
{
  echo "nproc: $(nproc)"
  "${PSQL[@]}" -At -c "SELECT 'postgres: ' || version()" -c "SELECT 'shared_buffers: ' || current_setting('shared_buffers')" \
    -c "SELECT 'work_mem: ' || current_setting('work_mem')" \
    -c "SELECT 'placement: ' || pg_size_pretty(pg_total_relation_size('placement')) || ' (heap ' || pg_size_pretty(pg_relation_size('placement')) || ')'" \
    -c "SELECT 'ix_placement_active_placed_on: ' || pg_size_pretty(pg_relation_size('ix_placement_active_placed_on'))"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
} | tee "$OUT/machine.txt"

# 3. key and service
KEY=$(.venv/bin/jobmap keys create --role department --label "bench/placements.sh" | awk '/^key:/{print $2}')
AUTH="Authorization: Bearer $KEY"
APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 \
  .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$PORT" \
  --no-access-log --log-level warning > "$OUT/uvicorn.log" 2>&1 &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 60); do curl -sf "$B/readyz" > /dev/null && break; sleep 1; done

# 4. the service
declare -A PATHS=(
  [indicators]="/v1/stats/indicators?year=2025&through=2025-06-30"
  [month_area_sex]="/v1/stats/placements?from=2025-07-01&to=2026-06-30&group_by=month,area,sex"
  [quarter_age_destination]="/v1/stats/placements?from=2023-01-01&to=2026-06-30&group_by=quarter,age_group,destination"
  # Public tables take a standard period and one grouping since 2026-12 (docs/statistics.md):
  # the whole year's tables are counted and audited once, then kept per year version, so this
  # is no longer the department's SQL plus suppression (the peer below is only a reference).
  [public_month_area_sex]="/v1/public/stats/placements?period=2025-H2&group_by=area"
)
# the statement each scenario runs (pgbench and plans)
declare -A SQL=(
  [indicators]=stats_indicators
  [month_area_sex]=stats_month_area_sex
  [quarter_age_destination]=stats_quarter_age_destination
)
SCENARIOS=${SCENARIOS:-indicators month_area_sex quarter_age_destination public_month_area_sex}

pct() { # p (0-100) from numbers on stdin, nearest rank
  sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; printf "%.1f", a[i]}'
}

for name in $SCENARIOS; do
  path=${PATHS[$name]}
  curl -s -H "$AUTH" -o "$OUT/sample_$name.json" \
    -w "$name http=%{http_code} bytes=%{size_download} time=%{time_total}s $path\n" "$B$path" \
    | tee -a "$OUT/samples.txt"
  : > "$OUT/seq_$name.txt"
  for _ in $(seq "$SEQ"); do
    curl -s -H "$AUTH" -o /dev/null -w "%{time_total}\n" "$B$path" \
      | awk '{printf "%.1f\n", $1*1000}' >> "$OUT/seq_$name.txt"
  done
  echo "seq $name RESULT p50_ms=$(pct 50 < "$OUT/seq_$name.txt") p99_ms=$(pct 99 < "$OUT/seq_$name.txt") n=$SEQ" \
    | tee -a "$RESULTS"
done

for name in $SCENARIOS; do
  path=${PATHS[$name]}
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 60s -H "$AUTH" "$B$path" > /dev/null
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 60s --latency -H "$AUTH" "$B$path" \
    > "$OUT/wrk_$name.txt"
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /m$/) return v*60000; return v*1000 }
    /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)} /Requests\/sec/ {rps=$2}
    /Non-2xx/ {bad=$NF} / requests in / {n=$1}
    END {printf "wrk %s RESULT rps=%s p50_ms=%.1f p99_ms=%.1f requests=%s non2xx=%d\n", name, rps, p50, p99, n, bad}' \
    "$OUT/wrk_$name.txt" | tee -a "$RESULTS"
done
cleanup
trap - EXIT

# 5. plans and the raw-SQL ceiling (the service's session settings: app/db.py). The grouped
# statements are printed by the service's own code, so they cannot drift from it.
.venv/bin/python bench/stats_sql.py 2025-07-01 2026-06-30 month,area,sex \
  > bench/pgbench/stats_month_area_sex.sql
.venv/bin/python bench/stats_sql.py 2023-01-01 2026-06-30 quarter,age_group,destination \
  > bench/pgbench/stats_quarter_age_destination.sql
export PGOPTIONS="-c jit=off -c max_parallel_workers_per_gather=0"
for name in $SCENARIOS; do
  s=${SQL[$name]:-}
  [ -n "$s" ] || continue
  if [ "$PLANS" = 1 ]; then
    body=$(grep -v '^--' "bench/pgbench/$s.sql")
    psql -X -At "$PGURL" -c "EXPLAIN (ANALYZE, BUFFERS) $body" > /dev/null  # warm
    {
      echo "-- bench/pgbench/$s.sql on $N placements; jit=off, max_parallel_workers_per_gather=0 (the service's settings); second run"
      psql -X -At "$PGURL" -c "EXPLAIN (ANALYZE, BUFFERS) $body"
    } > "bench/plans/$s.txt"
  fi
  args=(-n -M prepared -c "$CONNS" -j "$THREADS" -f "$PWD/bench/pgbench/$s.sql")
  pgbench "${args[@]}" -T "$WARMUP" "$PGURL" > /dev/null 2>&1
  rm -rf "$OUT/pglog_$s"; mkdir -p "$OUT/pglog_$s"
  (cd "$OUT/pglog_$s" && pgbench "${args[@]}" -T "$DURATION" -l "$PGURL") > "$OUT/pgbench_$s.txt" 2>&1
  tps=$(awk '/^tps = /{print $3}' "$OUT/pgbench_$s.txt")
  p=$(cat "$OUT/pglog_$s"/pgbench_log.* | awk '{print $3}' | sort -n | awk '
      {a[NR]=$1} END {i50=int((NR*50+99)/100); i99=int((NR*99+99)/100);
        printf "p50_ms=%.1f p99_ms=%.1f requests=%d", a[i50]/1000, a[i99]/1000, NR}')
  rm -rf "$OUT/pglog_$s"
  echo "pgbench $name RESULT rps=$tps $p" | tee -a "$RESULTS"
done
unset PGOPTIONS

# the table: service vs pgbench of the same statement (public: against the department's SQL)
awk '
  {name=$2; for (i=4; i<=NF; i++) { split($i, kv, "="); v[$1, name, kv[1]] = kv[2] } names[name]=1}
  END {
    print "| scenario | seq p50 ms | seq p99 ms | wrk req/s | wrk p50 ms | wrk p99 ms | non-2xx | pgbench tps | pgbench p50/p99 ms | service / pgbench |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
    split("indicators month_area_sex quarter_age_destination public_month_area_sex", order, " ")
    for (k=1; k<=4; k++) {
      n=order[k]; if (!(n in names)) continue
      peer = (n == "public_month_area_sex") ? "month_area_sex" : n
      tps = v["pgbench", peer, "rps"]
      ratio = (tps > 0) ? sprintf("%.0f%%", 100 * v["wrk", n, "rps"] / tps) : "–"
      printf "| %s | %s | %s | %.1f | %s | %s | %s | %.1f | %s / %s | %s |\n", n,
        v["seq", n, "p50_ms"], v["seq", n, "p99_ms"], v["wrk", n, "rps"], v["wrk", n, "p50_ms"],
        v["wrk", n, "p99_ms"], v["wrk", n, "non2xx"], tps, v["pgbench", peer, "p50_ms"],
        v["pgbench", peer, "p99_ms"], ratio
    }
  }' "$RESULTS" | tee "$OUT/table.md"
echo "raw output in $OUT"
