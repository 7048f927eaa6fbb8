#!/usr/bin/env bash
# The residence index's own write cost, without the service (issue 20, migration 0023;
# bench/README.md, "Programme progress: the residence index"): on the placement bench's
# database, ROUNDS times the index dropped then built, in each state INSERT of N placements
# (copies of existing rows) in a transaction rolled back, timed by psql. The import through
# the service (bench/placement_writes.py) adds reading, checking and hashing to this, and on a
# loaded machine its noise hides the index.
#
#   APP_DATABASE_URL=postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/stats_bench \
#     bench/placement_insert_index.sh          # ROUNDS=5 N=100000 OUT=...
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${APP_DATABASE_URL:?set APP_DATABASE_URL to the bench database}
PGURL=${URL/postgresql+asyncpg:/postgresql:}
ROUNDS=${ROUNDS:-5}
N=${N:-100000}
OUT=${OUT:-$PWD/bench/results/placement_insert_index_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$PGURL")
INDEX=ix_placement_active_residence_placed_on
CREATE="CREATE INDEX $INDEX ON placement (residence_area_id, placed_on)
  INCLUDE (person_hash, destination) WHERE voided_at IS NULL"
INSERT="INSERT INTO placement (placed_on, employer_name, person_hash, sex, birth_year, trained,
  residence_area_id, work_area_id, destination, destination_country, occupation_code,
  industry_version, industry_code, channel)
SELECT placed_on, employer_name, person_hash, sex, birth_year, trained, residence_area_id,
  work_area_id, destination, destination_country, occupation_code, industry_version, industry_code,
  channel
FROM placement WHERE voided_at IS NULL LIMIT $N"
echo "commit: $(git rev-parse --short HEAD); load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/machine.txt"
for round in $(seq 1 "$ROUNDS"); do
  for state in before after; do
    "${PSQL[@]}" -c "DROP INDEX IF EXISTS $INDEX"
    [ "$state" = after ] && "${PSQL[@]}" -c "$CREATE"
    ms=$("${PSQL[@]}" -c "\\timing on" -c "BEGIN" -c "$INSERT" -c "ROLLBACK" \
      | grep -oE "Time: [0-9.]+" | sed -n 2p | grep -oE "[0-9.]+")
    printf "%s\t%s\tinsert_ms\t%s\n" "$state" "$round" "$ms" | tee -a "$OUT/results.tsv"
  done
done
"${PSQL[@]}" -c "DROP INDEX IF EXISTS $INDEX" -c "$CREATE" -c "VACUUM (ANALYZE) placement"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
