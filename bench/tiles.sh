#!/usr/bin/env bash
# Vector tiles side by side (bench/README.md, "Vector tiles"): our service and tipg 1.6, 2
# workers each, the same public sites (tipg: the bench_public_site view of run.sh), the same
# fixed tile lists at z8, z10, z12, z14: up to 200 tiles per zoom that hold public sites,
# chosen by a hash (the same every run). Per zoom, back to back: ours without its tile cache
# (every tile drawn: "cold"), ours with it (after the warm-up every tile is kept: "warm"),
# ours revalidated (If-None-Match with each tile's ETag: 304s), tipg; at CEILING_ZOOM also the
# ceiling (bench/ceiling_app.py: a bare ASGI app answering with one of our tiles' bytes, no
# routing, middleware or database). Also tile sizes and feature counts.
#
#   bench/tiles.sh            # from the repository root; DURATION=20 WARMUP=5 CONNS=16
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5439} PGUSER=${PGUSER:-jobmap}
export PGPASSWORD=${PGPASSWORD:-jobmap}
DB=${DB:-jobmap_bench}
DURATION=${DURATION:-20} WARMUP=${WARMUP:-5} CONNS=${CONNS:-16} THREADS=${THREADS:-2}
OURS_PORT=${OURS_PORT:-8080} TIPG_PORT=${TIPG_PORT:-8081} COLD_PORT=${COLD_PORT:-8082}
# DB2: ours also draws every tile from a second database ("ours2_cold"), the same data in
# another state (issue 22: backlog in DB, swept in DB2), in the same run.
DB2=${DB2:-} COLD2_PORT=${COLD2_PORT:-8085} OURS2_PORT=${OURS2_PORT:-8084}
CEILING_PORT=${CEILING_PORT:-8083} CEILING_ZOOM=${CEILING_ZOOM:-14}
TIPG_VENV=${TIPG_VENV:-/tmp/tipgvenv}
ZOOMS=${ZOOMS:-8 10 12 14}
OUT=${OUT:-$PWD/bench/results/tiles_$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"
PSQL=(psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -v ON_ERROR_STOP=1)
# What was measured: the commit (and whether the tree differed from it) and the data's state.
{ echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- app migrations || echo ' (with uncommitted changes)')"
  # The hot statements' SQL as measured (make test checks bench/README.md records a run of them).
  echo "statements: $(APP_DATABASE_URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB" .venv/bin/python bench/fingerprint.py)"
  echo "ours: $DB, state: ${BENCH_STATE:-unnamed}"
  [ -n "$DB2" ] && echo "ours2: $DB2, state: ${BENCH_STATE2:-unnamed}${OURS2_TREE:+, code: $(git -C "$OURS2_TREE" rev-parse HEAD) ($OURS2_TREE)}"
  "${PSQL[@]}" -At -F ' ' -c "SELECT 'public sites', count(*), 'of which past valid_through', count(*) FILTER (WHERE valid_through <= now()) FROM vacancy_site WHERE public" \
    -c "SELECT 'open vacancies past valid_through (not swept)', count(*) FROM vacancy WHERE status = 'open' AND valid_through <= now()"
} | tee "$OUT/commit.txt"

source bench/servers.sh
for z in $ZOOMS; do
  "${PSQL[@]}" -At -F ' ' -c "
    SELECT $z, tx, ty FROM (
      SELECT DISTINCT jobmap_cell_x(geom, $z) >> 6 AS tx, jobmap_cell_y(geom, $z) >> 6 AS ty
      FROM vacancy_site WHERE public AND valid_through > now()) AS t
    ORDER BY hashtext(tx || '/' || ty) LIMIT 200" > "$OUT/tiles_z$z.txt"
done

start_servers
# Ours once more without its tile cache: every tile drawn ("cold"), on each database.
start_ours "$DB" "$COLD_PORT" ours_cold APP_TILE_CACHE_MB=0
if [ -n "$DB2" ]; then TREE=${OURS2_TREE:-.} start_ours "$DB2" "$COLD2_PORT" ours2_cold APP_TILE_CACHE_MB=0; fi
for port in $COLD_PORT ${DB2:+$COLD2_PORT}; do
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 1; done
done

OURS_PATH="/v1/tiles/vacancies/{z}/{x}/{y}.mvt"
TIPG_PATH="/collections/public.bench_public_site/tiles/WebMercatorQuad/{z}/{x}/{y}"

