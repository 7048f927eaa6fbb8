-- jobmap_vacancy_events_delete(): statement trigger function, AFTER DELETE on vacancy (trigger
-- vacancy_events_delete). A vacancy's change events go with it, as the foreign key's ON DELETE
-- CASCADE did until 0029 dropped that key (its check locked the vacancy's row for each event:
-- the expiry sweep's largest cost). One DELETE per statement however many vacancies it
-- deleted. The sweep writes its events while it holds the vacancies' vacancy_due rows, whose
-- own cascade makes a concurrent delete of the vacancy wait; that delete then runs this with
-- a snapshot that sees the sweep's events.
--
-- History: 0029 created it.

CREATE OR REPLACE FUNCTION jobmap_vacancy_events_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM vacancy_event WHERE vacancy_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
