#!/usr/bin/env bash
# The indicator report with its year-end projection (issue 20; bench/README.md, "Indicator
# report and projection"), side by side in one run on the placement bench's database
# (bench/placements.sh loads it: 1,000,000 placements over 2023-01 .. 2026-10):
#   kept  - the service as configured: past years' counts kept per worker (reached_cache.py);
#   recount - the same service with APP_PROJECTION_CACHE_ENTRIES=0: counted on every request
#             (what every request paid before the cache, and what a miss pays);
#   ytd   - pgbench of the one statement the report needed before the projection (the year to
#           date and the same period last year): the floor the report can approach.
# Then the states users meet: after a write to this year (kept counts stay in use), after a write
# to a past year (the next request counts again), and the first request of a fresh worker.
#
#   APP_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/jobmap_bench_placements \
#     bench/indicators.sh          # DURATION=20 WARMUP=5 CONNS=16 THREADS=2 SEQ=20 YEAR=2026
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${APP_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/jobmap_bench_placements}
export APP_DATABASE_URL=$URL
PGURL=${URL/postgresql+asyncpg:/postgresql:}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
SEQ=${SEQ:-20}
YEAR=${YEAR:-2026}
THROUGH=${THROUGH:-$YEAR-06-30}
OUT=${OUT:-$PWD/bench/results/indicators_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$PGURL")
PATH_Q="/v1/stats/indicators?year=$YEAR&through=$THROUGH"
declare -A PORTS=([kept]=8021 [recount]=8022)

{
  echo "nproc: $(nproc)"
  "${PSQL[@]}" -At -c "SELECT 'placements: ' || count(*) FROM placement" \
    -c "SELECT 'past years: ' || string_agg(y::text || '=' || n, ' ') FROM (SELECT date_part('year', placed_on)::int AS y, count(*) AS n FROM placement WHERE voided_at IS NULL GROUP BY 1 ORDER BY 1) AS t"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "request: $PATH_Q"
} | tee "$OUT/machine.txt"

KEY=$(.venv/bin/jobmap keys create --role department --label "bench/indicators.sh" | awk '/^key:/{print $2}')
AUTH="Authorization: Bearer $KEY"
PIDS=()
start_service() { # name, then extra environment
  local name=$1; shift
  env APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 APP_MAP_EXPIRY_INTERVAL_S=0 \
    APP_RATE_LIMITS_ENABLED=false "$@" \
    .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "${PORTS[$name]}" \
    --no-access-log --log-level warning > "$OUT/uvicorn_$name.log" 2>&1 &
  PIDS+=($!)
}
cleanup() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
start_service kept
start_service recount APP_PROJECTION_CACHE_ENTRIES=0
for name in kept recount; do
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:${PORTS[$name]}/readyz" > /dev/null && break; sleep 1; done
done

ms() { curl -s -H "$AUTH" -o /dev/null -w "%{time_total}\n" "$1" | awk '{printf "%.1f\n", $1*1000}'; }
pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; printf "%.1f", a[i]}'; }

# A fresh worker's first request (both workers: two requests), then the same answer from both.
for name in kept recount; do
  b="http://127.0.0.1:${PORTS[$name]}"
  echo "first $name RESULT ms=$(ms "$b$PATH_Q") then_ms=$(ms "$b$PATH_Q")" | tee -a "$RESULTS"
  curl -s -H "$AUTH" "$b$PATH_Q" | python3 -c 'import json,sys; print(json.dumps([(f["indicator"], f["actual"], f.get("projected"), f.get("projected_low"), f.get("projected_high")) for f in json.load(sys.stdin)["indicators"] if f.get("projected") is not None]))' > "$OUT/answer_$name.json"
done
cmp "$OUT/answer_kept.json" "$OUT/answer_recount.json" && echo "same projection from both: $(cat "$OUT/answer_kept.json")" | tee -a "$OUT/machine.txt"

# Sequential, interleaved request by request.
: > "$OUT/seq_kept.txt"; : > "$OUT/seq_recount.txt"
for _ in $(seq "$SEQ"); do
  for name in kept recount; do ms "http://127.0.0.1:${PORTS[$name]}$PATH_Q" >> "$OUT/seq_$name.txt"; done
done
for name in kept recount; do
  echo "seq $name RESULT p50_ms=$(pct 50 < "$OUT/seq_$name.txt") p99_ms=$(pct 99 < "$OUT/seq_$name.txt") n=$SEQ" | tee -a "$RESULTS"
done

