#!/usr/bin/env bash
# OGC API - Features items side by side (bench/README.md, "OGC API - Features"): our /ogc and
# tipg 1.6, 2 workers each, the same public sites (tipg: the bench_public_site view of
# servers.sh), 100 features a page, tipg sorted by id like ours. Scenarios, each from a fixed
# list (the same every run):
#   first     the first page of the whole province
#   viewport  a 0.05-degree box around each of the first 200 points of bench/points.txt
#   deep      200 pages from positions 1,000 to 600,000 of the id order: ours by the `next`
#             link's cursor (the id before the page), tipg by `offset` (what its links use)
#   filtered  a viewport page of part-time jobs (a property filter)
# Before timing, the script checks that both return the same feature ids for a sample.
#
#   bench/ogc.sh              # from the repository root; DURATION=20 WARMUP=5 CONNS=16
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
OURS_PORT=${OURS_PORT:-8080} TIPG_PORT=${TIPG_PORT:-8081}
TIPG_VENV=${TIPG_VENV:-/tmp/tipgvenv}
SCENARIOS=${SCENARIOS:-first viewport deep filtered}
OUT=${OUT:-$PWD/bench/results/ogc_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
PSQL=(psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -v ON_ERROR_STOP=1)

source bench/servers.sh
OURS="/ogc/collections/vacancies/items?limit=100"
TIPG="/collections/public.bench_public_site/items?limit=100&sortby=id"

# The path lists, ours and tipg's line by line the same request.
echo "$OURS" > "$OUT/ours_first.txt"
echo "$TIPG" > "$OUT/tipg_first.txt"
head -n 200 bench/points.txt | awk -v o="$OURS" -v t="$TIPG" -v d="$OUT" '{
  box = sprintf("%.6f,%.6f,%.6f,%.6f", $1 - 0.025, $2 - 0.025, $1 + 0.025, $2 + 0.025)
  print o "&bbox=" box > (d "/ours_viewport.txt")
  print t "&bbox=" box > (d "/tipg_viewport.txt")
  print o "&bbox=" box "&employment_type=part_time" > (d "/ours_filtered.txt")
  print t "&bbox=" box "&employment_type=part_time" > (d "/tipg_filtered.txt")
}'
# Deep pages: the id just before each position is the cursor our `next` link would carry.
"${PSQL[@]}" -At -F ' ' -c "
  WITH positions AS (
    SELECT 1000 + (abs(hashint4(n)) % 599000) AS position FROM generate_series(1, 200) AS n),
  ranked AS (SELECT id, row_number() OVER (ORDER BY id) AS position FROM bench_public_site)
  SELECT p.position, r.id FROM positions AS p JOIN ranked AS r ON r.position = p.position
  ORDER BY p.position" > "$OUT/deep_positions.txt"
while read -r position id; do
  cursor=$(printf '{"a":%d}' "$id" | base64 -w0 | tr '+/' '-_' | tr -d '=')
  echo "$OURS&cursor=$cursor" >> "$OUT/ours_deep.txt"
  echo "$TIPG&offset=$position" >> "$OUT/tipg_deep.txt"
done < "$OUT/deep_positions.txt"

start_servers

# Same features, in the same order, for a sample of every list.
for scenario in $SCENARIOS; do
  # (head on each file, not on the pipe: with pipefail, paste's SIGPIPE would end the script)
  paste -d ' ' <(head -n 5 "$OUT/ours_$scenario.txt") <(head -n 5 "$OUT/tipg_$scenario.txt") \
    | while read -r ours tipg; do
      a=$(curl -sf "http://127.0.0.1:$OURS_PORT$ours" | .venv/bin/python -c \
        'import json,sys; print([f["id"] for f in json.load(sys.stdin)["features"]])')
      b=$(curl -sf "http://127.0.0.1:$TIPG_PORT$tipg" | .venv/bin/python -c \
        'import json,sys; print([f["id"] for f in json.load(sys.stdin)["features"]])')
      [ "$a" = "$b" ] || { echo "different features for $ours: $a vs $b" >&2; exit 1; }
    done
  echo "$scenario: same features in both" | tee -a "$OUT/checks.txt"
done

run_wrk() { # target scenario port
  BENCH_PATHS="$OUT/$1_$2.txt" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 30s \
    -s bench/paths.lua "http://127.0.0.1:$3" > /dev/null
  BENCH_PATHS="$OUT/$1_$2.txt" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 30s \
    --latency -s bench/paths.lua "http://127.0.0.1:$3" > "$OUT/wrk_$1_$2.txt"
  echo "$1 $2 $(grep '^RESULT' "$OUT/wrk_$1_$2.txt")" | tee -a "$RESULTS"
}
for scenario in $SCENARIOS; do
  run_wrk ours "$scenario" "$OURS_PORT"
  run_wrk tipg "$scenario" "$TIPG_PORT"
done
echo "raw output in $OUT"
