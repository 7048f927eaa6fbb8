#!/usr/bin/env bash
# `jobmap demo load` (issue 21, "fast bulk paths"): the loader before (OURS2_TREE, a worktree
# with its own .venv, e.g. 71bd233) and this tree, back to back in one run, alternating, each
# into a fresh database (db upgrade, areas load, classifications load, then the timed load).
# Then, for the new code only, a second load on top (another seed: the per-row path) and a
# check that each database has the indexes, foreign keys and triggers of a migrated one.
#
#   git -C /work/main worktree add /tmp/before71demo 71bd233
#   (cd /tmp/before71demo && python3.11 -m venv .venv && .venv/bin/pip install -e .)
#   OURS2_TREE=/tmp/before71demo N_VACANCIES=100000 ROUNDS=1 bench/demo_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
N_VACANCIES=${N_VACANCIES:-100000} ROUNDS=${ROUNDS:-1} SEED=${SEED:-86}
ON_TOP=${ON_TOP:-0}  # vacancies of a second load on top, new code only (0: none)
OURS2_TREE=${OURS2_TREE:?the code to compare with: a worktree with its own .venv}
OUR_PYTHON=${OUR_PYTHON:-/work/main/.venv/bin/python}  # this tree runs on PYTHONPATH=$PWD
DB_PREFIX=${DB_PREFIX:-demo_load_run}
OUT=${OUT:-$PWD/bench/results/demo_load_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
url() { echo "postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$1"; }
admin() { psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -v ON_ERROR_STOP=1 "$@"; }
on() { local db=$1; shift; psql -X -q -At -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$db" -v ON_ERROR_STOP=1 "$@"; }
jobmap() {  # jobmap CODE ARGS...: the CLI of that code
  local code=$1; shift
  if [ "$code" = before ]; then (cd "$OURS2_TREE" && .venv/bin/jobmap "$@")
  else PYTHONPATH=$PWD "$OUR_PYTHON" -m app.cli "$@"; fi
}
# What must be the same after any load: indexes, constraints, triggers and their state.
schema() {
  on "$1" -c "SELECT indexname || ' ' || indexdef FROM pg_indexes
                WHERE tablename IN ('employer', 'vacancy', 'vacancy_site') ORDER BY 1" \
    -c "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE conrelid IN ('employer'::regclass, 'vacancy'::regclass,
                                                'vacancy_site'::regclass) ORDER BY 1" \
    -c "SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger
          WHERE NOT tgisinternal AND tgrelid IN ('employer'::regclass, 'vacancy'::regclass,
                                                 'vacancy_site'::regclass) ORDER BY 1"
}

{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  echo "before: $(git -C "$OURS2_TREE" rev-parse HEAD) ($OURS2_TREE)"
  echo "vacancies: $N_VACANCIES, seed $SEED, rounds $ROUNDS, on top: $ON_TOP"
  echo "start: $(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/commit.txt"

printf 'round\tcode\tload_s\tload_avg_before\tload_avg_after\n' | tee "$OUT/results.tsv"
for round in $(seq "$ROUNDS"); do
  for code in before after; do
    db=${DB_PREFIX}_$code
    admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    export APP_DATABASE_URL; APP_DATABASE_URL=$(url "$db")
    { jobmap $code db upgrade && jobmap $code areas load && jobmap $code classifications load
    } >> "$OUT/setup_$code.log" 2>&1
    schema "$db" > "$OUT/schema_${code}_migrated.txt"
    on "$db" -c "CHECKPOINT"
    before_avg=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    jobmap $code demo load --vacancies "$N_VACANCIES" --seed "$SEED" >> "$OUT/load_$code.log" 2>&1
    end=$(date +%s.%N)
    printf '%s\t%s\t%.1f\t%s\t%s\n' "$round" $code "$(bc <<< "$end - $start")" "$before_avg" \
      "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/results.tsv"
    schema "$db" > "$OUT/schema_${code}_loaded.txt"
    diff "$OUT/schema_${code}_migrated.txt" "$OUT/schema_${code}_loaded.txt" \
      || { echo "the $code load changed the schema" >&2; exit 1; }
    on "$db" -F ' ' -c "SELECT 'vacancies', count(*) FROM vacancy" \
      -c "SELECT 'sites', count(*), count(*) FILTER (WHERE public) FROM vacancy_site" \
      -c "SELECT 'cells', count(*), sum(sites) FROM site_cell" \
      -c "SELECT 'words', count(*) FROM search_word" > "$OUT/counts_$code.txt"
  done
done
if [ "$ON_TOP" -gt 0 ]; then  # the per-row path of the new code, on top of its data
  db=${DB_PREFIX}_after; export APP_DATABASE_URL; APP_DATABASE_URL=$(url "$db")
  start=$(date +%s.%N)
  jobmap after demo load --vacancies "$ON_TOP" --seed $((SEED + 1)) >> "$OUT/load_on_top.log" 2>&1
  end=$(date +%s.%N)
  printf 'on top\tafter\t%.1f\t\t%s\n' "$(bc <<< "$end - $start")" "$(cut -d' ' -f1 /proc/loadavg)" \
    | tee -a "$OUT/results.tsv"
fi
echo "end: $(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/commit.txt"
awk -F'\t' 'NR > 1 && $1 != "on top" { t[$2] += $3 } END {
  if (t["after"] > 0) printf "before / after: %.2f\n", t["before"] / t["after"] }' \
  "$OUT/results.tsv" | tee -a "$OUT/commit.txt"
