-- GET /v1/stats/placements?from=2023-01-01&to=2026-06-30&group_by=quarter,age_group,destination
SELECT placed.quarter, placed.age_group, placed.destination, count(DISTINCT placed.person_hash) AS people, count(*) AS placements,
       grouping(placed.quarter, placed.age_group, placed.destination) AS is_total
FROM (SELECT to_char(placement.placed_on, 'YYYY-"Q"Q') AS quarter,
             CASE WHEN (placement.age BETWEEN 15 AND 24) THEN '15-24' WHEN (placement.age BETWEEN 25 AND 34) THEN '25-34'
                  WHEN (placement.age BETWEEN 35 AND 44) THEN '35-44' WHEN (placement.age BETWEEN 45 AND 54) THEN '45-54'
                  WHEN (placement.age BETWEEN 55 AND 64) THEN '55-64' WHEN (placement.age BETWEEN 65 AND 200) THEN '65+' END AS age_group,
             placement.destination AS destination, placement.person_hash AS person_hash
      FROM placement
      WHERE placement.voided_at IS NULL AND placement.placed_on BETWEEN DATE '2023-01-01' AND DATE '2026-06-30') AS placed
GROUP BY GROUPING SETS((placed.quarter, placed.age_group, placed.destination), ());
