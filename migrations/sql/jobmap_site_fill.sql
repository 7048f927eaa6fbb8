-- jobmap_site_fill(): trigger function, BEFORE INSERT on vacancy_site (trigger site_fill).
-- Copies the vacancy's (and its employer's) columns onto a new work site, so a nearest-sites
-- scan filters without a join. `public`: open, of a verified employer and not past
-- valid_through: a site written after it expires is never public (the partial `WHERE public`
-- indexes and the kept map cells leave it out).
--
-- Kept in step with jobmap_vacancy_sync_sites and jobmap_employer_sync, which decide `public`
-- for stored sites the same way; app/vacancies/sweep.py takes off the sites that expire while
-- stored.
-- History: 0003 created it; 0012 added the clock (valid_through > now()); 0013 moved it here
-- unchanged.

CREATE OR REPLACE FUNCTION jobmap_site_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT v.status = 'open' AND e.verified_at IS NOT NULL AND v.valid_through > now(), v.valid_through,
           v.employer_id, v.occupation_code, v.industry_code, v.employment_type,
           v.salary_monthly_min, v.salary_monthly_max, v.published_at
      INTO NEW.public, NEW.valid_through, NEW.employer_id, NEW.occupation_code,
           NEW.industry_code, NEW.employment_type, NEW.salary_monthly_min,
           NEW.salary_monthly_max, NEW.published_at
      FROM vacancy v JOIN employer e ON e.id = v.employer_id
     WHERE v.id = NEW.vacancy_id;
    RETURN NEW;
END $$;
