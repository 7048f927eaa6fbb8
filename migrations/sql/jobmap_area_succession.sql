-- jobmap_area_succession(): rewrites area_succession from the boundaries in `area`, and returns
-- the number of rows it wrote. Called by migration 0021 (the areas already loaded) and by
-- `jobmap areas load` after every load (app/areas/repository.py, refresh_succession), in the
-- load's transaction, so a reload that changes boundaries changes the succession with them.
--
-- A unit that ended on a day (valid_to, e.g. a pre-2025 district ending 2025-07-01) is
-- followed by the communes that began that day and lie mostly inside it: for each such commune
-- and each level of the units that ended, the unit of that level covering the largest share of
-- the commune's area, when that share is over one half. The share is measured on the spheroid
-- (geography areas, m2). Units without a boundary (the pre-2025 communes, shipped as codes
-- only) have no successors. Programme progress follows an old district's territory through it
-- (app/programmes/progress.py; docs/statistics.md, "Programmes").
--
-- History: 0021 created it.

CREATE OR REPLACE FUNCTION jobmap_area_succession() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    written integer;
BEGIN
    DELETE FROM area_succession;
    INSERT INTO area_succession (predecessor_id, successor_id, share)
    SELECT predecessor_id, successor_id, share
    FROM (
        SELECT old.id AS predecessor_id,
               new.id AS successor_id,
               ST_Area(ST_Intersection(old.geom, new.geom)::geography)
                   / ST_Area(new.geom::geography) AS share,
               row_number() OVER (
                   PARTITION BY new.id, old.level
                   ORDER BY ST_Area(ST_Intersection(old.geom, new.geom)::geography) DESC, old.id
               ) AS rank
        FROM area AS new
        JOIN area AS old
          ON old.valid_to = new.valid_from
         AND old.level IN ('district', 'commune')
         AND old.geom && new.geom
         AND ST_Intersects(old.geom, new.geom)
        WHERE new.level = 'commune'
          AND new.geom IS NOT NULL
          AND ST_Area(new.geom::geography) > 0
    ) AS ranked
    WHERE rank = 1 AND share > 0.5;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;
