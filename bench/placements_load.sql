-- 1,000,000 synthetic placements for the statistics benchmark (bench/placements.sh).
-- One set-based INSERT ... SELECT over generate_series; deterministic (the same rows every
-- run: every "random" value is a hash of the row or person number, hashint8extended).
--
--   psql -v ON_ERROR_STOP=1 -v n=1000000 -d jobmap_bench_placements -f bench/placements_load.sql
--
-- Shape of the data:
--   - placed_on uniform over 2023-01-01 .. 2026-10-31 (1,400 days);
--   - 850,000 distinct people: rows 1..850,000 are people 1..850,000, the rest are a second
--     placement of an earlier person (n = 1M: 150,000 people placed twice). A person's sex,
--     birth year and training are functions of the person, so they agree across placements;
--   - sex 52% male / 48% female; birth years 1960..2008 (age at placement 15..66);
--     trained 65%;
--   - 7% abroad: JP 50%, TW 25%, KR 20%, DE 5% (channel labour_export 80%, else service_centre);
--     domestic channels job_map 25%, service_centre 30%, job_fair 20%, direct 20%, other 5%;
--   - residence: 5% NULL; otherwise a commune valid on placed_on (the 102 pre-2025 communes
--     before 2025-07-01, the 124 communes of 2025 from then on); work commune: the residence
--     commune for 60% of domestic placements, another commune of the same period for 40%,
--     NULL abroad;
--   - occupation: an ISCO-08 level-2 code (table occupation), industry: a VSIC level-2 code;
--   - 1% voided (voided_at and void_reason set).
\set ON_ERROR_STOP 1
\if :{?n}
\else
  \set n 1000000
\endif

BEGIN;
-- Reloadable: removes the rows of an earlier run (employer_name = 'bench placement').
DELETE FROM placement WHERE employer_name = 'bench placement';

