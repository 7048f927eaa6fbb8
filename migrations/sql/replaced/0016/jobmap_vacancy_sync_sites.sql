-- jobmap_vacancy_sync_sites(): trigger function, AFTER UPDATE on vacancy, when a copied column
-- changed (trigger vacancy_sync_sites). Copies the vacancy's columns onto its work sites and
-- decides `public` again (open, not past valid_through, employer verified), as
-- jobmap_site_fill does for a new site.
--
-- History: 0003 created it; 0012 added the clock (valid_through > now()); 0013 moved it here
-- unchanged.

CREATE OR REPLACE FUNCTION jobmap_vacancy_sync_sites() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vacancy_site s
       SET public = NEW.status = 'open' AND NEW.valid_through > now()
                    AND EXISTS (SELECT 1 FROM employer e
                                WHERE e.id = NEW.employer_id AND e.verified_at IS NOT NULL),
           valid_through = NEW.valid_through, employer_id = NEW.employer_id,
           occupation_code = NEW.occupation_code, industry_code = NEW.industry_code,
           employment_type = NEW.employment_type,
           salary_monthly_min = NEW.salary_monthly_min,
           salary_monthly_max = NEW.salary_monthly_max, published_at = NEW.published_at
     WHERE s.vacancy_id = NEW.id;
    RETURN NULL;
END $$;
