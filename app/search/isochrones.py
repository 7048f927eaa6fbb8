"""Isochrones: the area reachable from a point within each of some times, by a mode, as GeoJSON
polygons for the map. The same origin and bounded graph as the travel-time search
(app/search/travel.py), one pgr_drivingDistance for the longest time.

Each polygon is a 50 m buffer of the roads wholly reached in that time, and of the start: it
follows the streets and never bridges a river that has no crossing, which a concave hull of
the reached nodes would. A road only partly reached is left out. Drawn for a phone's map, not
for surveying:
- buffered in Web Mercator, scaled at the start's latitude (a 45-minute area spans less
  than half a degree of latitude: the scale varies by under 0.2% over it). The same buffer
  on the spheroid took 7 s for the 7,612 roads of a 15-minute area (bench/README.md);
- with one segment per quarter circle at dead ends;
- without holes smaller than MIN_HOLE_M2 (the blocks between streets: thousands of rings,
  445 KB of GeoJSON at 15 minutes, about 12 KB without them);
- simplified to SIMPLIFY_M."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search import travel

BUFFER_M = 50
MIN_HOLE_M2 = 100_000  # 0.1 km², a square of 316 m
SIMPLIFY_M = 10
MAX_TIMES = 6

_POLYGONS = """
WITH dd AS (
    SELECT node, agg_cost
    FROM pgr_drivingDistance(CAST(:edges AS text), CAST(-1 AS bigint),
                             CAST(:max_s AS float8), true)
), t AS (
    SELECT unnest(CAST(:seconds AS float8[])) AS s
), here AS (
    SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS point,
           1 / cos(radians(:lat)) AS scale  -- Web Mercator metres per metre on the ground
), buffered AS (
    SELECT t.s, ST_Buffer(ST_Transform(ST_Collect(coalesce(r.geom, h.point)), 3857),
                          :buffer_m * h.scale, 'quad_segs=1') AS shape
    FROM t CROSS JOIN here AS h LEFT JOIN LATERAL (
        SELECT e.geom FROM osm.edge AS e
        JOIN dd AS a ON a.node = e.source JOIN dd AS b ON b.node = e.target
        WHERE (e.{cost} >= 0 OR e.{reverse_cost} >= 0) AND a.agg_cost <= t.s
              AND b.agg_cost <= t.s
        UNION ALL SELECT h.point
    ) AS r ON true
    GROUP BY t.s, h.scale
), part AS (
    SELECT b.s, (ST_Dump(b.shape)).geom AS polygon FROM buffered AS b
)
SELECT p.s, ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Collect(
           ST_MakePolygon(ST_ExteriorRing(p.polygon), ARRAY(
               SELECT ST_ExteriorRing(ring.geom) FROM ST_DumpRings(p.polygon) AS ring
               WHERE ring.path[1] > 0 AND ST_Area(ring.geom) >= :min_hole_m2 * h.scale ^ 2)
           )), :simplify_m * h.scale), 4326), 6)
FROM part AS p CROSS JOIN here AS h
GROUP BY p.s, h.scale ORDER BY p.s
"""


async def isochrones(
    session: AsyncSession, mode: TravelMode, lon: float, lat: float, minutes: list[int]
) -> dict[str, Any]:
    """A FeatureCollection, one polygon per time (shortest first); empty features' geometry
    is null when the point is farther than 500 m from every road the mode may use."""
    start, _ = await travel.origin(session, mode, lon, lat, max(minutes))
    times = sorted(set(minutes))
    features: list[dict[str, Any]] = []
    if start is not None:
        cost, reverse_cost = (column.name for column in network.cost_columns(mode))
        rows = await session.execute(
            text(_POLYGONS.format(cost=cost, reverse_cost=reverse_cost)),
            {
                "edges": start.edges_sql,
                "max_s": max(times) * 60.0,
                "seconds": [m * 60.0 for m in times],
                "lon": lon,
                "lat": lat,
                "buffer_m": BUFFER_M,
                "min_hole_m2": MIN_HOLE_M2,
                "simplify_m": SIMPLIFY_M,
            },
        )
        shapes = {round(seconds / 60): geometry for seconds, geometry in rows}
    else:
        shapes = {}
    for minute in times:
        geometry = shapes.get(minute)
        features.append(
            {
                "type": "Feature",
                "properties": {"minutes": minute, "travel_mode": mode.value},
                "geometry": json.loads(geometry) if geometry else None,
            }
        )
    return {"type": "FeatureCollection", "features": features}
