-- jobmap_mercator_x(geom), jobmap_mercator_y(geom): a point's Web Mercator (EPSG:3857)
-- coordinates in metres, by the formula: cheaper than a transform per site. geom is EPSG:4326
-- (lon, lat).
--
-- Used by: jobmap_cell_x/_y, jobmap_site_cells_* (site_cell sums); app/tiles/cells.py,
-- app/tiles/repository.py.
-- History: 0010 created them; 0013 moved them here unchanged.

CREATE OR REPLACE FUNCTION jobmap_mercator_x(geom geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ST_X(geom) * (20037508.342789244 / 180.0);

CREATE OR REPLACE FUNCTION jobmap_mercator_y(geom geometry) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ln(tan(pi() / 4 + radians(ST_Y(geom)) / 2)) * (20037508.342789244 / pi());
