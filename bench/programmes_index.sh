#!/usr/bin/env bash
# Programme progress with and without the residence index (issue 20, migration 0023;
# bench/README.md, "Programme progress: the residence index"). On the placement bench's
# database (1,000,000 placements, bench/placements_load.sql) migrated to 0023, side by side in
# one run, ROUNDS times: the index dropped ("before"), then built again ("after"). In each
# state: EXPLAIN ANALYZE of the district's counting statement (3 times), bench/programmes.py
# (the endpoint and the statement alone, district and province) and bench/placement_writes.py
# (the import's write cost on the full table).
#
#   APP_DATABASE_URL=postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/stats_bench \
#     bench/programmes_index.sh         # ROUNDS=2 IMPORT_ROWS=100000 IMPORTS=2 PY=.venv/bin/python
#
# bench/programmes.py runs the district only, with 8 clients (CONNS, ONLY): the province reads
# the whole table with or without the index, and 16 clients of it overran the reports' 30 s
# statement timeout on a machine loaded by other sessions.
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${APP_DATABASE_URL:?set APP_DATABASE_URL to the bench database}
PGURL=${URL/postgresql+asyncpg:/postgresql:}
ROUNDS=${ROUNDS:-2}
export CONNS=${CONNS:-8} ONLY=${ONLY:-bench-vung-liem}
IMPORT_ROWS=${IMPORT_ROWS:-100000}
IMPORTS=${IMPORTS:-2}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-$PWD/bench/results/programmes_index_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$PGURL")
export PYTHONPATH=$PWD

# As migration 0023 makes it.
INDEX=ix_placement_active_residence_placed_on
CREATE="CREATE INDEX $INDEX ON placement (residence_area_id, placed_on)
  INCLUDE (person_hash, destination) WHERE voided_at IS NULL"

# The old district of Vũng Liêm (859) and the communes that followed it, as the service finds
# them (repository.member_communes), and its counting statement (repository.people_by_year).
COMMUNES=$("${PSQL[@]}" -At -c "
WITH unit AS (SELECT * FROM area WHERE code = '859' AND level = 'district'),
own AS (SELECT a.id FROM area AS a JOIN unit AS u ON a.level = 'commune'
        WHERE a.id = u.id OR (a.parent_code = u.code AND a.validity && u.validity))
SELECT string_agg(id::text, ',' ORDER BY id) FROM (
  SELECT id FROM own UNION
  SELECT successor_id FROM area_succession
  WHERE predecessor_id IN (SELECT id FROM own UNION SELECT id FROM unit)) AS members")
STATEMENT="SELECT CAST(date_part('year', placed_on) AS INTEGER), count(DISTINCT person_hash),
  count(DISTINCT person_hash) FILTER (WHERE destination = 'abroad') FROM placement
  WHERE voided_at IS NULL AND placed_on BETWEEN '2024-01-01' AND '2026-06-30'
  AND residence_area_id IN ($COMMUNES) GROUP BY 1"

{
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- app migrations bench || echo ' (with changes)')"
  echo "nproc: $(nproc)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "placements: $("${PSQL[@]}" -At -c 'SELECT count(*) FROM placement')"
  echo "district communes: $COMMUNES"
} | tee "$OUT/machine.txt"

explain() {  # 3 EXPLAIN ANALYZE: the top scan of placement and the execution time
  local state=$1 round=$2
  for i in 1 2 3; do
    "${PSQL[@]}" -At -c "SET jit = off" -c "SET max_parallel_workers_per_gather = 0" \
      -c "EXPLAIN (ANALYZE, BUFFERS) $STATEMENT" > "$OUT/explain_${state}_r${round}_$i.txt"
    scan=$(grep -oE "(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan)( using [a-z_]+)? on placement" \
      "$OUT/explain_${state}_r${round}_$i.txt" | head -1)
    ms=$(grep -oE "Execution Time: [0-9.]+" "$OUT/explain_${state}_r${round}_$i.txt" | grep -oE "[0-9.]+")
    printf "%s\t%s\texplain\t%s\t%s\n" "$state" "$round" "$ms" "$scan" | tee -a "$OUT/results.tsv"
  done
}

state() {
  local state=$1 round=$2
  if [ "$state" = before ]; then
    "${PSQL[@]}" -c "DROP INDEX IF EXISTS $INDEX"
  else
    start=$(date +%s.%N)
    "${PSQL[@]}" -c "DROP INDEX IF EXISTS $INDEX" -c "$CREATE"
    printf "%s\t%s\tbuild_s\t%s\t%s\n" "$state" "$round" "$(echo "$(date +%s.%N) - $start" | bc)" \
      "$("${PSQL[@]}" -At -c "SELECT pg_size_pretty(pg_relation_size('$INDEX'))")" \
      | tee -a "$OUT/results.tsv"
  fi
  "${PSQL[@]}" -c "VACUUM (ANALYZE) placement"
  explain "$state" "$round"
  OUT="$OUT/programmes_${state}_r$round" "$PY" bench/programmes.py | tee "$OUT/programmes_${state}_r$round.txt"
  "$PY" bench/placement_writes.py "$IMPORT_ROWS" "$IMPORTS" | while read -r line; do
    echo "$line"
    printf "%s\t%s\timport_s\t%s\n" "$state" "$round" "$(echo "$line" | grep -oE 'in [0-9.]+ s' | grep -oE '[0-9.]+')" >> "$OUT/results.tsv"
  done
}

for round in $(seq 1 "$ROUNDS"); do
  state before "$round"
  state after "$round"
done
# Leave the database as migration 0023 does.
"${PSQL[@]}" -c "DROP INDEX IF EXISTS $INDEX" -c "$CREATE" -c "VACUUM (ANALYZE) placement"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
echo "results in $OUT"
