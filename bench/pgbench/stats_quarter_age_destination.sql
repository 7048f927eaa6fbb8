-- GET /v1/stats/placements?from=2023-01-01&to=2026-06-30&group_by=quarter,age_group,destination
SELECT placed.quarter, placed.age_group, placed.destination, count(DISTINCT placed.person_hash) AS people, count(*) AS placements, grouping(placed.quarter, placed.age_group, placed.destination) AS is_total 
FROM (SELECT date_trunc('quarter', CAST(placement.placed_on AS TIMESTAMP WITHOUT TIME ZONE)) AS quarter, CASE WHEN (placement.age BETWEEN 15 AND 24) THEN 0 WHEN (placement.age BETWEEN 25 AND 34) THEN 1 WHEN (placement.age BETWEEN 35 AND 44) THEN 2 WHEN (placement.age BETWEEN 45 AND 54) THEN 3 WHEN (placement.age BETWEEN 55 AND 64) THEN 4 WHEN (placement.age BETWEEN 65 AND 200) THEN 5 END AS age_group, placement.destination AS destination, placement.person_hash AS person_hash 
FROM placement 
WHERE placement.voided_at IS NULL AND placement.placed_on BETWEEN '2023-01-01' AND '2026-06-30') AS placed GROUP BY GROUPING SETS((placed.quarter, placed.age_group, placed.destination), ());
