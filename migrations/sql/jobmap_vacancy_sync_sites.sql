-- jobmap_vacancy_sync_sites(): statement trigger function, AFTER UPDATE on vacancy (trigger
-- vacancy_sync_sites). For the vacancies a statement changed in a column copied onto the sites,
-- copies those columns onto their work sites and decides `public` again (open, not past
-- valid_through, employer verified), as jobmap_site_fill does for a new site. One UPDATE of
-- the sites per statement, however many vacancies it wrote: the expiry sweep records
-- thousands per statement, and one site UPDATE per vacancy (with the site triggers firing for
-- each) cost most of its time. Sites are written only where a value differs from the one they
-- hold: a statement that changed no copied column writes none. Compared with the sites rather
-- than with the old rows: the join of the two transition tables was planned as a hash over
-- every site.
--
-- History: 0003 created it; 0012 added the clock (valid_through > now()); 0013 moved it here
-- unchanged; 0016 made it a statement trigger reading the transition tables.

CREATE OR REPLACE FUNCTION jobmap_vacancy_sync_sites() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vacancy_site s
       SET public = n.public, valid_through = n.valid_through, employer_id = n.employer_id,
           occupation_code = n.occupation_code, industry_code = n.industry_code,
           employment_type = n.employment_type, salary_monthly_min = n.salary_monthly_min,
           salary_monthly_max = n.salary_monthly_max, published_at = n.published_at
      FROM (SELECT v.id, v.status = 'open' AND v.valid_through > now()
                         AND EXISTS (SELECT 1 FROM employer e
                                     WHERE e.id = v.employer_id AND e.verified_at IS NOT NULL)
                         AS public,
                   v.valid_through, v.employer_id, v.occupation_code, v.industry_code,
                   v.employment_type, v.salary_monthly_min, v.salary_monthly_max,
                   v.published_at
              FROM new_rows v) AS n
     WHERE s.vacancy_id = n.id
       AND (s.public, s.valid_through, s.employer_id, s.occupation_code, s.industry_code,
            s.employment_type, s.salary_monthly_min, s.salary_monthly_max, s.published_at)
           IS DISTINCT FROM
           (n.public, n.valid_through, n.employer_id, n.occupation_code, n.industry_code,
            n.employment_type, n.salary_monthly_min, n.salary_monthly_max, n.published_at);
    RETURN NULL;
END $$;