INSERT INTO placement (
    placed_on, employer_name, person_hash, sex, birth_year, trained,
    residence_area_id, work_area_id, destination, destination_country,
    occupation_code, industry_version, industry_code, channel, voided_at, void_reason, created_at,
    updated_at
)
WITH lists AS (
    SELECT
        (SELECT array_agg(id ORDER BY id) FROM area
          WHERE level = 'commune' AND valid_from IS NULL AND valid_to = DATE '2025-07-01') AS old_c,
        (SELECT array_agg(id ORDER BY id) FROM area
          WHERE level = 'commune' AND valid_from = DATE '2025-07-01') AS new_c,
        (SELECT array_agg(code ORDER BY code) FROM occupation WHERE level = 2) AS occ,
        -- VSIC divisions of the version in force on the day placed (2025 from its valid_from).
        (SELECT array_agg(code ORDER BY code) FROM industry
          WHERE level = 2 AND version = '2018') AS ind_2018,
        (SELECT array_agg(code ORDER BY code) FROM industry
          WHERE level = 2 AND version = '2025') AS ind_2025,
        (SELECT min(valid_from) FROM industry WHERE version = '2025') AS vsic_2025_from
),
rows AS (
    SELECT
        i,
        CASE WHEN i <= 850000 OR :n <= 850000 THEN i
             ELSE (1 + (i::bigint * 7919) % 850000)::int END AS person,
        DATE '2023-01-01'
          + floor(((hashint8extended(i, 1) & 2147483647) / 2147483648.0) * 1400)::int AS placed_on,
        (hashint8extended(i, 5) & 2147483647) / 2147483648.0 AS u_dest,
        (hashint8extended(i, 6) & 2147483647) / 2147483648.0 AS u_chan,
        (hashint8extended(i, 7) & 2147483647) / 2147483648.0 AS u_res,
        (hashint8extended(i, 8) & 2147483647) / 2147483648.0 AS u_work,
        (hashint8extended(i, 9) & 2147483647) / 2147483648.0 AS u_void,
        (hashint8extended(i, 10) & 2147483647) / 2147483648.0 AS u_occ,
        (hashint8extended(i, 11) & 2147483647) / 2147483648.0 AS u_ind,
        (hashint8extended(i, 12) & 2147483647) / 2147483648.0 AS u_null
    FROM generate_series(1, :n) AS i
),
people AS (
    SELECT r.*,
        (hashint8extended(person, 2) & 2147483647) / 2147483648.0 AS u_sex,
        (hashint8extended(person, 3) & 2147483647) / 2147483648.0 AS u_birth,
        (hashint8extended(person, 4) & 2147483647) / 2147483648.0 AS u_trained,
        r.placed_on < DATE '2025-07-01' AS before_2025
    FROM rows r
),
shaped AS (
    SELECT p.*,
        CASE WHEN before_2025 THEN l.old_c ELSE l.new_c END AS communes,
        l.occ,
        CASE WHEN p.placed_on >= l.vsic_2025_from THEN '2025' ELSE '2018' END AS vsic,
        CASE WHEN p.placed_on >= l.vsic_2025_from THEN l.ind_2025 ELSE l.ind_2018 END AS ind,
        u_dest < 0.07 AS abroad
    FROM people p CROSS JOIN lists l
)
SELECT
    placed_on,
    'bench placement',
    sha256(convert_to('bench-person-' || person, 'UTF8')),
    CASE WHEN u_sex < 0.52 THEN 'male' ELSE 'female' END,
    1960 + floor(u_birth * 49)::int,
    u_trained < 0.65,
    CASE WHEN u_null < 0.05 THEN NULL
         ELSE communes[1 + floor(u_res * cardinality(communes))::int] END,
    CASE WHEN abroad THEN NULL
         WHEN u_null < 0.05 OR u_work < 0.40
              THEN communes[1 + floor(u_work / 0.40 * cardinality(communes))::int % cardinality(communes)]
         ELSE communes[1 + floor(u_res * cardinality(communes))::int] END,
    CASE WHEN abroad THEN 'abroad' ELSE 'domestic' END,
    CASE WHEN NOT abroad THEN NULL
         WHEN u_dest < 0.035 THEN 'JP'
         WHEN u_dest < 0.0525 THEN 'TW'
         WHEN u_dest < 0.0665 THEN 'KR'
         ELSE 'DE' END,
    occ[1 + floor(u_occ * cardinality(occ))::int],
    vsic,
    ind[1 + floor(u_ind * cardinality(ind))::int],
    CASE WHEN abroad THEN (CASE WHEN u_chan < 0.80 THEN 'labour_export' ELSE 'service_centre' END)
         WHEN u_chan < 0.25 THEN 'job_map'
         WHEN u_chan < 0.55 THEN 'service_centre'
         WHEN u_chan < 0.75 THEN 'job_fair'
         WHEN u_chan < 0.95 THEN 'direct'
         ELSE 'other' END,
    CASE WHEN u_void < 0.01 THEN placed_on + interval '20 days 10 hours' END,
    CASE WHEN u_void < 0.01 THEN 'recorded twice' END,
    placed_on + interval '9 hours' + (u_chan * interval '8 hours'),
    placed_on + interval '9 hours' + (u_chan * interval '8 hours')
FROM shaped;
COMMIT;

VACUUM (ANALYZE) placement;

SELECT count(*) AS placements,
       count(DISTINCT person_hash) AS people,
       round(100.0 * count(*) FILTER (WHERE destination = 'abroad') / count(*), 2) AS abroad_pct,
       round(100.0 * count(*) FILTER (WHERE sex = 'male') / count(*), 2) AS male_pct,
       round(100.0 * count(*) FILTER (WHERE trained) / count(*), 2) AS trained_pct,
       round(100.0 * count(*) FILTER (WHERE residence_area_id IS NULL) / count(*), 2) AS no_residence_pct,
       count(*) FILTER (WHERE voided_at IS NOT NULL) AS voided,
       min(placed_on) AS first_day, max(placed_on) AS last_day, min(age) AS min_age, max(age) AS max_age,
       pg_size_pretty(pg_total_relation_size('placement')) AS size
FROM placement;
