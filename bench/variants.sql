-- Viewport "hits" subquery (0.3° box around Vĩnh Long city, limit 500): as the service
-- orders it today (distance, id), then by distance alone (what a GiST KNN scan can return).
-- psql -X -h 127.0.0.1 -p 5439 -U jobmap -d jobmap_bench -f bench/variants.sql
SET jit = off; SET max_parallel_workers_per_gather = 0;
\echo '== A: ORDER BY geom <-> centre, id (as today)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT site.id FROM vacancy_site AS site
WHERE site.public AND site.valid_through > now()
  AND site.geom && ST_MakeEnvelope(105.8223, 10.1037, 106.1223, 10.4037, 4326)
ORDER BY site.geom <-> ST_SetSRID(ST_MakePoint(105.9723, 10.2537), 4326), site.id LIMIT 500;
\echo '== B: ORDER BY geom <-> centre only (KNN), ties left to the index'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT site.id FROM vacancy_site AS site
WHERE site.public AND site.valid_through > now()
  AND site.geom && ST_MakeEnvelope(105.8223, 10.1037, 106.1223, 10.4037, 4326)
ORDER BY site.geom <-> ST_SetSRID(ST_MakePoint(105.9723, 10.2537), 4326) LIMIT 500;
\echo '== C: the bounded total (count up to 1001) of the same box'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM (SELECT site.id FROM vacancy_site AS site
WHERE site.public AND site.valid_through > now()
  AND site.geom && ST_MakeEnvelope(105.8223, 10.1037, 106.1223, 10.4037, 4326) LIMIT 1001) AS t;
\echo '== D: how many public unexpired sites that box holds'
SELECT count(*) FROM vacancy_site AS site
WHERE site.public AND site.valid_through > now()
  AND site.geom && ST_MakeEnvelope(105.8223, 10.1037, 106.1223, 10.4037, 4326);
\echo '== E: physical order: distinct heap pages of 1000 sites of a 0.05° box'
SELECT count(*) AS sites, count(DISTINCT (ctid::text::point)[0]) AS heap_pages FROM (
  SELECT ctid FROM vacancy_site AS site WHERE site.public
  AND site.geom && ST_MakeEnvelope(105.9473, 10.2287, 105.9973, 10.2787, 4326) LIMIT 1000) AS t;
SET jit = off; SET max_parallel_workers_per_gather = 0;
\echo '== F: bounded total of an empty 0.05° box (centre 104 of points.txt: 105.852183, 10.279017)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM (SELECT site.id FROM vacancy_site AS site
WHERE site.public AND site.valid_through > now()
  AND site.geom && ST_MakeEnvelope(105.827183, 10.254017, 105.877183, 10.304017, 4326) LIMIT 1001) AS t;
\echo '== G: tipg count of the 0.05° city box (tipg runs a full COUNT(*) per request)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*) FROM bench_public_site WHERE ST_Intersects(geom, ST_MakeEnvelope(105.9473, 10.2287, 105.9973, 10.2787, 4326));
\echo '== H: tipg page of the same box (ORDER BY id LIMIT 100)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id, ST_AsGeoJSON(geom) FROM bench_public_site WHERE ST_Intersects(geom, ST_MakeEnvelope(105.9473, 10.2287, 105.9973, 10.2787, 4326)) ORDER BY id LIMIT 100;
