#!/usr/bin/env bash
# The expiry sweep of a backlog, several codes side by side (issue 21): each round, for each
# code in CODES (name=tree=template), a fresh copy of its template (CREATE DATABASE ...
# TEMPLATE) upgraded to its tree's head, a CHECKPOINT, then
#   - "unlist": the map-expiry pass (app/vacancies/sweep.unlist_expired) takes the sites off;
#   - "record": `jobmap vacancies sweep` records the vacancies as expired, in batches.
# Per vacancy = record time / vacancies recorded. Each tree runs its own code (PYTHONPATH),
# also through a .venv linked to another tree's. Templates: a demo load by the tree's own code
# (same seed), then the same share of open vacancies moved past valid_through with triggers
# off (as time passing would); see bench/README.md for how they were made.
#
#   CODES="before=/tmp/before71=sw_before after=$PWD=sw_after" ROUNDS=2 bench/sweep_codes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=$PWD/bench
PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
CODES=${CODES:?name=tree=template ...} ROUNDS=${ROUNDS:-2}
OUT=${OUT:-$PWD/bench/results/sweep_codes_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
url() { echo "postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$1"; }
admin() { psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -v ON_ERROR_STOP=1 "$@"; }
on() { local db=$1; shift; psql -X -q -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -v ON_ERROR_STOP=1 "$@"; }

for code in $CODES; do
  IFS== read -r name tree template <<< "$code"
  echo "$name: $(git -C "$tree" rev-parse HEAD)$(git -C "$tree" diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)') template $template," \
    "$(on "$template" -c "SELECT count(*) FROM vacancy WHERE status = 'open' AND valid_through <= now()") open past valid_through"
done | tee "$OUT/commit.txt"

printf 'round\tcode\tunlist_s\tsites\trecord_s\tvacancies\tms_per_vacancy\tevents\tcells_off\tload\n' | tee "$OUT/results.tsv"
for round in $(seq "$ROUNDS"); do
  for code in $CODES; do
    IFS== read -r name tree template <<< "$code"
    db=sweep_codes_$name
    admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $template"
    export APP_DATABASE_URL; APP_DATABASE_URL=$(url "$db")
    (cd "$tree" && PYTHONPATH=$tree .venv/bin/jobmap db upgrade) >> "$OUT/upgrade.log" 2>&1
    on "$db" -c "VACUUM ANALYZE" -c "CHECKPOINT"
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    sites=$(cd "$tree" && PYTHONPATH=$tree .venv/bin/python "$BENCH_DIR/unlist.py")
    mid=$(date +%s.%N)
    line=$(cd "$tree" && PYTHONPATH=$tree APP_LOG_LEVEL=WARNING .venv/bin/jobmap vacancies sweep 2>>"$OUT/sweep.err")
    end=$(date +%s.%N)
    vacancies=$(sed -E 's/.* ([0-9]+) vacancies recorded.*/\1/' <<< "$line")
    events=$(on "$db" -c "SELECT count(*) FROM vacancy_event WHERE kind = 'expired'")
    # Cells differing from a recount of the public sites (0: the map is exact).
    cells=$(on "$db" -c "SELECT count(*) FROM (SELECT zoom, cx, cy, sites FROM site_cell WHERE sites <> 0 EXCEPT SELECT z, jobmap_cell_x(geom, z), jobmap_cell_y(geom, z), count(*)::int FROM vacancy_site CROSS JOIN generate_series(8, 15) AS z WHERE public GROUP BY 1, 2, 3) d")
    printf '%s\t%s\t%.1f\t%s\t%.1f\t%s\t%.4f\t%s\t%s\t%s\n' "$round" "$name" "$(bc <<< "$mid - $start")" "$sites" \
      "$(bc <<< "$end - $mid")" "$vacancies" "$(bc -l <<< "($end - $mid) * 1000 / $vacancies")" "$events" "$cells" "$load" \
      | tee -a "$OUT/results.tsv"
    admin -c "DROP DATABASE $db"
  done
done
echo "results in $OUT"
