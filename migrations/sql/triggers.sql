-- Every trigger on our tables, each with the function it runs (that function's file says what
-- it does). Applied after the functions' files. CREATE OR REPLACE TRIGGER (PostgreSQL 14+)
-- keeps the file re-appliable; a trigger that goes away is dropped by its migration and struck
-- from here.
--
-- History: 0003 (search read model), 0004 (vacancy_before_write re-created with its function),
-- 0008 (words), 0010 (site cells), 0011 (map version) created them; 0013 moved them here
-- unchanged; 0016 made vacancy_sync_sites a statement trigger; 0018 added the placement years'
-- versions; 0019 the sites' joints with the street network; 0025 (the expiry sweep) split
-- vacancy_before_write into an INSERT trigger and vacancy_before_update WHEN a search input
-- changed, and made vacancy_words_update a row trigger WHEN the title changed; 0029 added
-- vacancy_due_insert, vacancy_due_update and vacancy_events_delete (the expiry sweep's queue).

-- The search read model (jobmap_vacancy_before_write, jobmap_site_fill,
-- jobmap_vacancy_sync_sites, jobmap_employer_sync).
CREATE OR REPLACE TRIGGER vacancy_before_write BEFORE INSERT ON vacancy
    FOR EACH ROW EXECUTE FUNCTION jobmap_vacancy_before_write();

-- Only when an input of the search documents changed (or search_doc was set to NULL): the
-- WHEN test costs the expiry sweep nothing, a PL/pgSQL call per vacancy did.
CREATE OR REPLACE TRIGGER vacancy_before_update BEFORE UPDATE ON vacancy
    FOR EACH ROW
    WHEN (NEW.search_doc IS NULL
          OR (NEW.title, NEW.description, NEW.occupation_code, NEW.employer_id)
             IS DISTINCT FROM (OLD.title, OLD.description, OLD.occupation_code, OLD.employer_id))
    EXECUTE FUNCTION jobmap_vacancy_before_write();

CREATE OR REPLACE TRIGGER site_fill BEFORE INSERT ON vacancy_site
    FOR EACH ROW EXECUTE FUNCTION jobmap_site_fill();

-- Once per statement: the function writes the sites whose copied values differ.
CREATE OR REPLACE TRIGGER vacancy_sync_sites AFTER UPDATE ON vacancy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_vacancy_sync_sites();

CREATE OR REPLACE TRIGGER employer_sync AFTER UPDATE OF verified_at, name ON employer
    FOR EACH ROW EXECUTE FUNCTION jobmap_employer_sync();

-- The words spelling corrections lead to (jobmap_remember_new_words: the table's key, then its
-- text columns; jobmap_remember_row_words: the text columns).
CREATE OR REPLACE TRIGGER vacancy_words_insert AFTER INSERT ON vacancy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_remember_new_words('id', 'title');

-- A row trigger: without OLD TABLE, an UPDATE of vacancy keeps no copy of the old rows.
CREATE OR REPLACE TRIGGER vacancy_words_update AFTER UPDATE OF title ON vacancy
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION jobmap_remember_row_words('title');

CREATE OR REPLACE TRIGGER occupation_words_insert AFTER INSERT ON occupation
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_remember_new_words('code', 'name_vi', 'name_en');

CREATE OR REPLACE TRIGGER occupation_words_update AFTER UPDATE ON occupation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_remember_new_words('code', 'name_vi', 'name_en');

CREATE OR REPLACE TRIGGER employer_words_insert AFTER INSERT ON employer
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_remember_new_words('id', 'name');

CREATE OR REPLACE TRIGGER employer_words_update AFTER UPDATE ON employer
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_remember_new_words('id', 'name');

-- The map cells' counts (jobmap_site_cells_*).
CREATE OR REPLACE TRIGGER vacancy_site_cells_insert AFTER INSERT ON vacancy_site
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_site_cells_insert();

CREATE OR REPLACE TRIGGER vacancy_site_cells_update AFTER UPDATE ON vacancy_site
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_site_cells_update();

CREATE OR REPLACE TRIGGER vacancy_site_cells_delete AFTER DELETE ON vacancy_site
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_site_cells_delete();

-- The map's write counter (jobmap_bump_map_version).
CREATE OR REPLACE TRIGGER vacancy_map_version_insert AFTER INSERT ON vacancy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER vacancy_map_version_update AFTER UPDATE ON vacancy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER vacancy_map_version_delete AFTER DELETE ON vacancy
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER vacancy_site_map_version_insert AFTER INSERT ON vacancy_site
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER vacancy_site_map_version_update AFTER UPDATE ON vacancy_site
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER vacancy_site_map_version_delete AFTER DELETE ON vacancy_site
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER employer_map_version_insert AFTER INSERT ON employer
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER employer_map_version_update AFTER UPDATE ON employer
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

CREATE OR REPLACE TRIGGER employer_map_version_delete AFTER DELETE ON employer
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_map_version();

-- Versions of each year's placements, for the projection's kept counts
-- (jobmap_bump_placement_years).
CREATE OR REPLACE TRIGGER placement_years_insert AFTER INSERT ON placement
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_placement_years();

CREATE OR REPLACE TRIGGER placement_years_update AFTER UPDATE ON placement
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_placement_years();

CREATE OR REPLACE TRIGGER placement_years_delete AFTER DELETE ON placement
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_bump_placement_years();

CREATE OR REPLACE TRIGGER placement_years_truncate AFTER TRUNCATE ON placement
    FOR EACH STATEMENT EXECUTE FUNCTION jobmap_bump_placement_years();

CREATE OR REPLACE TRIGGER area_placement_years AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON area FOR EACH STATEMENT EXECUTE FUNCTION jobmap_bump_placement_years();

-- The sites' joints with the live street network (jobmap_site_joints).
CREATE OR REPLACE TRIGGER vacancy_site_joints_insert AFTER INSERT ON vacancy_site
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_site_joints();

-- No WHEN (OLD.geom IS DISTINCT FROM NEW.geom): pg_restore recreates triggers with an empty
-- search_path, where geometry's `=` is not found; the function compares instead.
CREATE OR REPLACE TRIGGER vacancy_site_joints_move AFTER UPDATE OF geom ON vacancy_site
    FOR EACH ROW EXECUTE FUNCTION jobmap_site_joints();

CREATE OR REPLACE TRIGGER vacancy_site_joints_delete AFTER DELETE ON vacancy_site
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_site_joints();

-- The queue of open vacancies whose expiry is yet to be recorded (jobmap_vacancy_due_insert,
-- jobmap_vacancy_due_update). A row trigger WHEN its columns changed: an UPDATE that leaves
-- them alone (most edits, a migration rewriting every row) costs a comparison.
CREATE OR REPLACE TRIGGER vacancy_due_insert AFTER INSERT ON vacancy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_vacancy_due_insert();

CREATE OR REPLACE TRIGGER vacancy_due_update AFTER UPDATE OF status, valid_through, employer_id
    ON vacancy FOR EACH ROW
    WHEN ((OLD.status, OLD.valid_through, OLD.employer_id)
          IS DISTINCT FROM (NEW.status, NEW.valid_through, NEW.employer_id))
    EXECUTE FUNCTION jobmap_vacancy_due_update();

-- A vacancy's change events go with it (jobmap_vacancy_events_delete).
CREATE OR REPLACE TRIGGER vacancy_events_delete AFTER DELETE ON vacancy
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION jobmap_vacancy_events_delete();
