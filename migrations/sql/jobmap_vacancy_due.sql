-- jobmap_vacancy_due_insert(), jobmap_vacancy_due_update(): trigger functions, AFTER INSERT
-- (per statement) and AFTER UPDATE OF status, valid_through, employer_id (per row, WHEN one of
-- them changed) on vacancy (triggers vacancy_due_insert, vacancy_due_update). They keep
-- vacancy_due, the open vacancies whose expiry the sweep (app/vacancies/repository.expire_due)
-- has yet to record: a vacancy opened is queued at its valid_through, one closed leaves, one
-- whose valid_through moved is queued again at the new one (an expired vacancy given a later
-- valid_through is open again, and will expire again). The sweep deletes the rows it records
-- and never writes the vacancy, so it fires neither.
--
-- Used by: the expiry sweep; app/demo/bulk.py fills the queue itself after a fast load (the
-- insert trigger is off there).
--
-- History: 0029 created them.

CREATE OR REPLACE FUNCTION jobmap_vacancy_due_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vacancy_due (vacancy_id, valid_through, employer_id)
    SELECT id, valid_through, employer_id FROM new_rows WHERE status = 'open';
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobmap_vacancy_due_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'open' THEN
        INSERT INTO vacancy_due (vacancy_id, valid_through, employer_id)
        VALUES (NEW.id, NEW.valid_through, NEW.employer_id)
        ON CONFLICT (vacancy_id) DO UPDATE
            SET valid_through = EXCLUDED.valid_through, employer_id = EXCLUDED.employer_id;
    ELSE
        DELETE FROM vacancy_due WHERE vacancy_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
