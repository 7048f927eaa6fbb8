-- jobmap_employer_sync(): trigger function, AFTER UPDATE OF verified_at, name on employer
-- (trigger employer_sync). Verifying or un-verifying an employer decides `public` again for the
-- work sites of its vacancies (as jobmap_site_fill does); renaming it sets its vacancies'
-- search_doc to NULL, which makes jobmap_vacancy_before_write rebuild them with the new name.
--
-- History: 0003 created it; 0004 rebuilt search documents by NULL instead of rewriting titles;
-- 0012 added the clock (valid_through > now()); 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_employer_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.verified_at IS NULL) <> (NEW.verified_at IS NULL) THEN
        UPDATE vacancy_site s
           SET public = v.status = 'open' AND v.valid_through > now() AND NEW.verified_at IS NOT NULL
          FROM vacancy v
         WHERE v.id = s.vacancy_id AND v.employer_id = NEW.id;
    END IF;
    IF OLD.name IS DISTINCT FROM NEW.name THEN
        UPDATE vacancy SET search_doc = NULL WHERE employer_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
