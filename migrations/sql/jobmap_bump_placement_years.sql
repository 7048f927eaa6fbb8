-- jobmap_bump_placement_years(): statement trigger function, AFTER INSERT, UPDATE, DELETE and
-- TRUNCATE on placement (triggers placement_years_*), and AFTER any write to area
-- (area_placement_years_*). Gives each calendar year whose placements a statement touched a new
-- random version in placement_year_version, in the writing transaction. The year-end
-- projection keeps past years' people counts in each worker (app/stats/reached_cache.py) and
-- uses one only while the versions of its years are those it was counted under: a write to
-- this year's placements leaves the past years' counts in use. A change of areas can change
-- which placements any unit counts, so it (and a TRUNCATE) renews every year.
--
-- Random versions (gen_random_uuid) are never reused: not after a rolled-back write, not in a
-- database dropped and created again under the same name, so a kept count cannot be mistaken
-- for a later state's. Years are locked in order (ORDER BY) so two writers cannot deadlock.
--
-- History: 0018 created it.

CREATE OR REPLACE FUNCTION jobmap_bump_placement_years() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'area' OR TG_OP = 'TRUNCATE' THEN
        UPDATE placement_year_version SET version = gen_random_uuid();
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO placement_year_version AS kept (year, version)
        SELECT year, gen_random_uuid()
        FROM (SELECT DISTINCT date_part('year', placed_on)::integer AS year FROM new_rows) AS touched
        ORDER BY 1
        ON CONFLICT (year) DO UPDATE SET version = excluded.version;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO placement_year_version AS kept (year, version)
        SELECT year, gen_random_uuid()
        FROM (
            SELECT date_part('year', placed_on)::integer AS year FROM old_rows
            UNION
            SELECT date_part('year', placed_on)::integer FROM new_rows
        ) AS touched
        ORDER BY 1
        ON CONFLICT (year) DO UPDATE SET version = excluded.version;
    ELSE
        UPDATE placement_year_version SET version = gen_random_uuid()
        WHERE year IN (SELECT DISTINCT date_part('year', placed_on)::integer FROM old_rows);
    END IF;
    RETURN NULL;
END $$;
