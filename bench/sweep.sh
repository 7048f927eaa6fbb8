#!/usr/bin/env bash
# The expiry sweep of a backlog (issue 21, "fast bulk paths"): the code before (OURS2_TREE, a
# worktree with its own .venv) and this tree, side by side in one run, alternating, each on a
# fresh copy (CREATE DATABASE ... TEMPLATE) of the same backlog.
#
# The backlog: TEMPLATE (default sweep_backlog), made once with MAKE_TEMPLATE=1 from
# N_VACANCIES demo vacancies (at the revision of OURS2_TREE), then BACKLOG_SHARE of the open
# vacancies still in date moved past valid_through with triggers off (superuser, as time
# passing would: nothing written), so their sites are still on the map. Each copy is upgraded
# to its code's head, then:
#   - "unlist": the map-expiry pass (app/vacancies/sweep.unlist_expired) takes the sites off;
#   - "record": `jobmap vacancies sweep` records the vacancies as expired, in batches.
# Times are wall clock of the whole step; per vacancy = record time / vacancies recorded.
#
#   OURS2_TREE=/tmp/before MAKE_TEMPLATE=1 N_VACANCIES=200000 bench/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=$PWD/bench

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
TEMPLATE=${TEMPLATE:-sweep_backlog}
N_VACANCIES=${N_VACANCIES:-200000} BACKLOG_SHARE=${BACKLOG_SHARE:-0.4} ROUNDS=${ROUNDS:-2}
OURS2_TREE=${OURS2_TREE:?the code to compare with: a worktree with its own .venv}
OUT=${OUT:-$PWD/bench/results/sweep_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
url() { echo "postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$1"; }
admin() { psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -v ON_ERROR_STOP=1 "$@"; }
on() { local db=$1; shift; psql -X -q -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -v ON_ERROR_STOP=1 "$@"; }

if [ "${MAKE_TEMPLATE:-0}" = 1 ]; then
  admin -c "DROP DATABASE IF EXISTS $TEMPLATE" -c "CREATE DATABASE $TEMPLATE"
  ( export APP_DATABASE_URL PYTHONPATH=$OURS2_TREE; APP_DATABASE_URL=$(url "$TEMPLATE")
    cd "$OURS2_TREE"
    .venv/bin/jobmap db upgrade && .venv/bin/jobmap areas load && .venv/bin/jobmap classifications load
    .venv/bin/jobmap demo load --vacancies "$N_VACANCIES" --seed 86 ) > "$OUT/template.log" 2>&1
  # Time passing: no trigger runs, so the sites stay public and counted in their cells.
  su postgres -c "psql -X -q -p $PGPORT -d $TEMPLATE -v ON_ERROR_STOP=1" <<SQL
SET session_replication_role = replica;
UPDATE vacancy SET valid_through = now() - interval '1 hour'
 WHERE status = 'open' AND valid_through > now()
   AND (hashtext(id::text) & 1023) < $BACKLOG_SHARE * 1024;
UPDATE vacancy_site s SET valid_through = v.valid_through
  FROM vacancy v WHERE v.id = s.vacancy_id AND s.valid_through IS DISTINCT FROM v.valid_through;
SQL
  on "$TEMPLATE" -c "VACUUM ANALYZE"
fi

{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "before: $(git -C "$OURS2_TREE" rev-parse HEAD) ($OURS2_TREE)"
  on "$TEMPLATE" -F ' ' -c "SELECT 'vacancies', count(*) FROM vacancy" \
    -c "SELECT 'open past valid_through', count(*) FROM vacancy WHERE status = 'open' AND valid_through <= now()" \
    -c "SELECT 'public sites past valid_through', count(*) FROM vacancy_site WHERE public AND valid_through <= now()"
} | tee "$OUT/commit.txt"

printf 'round\tcode\tunlist_s\tsites\trecord_s\tvacancies\tms_per_vacancy\n' | tee "$OUT/results.tsv"
for round in $(seq "$ROUNDS"); do
  for code in before after; do
    tree=$PWD; [ $code = before ] && tree=$OURS2_TREE
    db=sweep_run_$code
    admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $TEMPLATE"
    export APP_DATABASE_URL; APP_DATABASE_URL=$(url $db)
    # PYTHONPATH: each tree runs its own code, also through a .venv linked to another tree's.
    (cd "$tree" && PYTHONPATH=$tree .venv/bin/jobmap db upgrade) >> "$OUT/upgrade.log" 2>&1
    on $db -c "CHECKPOINT"
    start=$(date +%s.%N)
    sites=$(cd "$tree" && PYTHONPATH=$tree .venv/bin/python "$BENCH_DIR/unlist.py")
    mid=$(date +%s.%N)
    line=$(cd "$tree" && PYTHONPATH=$tree .venv/bin/jobmap vacancies sweep)
    end=$(date +%s.%N)
    vacancies=$(sed -E 's/.* ([0-9]+) vacancies recorded.*/\1/' <<< "$line")
    printf '%s\t%s\t%.1f\t%s\t%.1f\t%s\t%.3f\n' "$round" $code "$(bc <<< "$mid - $start")" "$sites" \
      "$(bc <<< "$end - $mid")" "$vacancies" "$(bc -l <<< "($end - $mid) * 1000 / $vacancies")" \
      | tee -a "$OUT/results.tsv"
    on $db -F ' ' -c "SELECT 'cells differing from a recount', count(*) FROM (
        SELECT zoom, cx, cy, sites FROM site_cell WHERE sites <> 0
        EXCEPT SELECT z, jobmap_cell_x(geom, z), jobmap_cell_y(geom, z), count(*)::int
        FROM vacancy_site CROSS JOIN generate_series(8, 15) AS z WHERE public GROUP BY 1, 2, 3) d" \
      -c "SELECT 'expired events', count(*) FROM vacancy_event WHERE kind = 'expired'" \
      | sed "s/^/$code round $round: /" | tee -a "$OUT/checks.txt"
    admin -c "DROP DATABASE $db"
  done
done
