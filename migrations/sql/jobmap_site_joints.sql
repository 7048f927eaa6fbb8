-- jobmap_site_joints(): trigger function on vacancy_site, keeping the live network's joints
-- (osm.site_joint, see jobmap_join_sites) in step with the sites: AFTER INSERT (statement,
-- new_rows) joins the new sites; AFTER UPDATE OF geom (row) joins a site again when it moved; AFTER
-- DELETE (statement, old_rows) forgets the deleted ones. Without a loaded network (no
-- osm.site_joint) it does nothing: the load joins every site.
--
-- History: 0019 created it.

CREATE OR REPLACE FUNCTION jobmap_site_joints() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('osm.site_joint') IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM osm.site_joint WHERE site_id IN (SELECT id FROM old_rows);
    ELSIF TG_LEVEL = 'ROW' THEN
        IF NEW.geom IS DISTINCT FROM OLD.geom THEN
            PERFORM jobmap_join_sites('osm', ARRAY[NEW.id]);
        END IF;
    ELSE
        PERFORM jobmap_join_sites('osm', ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;
