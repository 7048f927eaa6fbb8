-- Variants of the grouped statement of /v1/stats/placements (quarter, age_group, destination over
-- 2023-01-01..2026-06-30), measured in the bench database only (bench/README.md, issue 6).
-- V1: keys as dates/small integers instead of to_char text and CASE text (labels made in Python).
EXPLAIN (ANALYZE, BUFFERS)
SELECT q, ag, destination, count(DISTINCT person_hash) AS people, count(*) AS placements, grouping(q, ag, destination) AS is_total
FROM (SELECT date_trunc('quarter', placed_on)::date AS q, width_bucket(age, ARRAY[15,25,35,45,55,65]) AS ag, destination, person_hash
      FROM placement WHERE voided_at IS NULL AND placed_on BETWEEN DATE '2023-01-01' AND DATE '2026-06-30') p
GROUP BY GROUPING SETS ((q, ag, destination), ());
-- V2: two-level aggregation (hash per group and person, then count), the total's distinct people separately.
EXPLAIN (ANALYZE, BUFFERS)
WITH p AS MATERIALIZED (
  SELECT date_trunc('quarter', placed_on)::date AS q, width_bucket(age, ARRAY[15,25,35,45,55,65]) AS ag, destination, person_hash
  FROM placement WHERE voided_at IS NULL AND placed_on BETWEEN DATE '2023-01-01' AND DATE '2026-06-30')
SELECT q, ag, destination, count(*) AS people, sum(n) AS placements, 0 AS is_total
FROM (SELECT q, ag, destination, person_hash, count(*) AS n FROM p GROUP BY 1, 2, 3, 4) g GROUP BY 1, 2, 3
UNION ALL
SELECT NULL, NULL, NULL, count(DISTINCT person_hash), count(*), 1 FROM p;
