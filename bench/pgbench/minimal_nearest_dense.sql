\set i random(1, 200)
\set lon 105.88 + 0.22 * (0.5 + :i * 0.7548776662466927 - int(:i * 0.7548776662466927))
\set lat 10.1 + 0.2 * (0.5 + :i * 0.5698402909980532 - int(:i * 0.5698402909980532))
SELECT id FROM vacancy_site WHERE public AND valid_through > now() AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 10000) ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography LIMIT 20;
