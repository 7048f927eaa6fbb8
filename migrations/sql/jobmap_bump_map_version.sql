-- jobmap_bump_map_version(): statement trigger function (one call for a whole COPY), AFTER
-- INSERT, UPDATE and DELETE on vacancy, vacancy_site and employer (triggers
-- <table>_map_version_insert/_update/_delete). Counts the writes that can change what the map
-- shows in map_version, in the writing transaction: the tile cache (app/tiles/cache.py) serves
-- a tile only while the counter and the next expiry are those it was drawn under. Statements
-- that touch no row (the vacancy trigger's site sync runs one per vacancy) leave the counter,
-- and its lock, alone.
--
-- History: 0011 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_bump_map_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    UPDATE map_version SET version = version + 1;
    RETURN NULL;
END $$;
