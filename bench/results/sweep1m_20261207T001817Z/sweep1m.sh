#!/usr/bin/env bash
# Sweep the two 1M demo databases left by bench/demo_load.sh (same seed): before (71bd233) then after (HEAD).
set -euo pipefail
OUT=/work/main/bench/results/sweep1m_$(date -u +%Y%m%dT%H%M%SZ); mkdir -p $OUT
export PGPASSWORD=jobmap
on() { psql -X -q -At -h 127.0.0.1 -p 5439 -U jobmap -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }
{ echo "commit: $(git -C /work/main rev-parse HEAD)$(git -C /work/main diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"; echo "before: $(git -C /tmp/before71 rev-parse HEAD)"; } | tee $OUT/commit.txt
printf 'code\tdb\topen_past_valid_through\tpublic_sites_past\tsweep_s\tline\tload_before\tload_after\n' | tee $OUT/results.tsv
for code in before after; do
  db=demo_load_run_$code; tree=/work/main; [ $code = before ] && tree=/tmp/before71
  due=$(on $db "SELECT count(*) FROM vacancy WHERE status = 'open' AND valid_through <= now()")
  pub=$(on $db "SELECT count(*) FROM vacancy_site WHERE public AND valid_through <= now()")
  on $db "CHECKPOINT"
  la=$(cut -d' ' -f1-3 /proc/loadavg)
  s=$(date +%s.%N)
  line=$(cd $tree && APP_DATABASE_URL=postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/$db PYTHONPATH=$tree .venv/bin/jobmap vacancies sweep 2>$OUT/$code.err)
  e=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n' $code $db $due $pub "$(bc <<< "$e - $s")" "$line" "$la" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/results.tsv
  on $db "SELECT 'expired events ' || count(*) FROM vacancy_event WHERE kind = 'expired'" | tee -a $OUT/checks.txt
  on $db "SELECT 'cells differing from a recount ' || count(*) FROM (SELECT zoom, cx, cy, sites FROM site_cell WHERE sites <> 0 EXCEPT SELECT z, jobmap_cell_x(geom, z), jobmap_cell_y(geom, z), count(*)::int FROM vacancy_site CROSS JOIN generate_series(8, 15) AS z WHERE public GROUP BY 1, 2, 3) d" | tee -a $OUT/checks.txt
done
echo "results in $OUT"