# Every tile's ETag (for the revalidation run).
for z in $ZOOMS; do
  while read -r tz tx ty; do
    etag=$(curl -s -D - -o /dev/null "http://127.0.0.1:$OURS_PORT/v1/tiles/vacancies/$tz/$tx/$ty.mvt" \
      | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
    echo "$tz $tx $ty $etag"
  done < "$OUT/tiles_z$z.txt" > "$OUT/etags_z$z.txt"
done
# Sizes and features of the first SAMPLE tiles of each list, ours and tipg's.
SAMPLE=${SAMPLE:-20}
for z in $ZOOMS; do
  head -n "$SAMPLE" "$OUT/tiles_z$z.txt" | while read -r tz tx ty; do
    curl -s -o "$OUT/ours.mvt" "http://127.0.0.1:$OURS_PORT/v1/tiles/vacancies/$tz/$tx/$ty.mvt"
    curl -s -o "$OUT/tipg.mvt" "http://127.0.0.1:$TIPG_PORT/collections/public.bench_public_site/tiles/WebMercatorQuad/$tz/$tx/$ty"
    .venv/bin/python - "$tz/$tx/$ty" "$OUT/ours.mvt" "$OUT/tipg.mvt" <<'PY'
import sys
import mapbox_vector_tile as m
tile, ours, tipg = sys.argv[1:]
def read(path):
    body = open(path, "rb").read()
    layers = m.decode(body) if body else {}
    features = [f for layer in layers.values() for f in layer["features"]]
    return len(body), len(features), sum(f["properties"].get("count", 1) for f in features)
o, t = read(ours), read(tipg)
print(f"{tile} ours_bytes={o[0]} ours_features={o[1]} ours_sites={o[2]} "
      f"tipg_bytes={t[0]} tipg_features={t[1]}")
PY
  done >> "$OUT/sizes.txt"
done
rm -f "$OUT/ours.mvt" "$OUT/tipg.mvt"

# The ceiling answers with the first tile of the CEILING_ZOOM list.
if [ -f "$OUT/tiles_z$CEILING_ZOOM.txt" ]; then
  read -r cz cx cy < "$OUT/tiles_z$CEILING_ZOOM.txt"
  curl -s -o "$OUT/ceiling.mvt" "http://127.0.0.1:$OURS_PORT/v1/tiles/vacancies/$cz/$cx/$cy.mvt"
  BENCH_BODY="$OUT/ceiling.mvt" .venv/bin/uvicorn bench.ceiling_app:app --workers 2 \
    --port "$CEILING_PORT" --no-access-log --log-level warning > "$OUT/ceiling.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 30); do curl -sf -o /dev/null "http://127.0.0.1:$CEILING_PORT/" && break; sleep 1; done
fi

run_wrk() { # target zoom port path tiles etag
  BENCH_TILES="$5" BENCH_PATH="$4" BENCH_ETAG="$6" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" \
    --timeout 30s -s bench/tiles.lua "http://127.0.0.1:$3" > /dev/null
  BENCH_TILES="$5" BENCH_PATH="$4" BENCH_ETAG="$6" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" \
    --timeout 30s --latency -s bench/tiles.lua "http://127.0.0.1:$3" > "$OUT/wrk_$1_z$2.txt"
  echo "$1 z$2 $(grep '^RESULT' "$OUT/wrk_$1_z$2.txt")" | tee -a "$RESULTS"
}
for z in $ZOOMS; do
  run_wrk ours_cold "$z" "$COLD_PORT" "$OURS_PATH" "$OUT/etags_z$z.txt" 0
  [ -n "$DB2" ] && run_wrk ours2_cold "$z" "$COLD2_PORT" "$OURS_PATH" "$OUT/etags_z$z.txt" 0
  run_wrk ours "$z" "$OURS_PORT" "$OURS_PATH" "$OUT/etags_z$z.txt" 0
  run_wrk ours_304 "$z" "$OURS_PORT" "$OURS_PATH" "$OUT/etags_z$z.txt" 1
  run_wrk tipg "$z" "$TIPG_PORT" "$TIPG_PATH" "$OUT/tiles_z$z.txt" 0
  if [ "$z" = "$CEILING_ZOOM" ]; then
    run_wrk ceiling "$z" "$CEILING_PORT" "$OURS_PATH" "$OUT/tiles_z$z.txt" 0
  fi
done
echo "raw output in $OUT"
