"""Isochrones: the area reachable from a point within each of some times, by a mode, as GeoJSON
polygons for the map. The same origin and bounded graph as the travel-time search
(app/search/travel.py), one pgr_drivingDistance for the longest time.

Each polygon is drawn from cells: the roads wholly reached in that time, and the start, are
burnt into a raster of CELL_M squares (every cell a road touches) and the cells traced
(`ST_AsRaster`, `ST_Polygon`, postgis_raster). It follows the streets and never bridges a
river that has no crossing, which a concave hull of the reached nodes would. A road only
partly reached is left out. Drawn for a phone's map, not for surveying:
- in Web Mercator scaled at the start's latitude (a 45-minute area spans less than half a
  degree of latitude: the scale varies by under 0.2% over it), on a grid of cells fixed in
  space, so an area does not shimmer as its start moves;
- without holes smaller than MIN_HOLE_M2 (the blocks between streets: thousands of rings,
  445 KB of GeoJSON at 15 minutes, about 12 KB without them);
- simplified to SIMPLIFY_M (the cells' stairs), then widened by MARGIN_M, so that every road
  reached stays inside by at least MARGIN_M - SIMPLIFY_M.
A 50 m buffer of every road, as drawn before, made GEOS node and union each buffered segment:
3 s for the 15,626 roads of a 20-minute area on the benchmark's grid, 9 s at 45 minutes
(bench/README.md); burning and tracing the cells cost a tenth of that."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search import travel

CELL_M = 50
MIN_HOLE_M2 = 100_000  # 0.1 km², a square of 316 m
SIMPLIFY_M = 12.5
MARGIN_M = 25
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
), lines AS (
    SELECT t.s, ST_Transform(ST_Collect(coalesce(r.geom, h.point)), 3857) AS lines
    FROM t CROSS JOIN here AS h LEFT JOIN LATERAL (
        SELECT e.geom FROM osm.edge AS e
        JOIN dd AS a ON a.node = e.source JOIN dd AS b ON b.node = e.target
        WHERE (e.{cost} >= 0 OR e.{reverse_cost} >= 0) AND a.agg_cost <= t.s
              AND b.agg_cost <= t.s
        UNION ALL SELECT h.point
    ) AS r ON true
    GROUP BY t.s
), cells AS MATERIALIZED (
    -- Every cell a road touches (the last argument), 1 in a band of 8-bit cells, 0 for none.
    SELECT l.s, ST_Polygon(ST_AsRaster(
               l.lines, :cell_m * h.scale, -:cell_m * h.scale, 0::float8, 0::float8,
               '8BUI'::text, 1::float8, 0::float8, 0::float8, 0::float8, true)) AS shape
    FROM lines AS l CROSS JOIN here AS h
), part AS (
    SELECT c.s, (ST_Dump(c.shape)).geom AS polygon FROM cells AS c
)
SELECT p.s, ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_SimplifyPreserveTopology(ST_Collect(
           ST_MakePolygon(ST_ExteriorRing(p.polygon), ARRAY(
               SELECT ST_ExteriorRing(ring.geom) FROM ST_DumpRings(p.polygon) AS ring
               WHERE ring.path[1] > 0 AND ST_Area(ring.geom) >= :min_hole_m2 * h.scale ^ 2)
           )), :simplify_m * h.scale), :margin_m * h.scale, 'quad_segs=1'), 4326), 6)
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
                "cell_m": CELL_M,
                "min_hole_m2": MIN_HOLE_M2,
                "simplify_m": SIMPLIFY_M,
                "margin_m": MARGIN_M,
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
