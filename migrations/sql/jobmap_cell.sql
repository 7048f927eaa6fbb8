-- jobmap_cell_x(geom, zoom), jobmap_cell_y(geom, zoom): the map cell of a point at a zoom. A
-- cell is 64 of a tile's 4096 units (the cluster cell of app/tiles), so 2^(zoom + 6) cells
-- across the world, numbered from the west and from the north like tiles (cell / 64 is the
-- tile).
--
-- Used by: jobmap_site_cells_* (the site_cell table); app/tiles/cells.py.
-- History: 0010 created them; 0013 moved them here unchanged.

CREATE OR REPLACE FUNCTION jobmap_cell_x(geom geometry, zoom integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor((jobmap_mercator_x(geom) + 20037508.342789244)
             / (2 * 20037508.342789244) * (2 ^ (zoom + 6)))::integer;

CREATE OR REPLACE FUNCTION jobmap_cell_y(geom geometry, zoom integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor((20037508.342789244 - jobmap_mercator_y(geom))
             / (2 * 20037508.342789244) * (2 ^ (zoom + 6)))::integer;
