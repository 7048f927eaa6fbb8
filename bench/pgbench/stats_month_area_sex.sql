-- GET /v1/stats/placements?from=2025-07-01&to=2026-06-30&group_by=month,area,sex
SELECT placed.month, placed.area, placed.sex, count(DISTINCT placed.person_hash) AS people, count(*) AS placements, grouping(placed.month, placed.area, placed.sex) AS is_total 
FROM (SELECT date_trunc('month', CAST(placement.placed_on AS TIMESTAMP WITHOUT TIME ZONE)) AS month, commune.id AS area, placement.sex AS sex, placement.person_hash AS person_hash 
FROM placement LEFT OUTER JOIN area AS commune ON commune.id = placement.residence_area_id 
WHERE placement.voided_at IS NULL AND placement.placed_on BETWEEN '2025-07-01' AND '2026-06-30') AS placed GROUP BY GROUPING SETS((placed.month, placed.area, placed.sex), ());