# Under load: each in turn, then the floor.
for name in kept recount; do
  b="http://127.0.0.1:${PORTS[$name]}"
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 60s -H "$AUTH" "$b$PATH_Q" > /dev/null
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 60s --latency -H "$AUTH" "$b$PATH_Q" > "$OUT/wrk_$name.txt"
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /m$/) return v*60000; return v*1000 }
    /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)} /Requests\/sec/ {rps=$2}
    /Non-2xx/ {bad=$NF} / requests in / {n=$1}
    END {printf "wrk %s RESULT rps=%s p50_ms=%.1f p99_ms=%.1f requests=%s non2xx=%d\n", name, rps, p50, p99, n, bad}' \
    "$OUT/wrk_$name.txt" | tee -a "$RESULTS"
done
sed -e "s/DATE '2025-/DATE '$YEAR-/g; s/DATE '2024-/DATE '$((YEAR - 1))-/g" \
  -e "s/-06-30'/-${THROUGH#*-}'/g" bench/pgbench/stats_indicators.sql > "$OUT/ytd.sql"
export PGOPTIONS="-c jit=off -c max_parallel_workers_per_gather=0"
args=(-n -M prepared -c "$CONNS" -j "$THREADS" -f "$OUT/ytd.sql")
pgbench "${args[@]}" -T "$WARMUP" "$PGURL" > /dev/null 2>&1
pgbench "${args[@]}" -T "$DURATION" "$PGURL" > "$OUT/pgbench_ytd.txt" 2>&1
unset PGOPTIONS
echo "pgbench ytd RESULT rps=$(awk '/^tps = /{print $3}' "$OUT/pgbench_ytd.txt") latency_ms=$(awk '/latency average/{print $4}' "$OUT/pgbench_ytd.txt")" | tee -a "$RESULTS"

# After writes (kept service; each request answered by either worker, so two of each).
b="http://127.0.0.1:${PORTS[kept]}"
write() { # a placement on day $1, written as the service's triggers see any write
  "${PSQL[@]}" -c "INSERT INTO placement (placed_on, employer_name, person_hash, sex, birth_year, trained, destination, channel)
    VALUES (DATE '$1', 'bench indicators', sha256(convert_to(clock_timestamp()::text, 'UTF8')), 'female', 1995, true, 'domestic', 'job_fair')"
}
write "$YEAR-$(date +%m-%d)"
echo "after_write_this_year kept RESULT ms=$(ms "$b$PATH_Q") then_ms=$(ms "$b$PATH_Q")" | tee -a "$RESULTS"
write "$((YEAR - 2))-03-01"
echo "after_write_past_year kept RESULT ms=$(ms "$b$PATH_Q") then_ms=$(ms "$b$PATH_Q") again_ms=$(ms "$b$PATH_Q")" | tee -a "$RESULTS"
"${PSQL[@]}" -c "DELETE FROM placement WHERE employer_name = 'bench indicators'"
cleanup
trap - EXIT

awk '
  {for (i=3; i<=NF; i++) { split($i, kv, "="); v[$1, $2, kv[1]] = kv[2] }}
  END {
    floor = v["pgbench", "ytd", "rps"]
    print "| | kept (cache on) | recount (cache off) | kept / recount |"
    print "|---|---:|---:|---:|"
    printf "| sequential p50 ms | %s | %s | %.1fx faster |\n", v["seq", "kept", "p50_ms"], v["seq", "recount", "p50_ms"], v["seq", "recount", "p50_ms"] / v["seq", "kept", "p50_ms"]
    printf "| sequential p99 ms | %s | %s | |\n", v["seq", "kept", "p99_ms"], v["seq", "recount", "p99_ms"]
    printf "| wrk req/s | %s | %s | %.1fx |\n", v["wrk", "kept", "rps"], v["wrk", "recount", "rps"], v["wrk", "kept", "rps"] / v["wrk", "recount", "rps"]
    printf "| wrk p50 / p99 ms | %s / %s | %s / %s | |\n", v["wrk", "kept", "p50_ms"], v["wrk", "kept", "p99_ms"], v["wrk", "recount", "p50_ms"], v["wrk", "recount", "p99_ms"]
    printf "| non-2xx | %s | %s | |\n", v["wrk", "kept", "non2xx"], v["wrk", "recount", "non2xx"]
    printf "| share of the year-to-date statement alone (pgbench %s tps) | %.0f%% | %.0f%% | |\n", floor, 100 * v["wrk", "kept", "rps"] / floor, 100 * v["wrk", "recount", "rps"] / floor
    printf "| first request of a fresh worker, ms | %s | %s | |\n", v["first", "kept", "ms"], v["first", "recount", "ms"]
  }' "$RESULTS" | tee "$OUT/table.md"
echo "raw output in $OUT"
