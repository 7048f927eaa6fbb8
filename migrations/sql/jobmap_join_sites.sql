-- jobmap_join_sites(network, sites): where work sites join a street network, per travel mode.
-- For each site (all of them when `sites` is NULL) and each mode, the nearest road the mode may
-- use in `network`.edge (the live `osm`, or a schema a load is building): the edge, how far
-- along it the site lies (0-1), and the walk to it in metres on the spheroid. Written into
-- `network`.site_joint, replacing a site's earlier rows. A mode with no road at all gets a
-- row with a NULL edge. How far is too far to walk is the reader's rule (app/search/travel.py),
-- not stored.
--
-- Travel-time search reads these rows instead of finding each candidate site's road at query
-- time: that probe (a KNN walk and a spheroid distance per site, for every site within top
-- speed x time) was almost all of a 15-minute search's 5 s. The route to a site
-- (app/search/route.py) reads the same row, so both give a site the same time. Which roads a
-- mode may use is the rule of app/models/street_network.py (a negative cost closes a
-- direction). No tie-break on the edge id after the distance: the planner then sorts every
-- edge instead of walking the GiST index nearest first.
--
-- Called by `jobmap osm load` (every site, into the schema it builds, and after the swap for
-- sites written meanwhile), `jobmap osm recost` (every site: costs decide which roads are
-- usable), the site triggers (jobmap_site_joints) and migration 0019 (a network loaded before
-- it). Returns the number of rows written.
--
-- History: 0019 created it.

CREATE OR REPLACE FUNCTION jobmap_join_sites(network text, sites bigint[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    usable record;
    written bigint;
    total bigint := 0;
BEGIN
    FOR usable IN
        SELECT * FROM (VALUES
            ('motorbike', 'e.cost_motorbike >= 0 OR e.reverse_cost_motorbike >= 0'),
            ('bicycle', 'e.cost_bicycle >= 0 OR e.reverse_cost_bicycle >= 0'),
            ('walk', 'e.cost_walk >= 0')) AS m(mode, roads)
    LOOP
        EXECUTE format(
            'INSERT INTO %1$I.site_joint AS j (site_id, mode, edge_id, fraction, access_m)
             SELECT s.id, %2$L, r.id, r.fraction, r.access_m
             FROM vacancy_site AS s
             LEFT JOIN LATERAL (
                 SELECT e.id, ST_LineLocatePoint(e.geom, s.geom) AS fraction,
                        ST_Distance(CAST(e.geom AS geography), CAST(s.geom AS geography))
                            AS access_m
                 FROM %1$I.edge AS e
                 WHERE %3$s
                 ORDER BY e.geom <-> s.geom
                 LIMIT 1
             ) AS r ON true
             WHERE $1 IS NULL OR s.id = ANY($1)
             ON CONFLICT (site_id, mode) DO UPDATE
                 SET edge_id = excluded.edge_id, fraction = excluded.fraction,
                     access_m = excluded.access_m',
            network, usable.mode, usable.roads)
        USING sites;
        GET DIAGNOSTICS written = ROW_COUNT;
        total := total + written;
    END LOOP;
    RETURN total;
END $$;
