-- jobmap_site_cells_insert(), _update(), _delete(): statement trigger functions on vacancy_site
-- (triggers vacancy_site_cells_insert, _update, _delete) keeping site_cell exact in the
-- transaction that changes the sites: per cell (jobmap_cell_x/_y) and zoom 8 to 15, the number
-- of public sites, their positions and the sums of their Web Mercator coordinates and squares
-- (mean position and spread of a cluster), and the sum of the code points of their occupation
-- codes' first characters (ascii(), 0 for none): in a cell of one site, its occupation group,
-- which colours its pin at every zoom. Each adds the public sites a statement added (sign 1)
-- and takes away those it took away (sign -1), in key order (concurrent writers then wait for
-- each other rather than deadlock). A site left unchanged adds and takes away the same and is
-- left out. Statement triggers fire for statements that touch no row too (the vacancy trigger's
-- site sync runs once per vacancy written): those return at once. The three differ only in the
-- transition tables they read.
--
-- History: 0010 created them; 0013 moved them here unchanged; 0020 added group_sum.

CREATE OR REPLACE FUNCTION jobmap_site_cells_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (EXISTS (SELECT FROM new_rows WHERE public)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO site_cell AS c (zoom, cx, cy, sites, positions, sum_x, sum_y, sum_xx, sum_yy,
                                group_sum)
    SELECT z, jobmap_cell_x(d.geom, z), jobmap_cell_y(d.geom, z),
           sum(d.sign), sum(d.sign * d.positions),
           sum(d.sign * m.x), sum(d.sign * m.y), sum(d.sign * m.x * m.x), sum(d.sign * m.y * m.y),
           sum(d.sign * d.group_key)
    FROM (SELECT 1 AS sign, geom, positions, coalesce(ascii(occupation_code), 0) AS group_key FROM new_rows WHERE public) AS d
    CROSS JOIN LATERAL (SELECT jobmap_mercator_x(d.geom) AS x,
                               jobmap_mercator_y(d.geom) AS y) AS m
    CROSS JOIN generate_series(8, 15) AS z
    GROUP BY 1, 2, 3
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.positions) <> 0
        OR sum(d.sign * m.x) <> 0 OR sum(d.sign * m.y) <> 0 OR sum(d.sign * d.group_key) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (zoom, cx, cy) DO UPDATE SET
        sites = c.sites + excluded.sites,
        positions = c.positions + excluded.positions,
        -- Back to exact zeros when the cell empties, so rounding never accumulates.
        sum_x = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_x + excluded.sum_x END,
        sum_y = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_y + excluded.sum_y END,
        sum_xx = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_xx + excluded.sum_xx END,
        sum_yy = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_yy + excluded.sum_yy END,
        group_sum = c.group_sum + excluded.group_sum;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobmap_site_cells_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (EXISTS (SELECT FROM new_rows WHERE public) OR EXISTS (SELECT FROM old_rows WHERE public)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO site_cell AS c (zoom, cx, cy, sites, positions, sum_x, sum_y, sum_xx, sum_yy,
                                group_sum)
    SELECT z, jobmap_cell_x(d.geom, z), jobmap_cell_y(d.geom, z),
           sum(d.sign), sum(d.sign * d.positions),
           sum(d.sign * m.x), sum(d.sign * m.y), sum(d.sign * m.x * m.x), sum(d.sign * m.y * m.y),
           sum(d.sign * d.group_key)
    FROM (SELECT 1 AS sign, geom, positions, coalesce(ascii(occupation_code), 0) AS group_key FROM new_rows WHERE public UNION ALL SELECT -1 AS sign, geom, positions, coalesce(ascii(occupation_code), 0) AS group_key FROM old_rows WHERE public) AS d
    CROSS JOIN LATERAL (SELECT jobmap_mercator_x(d.geom) AS x,
                               jobmap_mercator_y(d.geom) AS y) AS m
    CROSS JOIN generate_series(8, 15) AS z
    GROUP BY 1, 2, 3
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.positions) <> 0
        OR sum(d.sign * m.x) <> 0 OR sum(d.sign * m.y) <> 0 OR sum(d.sign * d.group_key) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (zoom, cx, cy) DO UPDATE SET
        sites = c.sites + excluded.sites,
        positions = c.positions + excluded.positions,
        -- Back to exact zeros when the cell empties, so rounding never accumulates.
        sum_x = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_x + excluded.sum_x END,
        sum_y = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_y + excluded.sum_y END,
        sum_xx = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_xx + excluded.sum_xx END,
        sum_yy = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_yy + excluded.sum_yy END,
        group_sum = c.group_sum + excluded.group_sum;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobmap_site_cells_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (EXISTS (SELECT FROM old_rows WHERE public)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO site_cell AS c (zoom, cx, cy, sites, positions, sum_x, sum_y, sum_xx, sum_yy,
                                group_sum)
    SELECT z, jobmap_cell_x(d.geom, z), jobmap_cell_y(d.geom, z),
           sum(d.sign), sum(d.sign * d.positions),
           sum(d.sign * m.x), sum(d.sign * m.y), sum(d.sign * m.x * m.x), sum(d.sign * m.y * m.y),
           sum(d.sign * d.group_key)
    FROM (SELECT -1 AS sign, geom, positions, coalesce(ascii(occupation_code), 0) AS group_key FROM old_rows WHERE public) AS d
    CROSS JOIN LATERAL (SELECT jobmap_mercator_x(d.geom) AS x,
                               jobmap_mercator_y(d.geom) AS y) AS m
    CROSS JOIN generate_series(8, 15) AS z
    GROUP BY 1, 2, 3
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.positions) <> 0
        OR sum(d.sign * m.x) <> 0 OR sum(d.sign * m.y) <> 0 OR sum(d.sign * d.group_key) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (zoom, cx, cy) DO UPDATE SET
        sites = c.sites + excluded.sites,
        positions = c.positions + excluded.positions,
        -- Back to exact zeros when the cell empties, so rounding never accumulates.
        sum_x = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_x + excluded.sum_x END,
        sum_y = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_y + excluded.sum_y END,
        sum_xx = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_xx + excluded.sum_xx END,
        sum_yy = CASE WHEN c.sites + excluded.sites = 0 THEN 0 ELSE c.sum_yy + excluded.sum_yy END,
        group_sum = c.group_sum + excluded.group_sum;
    RETURN NULL;
END $$;
