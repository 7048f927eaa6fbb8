-- jobmap_vacancy_before_write(): trigger function, BEFORE INSERT on vacancy (trigger
-- vacancy_before_write) and BEFORE UPDATE when an input changed or search_doc is NULL (trigger
-- vacancy_before_update, since 0025: the expiry sweep no longer calls it). Fills the search
-- read model of a vacancy: title_folded (jobmap_fold),
-- title_doc (title and occupation names with word pairs) and search_doc (every word of title,
-- occupation, employer and description; no weights or positions: ranking is by tiers). Rebuilt
-- on insert, when an input changes, or when search_doc is set to NULL (jobmap_employer_sync
-- does that for a renamed employer).
--
-- History: 0003 created it (with jobmap_vacancy_search_doc, dropped since); 0004 rebuilt it in
-- PL/pgSQL with title_doc, only when an input changed; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_vacancy_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    occupation_name text;
    employer_name text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.search_doc IS NOT NULL
       AND (NEW.title, NEW.description, NEW.occupation_code, NEW.employer_id)
           IS NOT DISTINCT FROM (OLD.title, OLD.description, OLD.occupation_code, OLD.employer_id)
    THEN
        RETURN NEW;
    END IF;
    SELECT coalesce(o.name_vi, '') || ' ' || coalesce(o.name_en, '') INTO occupation_name
      FROM occupation o WHERE o.code = NEW.occupation_code;
    SELECT e.name INTO employer_name FROM employer e WHERE e.id = NEW.employer_id;
    NEW.title_folded := jobmap_fold(NEW.title);
    NEW.title_doc := jobmap_terms(NEW.title || ' ' || coalesce(occupation_name, ''), true);
    NEW.search_doc := jobmap_terms(concat_ws(' ', NEW.title, occupation_name, employer_name,
                                             left(NEW.description, 4000)), false);
    RETURN NEW;
END $$;
