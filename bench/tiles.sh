#!/usr/bin/env bash
# Vector tiles side by side (bench/README.md, "Vector tiles"): our service and tipg 1.6, 2
# workers each, the same public sites (tipg: the bench_public_site view of run.sh), the same
# fixed tile lists at z8, z10, z12, z14: up to 200 tiles per zoom that hold public sites,
# chosen by a hash (the same every run). Per zoom, back to back: ours (no server cache: every
# tile is computed, "cold"), ours revalidated (If-None-Match with each tile's ETag: 304s,
# "warm"), tipg. Also tile sizes and feature counts.
#
#   bench/tiles.sh            # from the repository root; DURATION=20 WARMUP=5 CONNS=16
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
OURS_PORT=${OURS_PORT:-8080} TIPG_PORT=${TIPG_PORT:-8081}
TIPG_VENV=${TIPG_VENV:-/tmp/tipgvenv}
ZOOMS=${ZOOMS:-8 10 12 14}
OUT=${OUT:-$PWD/bench/results/tiles_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
PSQL=(psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -v ON_ERROR_STOP=1)

"${PSQL[@]}" <<'SQL'
CREATE OR REPLACE VIEW bench_public_site AS
SELECT id, vacancy_id, positions, approximate, occupation_code, employment_type,
       salary_monthly_min, salary_monthly_max, published_at, geom
FROM vacancy_site WHERE public AND valid_through > now();
SQL
for z in $ZOOMS; do
  "${PSQL[@]}" -At -F ' ' -c "
    SELECT $z, tx, ty FROM (
      SELECT DISTINCT jobmap_cell_x(geom, $z) >> 6 AS tx, jobmap_cell_y(geom, $z) >> 6 AS ty
      FROM vacancy_site WHERE public AND valid_through > now()) AS t
    ORDER BY hashtext(tx || '/' || ty) LIMIT 200" > "$OUT/tiles_z$z.txt"
done

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
APP_DATABASE_URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB" \
APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 \
  .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$OURS_PORT" \
  --no-access-log --log-level warning > "$OUT/ours.log" 2>&1 &
PIDS+=($!)
DATABASE_URL="postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB" \
TIPG_DB_SCHEMAS='["public"]' TIPG_DB_TABLES='["public.bench_public_site"]' TIPG_DB_FUNCTIONS='[]' \
TIPG_DB_SPATIAL_EXTENT=false TIPG_DB_DATETIME_EXTENT=false TIPG_MAX_FEATURES_PER_QUERY=10000 \
  "$TIPG_VENV/bin/uvicorn" tipg.main:app --workers 2 --port "$TIPG_PORT" \
  --no-access-log --log-level warning > "$OUT/tipg.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$OURS_PORT/readyz" > /dev/null \
    && curl -sf "http://127.0.0.1:$TIPG_PORT/collections/public.bench_public_site" > /dev/null && break
  sleep 1
done

OURS_PATH="/v1/tiles/vacancies/{z}/{x}/{y}.mvt"
TIPG_PATH="/collections/public.bench_public_site/tiles/WebMercatorQuad/{z}/{x}/{y}"

# Sizes, features and ETags of every tile of the lists (ours), sizes of tipg's.
for z in $ZOOMS; do
  : > "$OUT/etags_z$z.txt"
  while read -r tz tx ty; do
    ours=$(curl -s -D - -o "$OUT/t.mvt" -w '%{size_download}' "http://127.0.0.1:$OURS_PORT/v1/tiles/vacancies/$tz/$tx/$ty.mvt")
    etag=$(printf '%s' "$ours" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
    size=$(printf '%s' "$ours" | tail -n1)
    features=$(.venv/bin/python -c "
import mapbox_vector_tile as m, sys
d = m.decode(open('$OUT/t.mvt', 'rb').read()) if $size else {}
fs = d.get('vacancies', {}).get('features', [])
print(len(fs), sum(f['properties'].get('count', 1) for f in fs))")
    tipg=$(curl -s -o "$OUT/t.mvt" -w '%{size_download}' "http://127.0.0.1:$TIPG_PORT/collections/public.bench_public_site/tiles/WebMercatorQuad/$tz/$tx/$ty")
    tipg_features=$(.venv/bin/python -c "
import mapbox_vector_tile as m
d = m.decode(open('$OUT/t.mvt', 'rb').read()) if $tipg else {}
print(sum(len(l['features']) for l in d.values()))")
    echo "$tz $tx $ty $etag" >> "$OUT/etags_z$z.txt"
    echo "$tz $tx $ty ours_bytes=$size ours_features_sites=${features// //} tipg_bytes=$tipg tipg_features=$tipg_features" >> "$OUT/sizes.txt"
  done < "$OUT/tiles_z$z.txt"
done
rm -f "$OUT/t.mvt"

run_wrk() { # target zoom port path tiles etag
  BENCH_TILES="$5" BENCH_PATH="$4" BENCH_ETAG="$6" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" \
    --timeout 30s -s bench/tiles.lua "http://127.0.0.1:$3" > /dev/null
  BENCH_TILES="$5" BENCH_PATH="$4" BENCH_ETAG="$6" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" \
    --timeout 30s --latency -s bench/tiles.lua "http://127.0.0.1:$3" > "$OUT/wrk_$1_z$2.txt"
  echo "$1 z$2 $(grep '^RESULT' "$OUT/wrk_$1_z$2.txt")" | tee -a "$RESULTS"
}
for z in $ZOOMS; do
  run_wrk ours "$z" "$OURS_PORT" "$OURS_PATH" "$OUT/etags_z$z.txt" 0
  run_wrk ours_304 "$z" "$OURS_PORT" "$OURS_PATH" "$OUT/etags_z$z.txt" 1
  run_wrk tipg "$z" "$TIPG_PORT" "$TIPG_PATH" "$OUT/tiles_z$z.txt" 0
done
echo "raw output in $OUT"
