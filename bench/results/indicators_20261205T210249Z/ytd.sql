-- GET /v1/stats/indicators?year=2025&through=2025-06-30: the one statement that reads placements
-- (captured from the server log; the other statements read plans and indicator values, < 1 ms each).
SELECT count(DISTINCT placement.person_hash) FILTER (WHERE placement.placed_on BETWEEN DATE '2026-01-01' AND DATE '2026-06-30') AS anon_1,
       count(DISTINCT placement.person_hash) FILTER (WHERE placement.placed_on BETWEEN DATE '2026-01-01' AND DATE '2026-06-30' AND placement.destination = 'abroad') AS anon_2,
       count(DISTINCT placement.person_hash) FILTER (WHERE placement.placed_on BETWEEN DATE '2025-01-01' AND DATE '2025-06-30') AS anon_3,
       count(DISTINCT placement.person_hash) FILTER (WHERE placement.placed_on BETWEEN DATE '2025-01-01' AND DATE '2025-06-30' AND placement.destination = 'abroad') AS anon_4
FROM placement
WHERE placement.voided_at IS NULL AND placement.placed_on BETWEEN DATE '2025-01-01' AND DATE '2026-06-30';
