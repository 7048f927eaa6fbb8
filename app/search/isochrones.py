"""Isochrones: the area reachable from a point within each of some times, by a mode, as GeoJSON
polygons for the map. The same origin and bounded graph as the travel-time search
(app/search/travel.py), one pgr_drivingDistance for the longest time.

Each polygon is drawn from cells: the roads wholly reached in that time, and the start, are
burnt into a raster of square cells (every cell a road touches) and the cells traced
(`ST_AsRaster`, `ST_Polygon`, postgis_raster). It follows the streets and never bridges a
river that has no crossing, which a concave hull of the reached nodes would. A road only
partly reached is left out. Drawn for a phone's map, not for surveying:
- cells of CELL_M up to CELLS_GROW_AFTER_MINUTES, then growing with the time, so that an area
  is drawn to the same share of its size (112.5 m at 45 minutes, when the map shows some
  70 km across);
- in Web Mercator scaled at the start's latitude (a 45-minute area spans less than half a
  degree of latitude: the scale varies by under 0.2% over it), on a grid of cells fixed in
  space, so an area does not shimmer as its start moves;
- without holes smaller than MIN_HOLE_M2 (the blocks between streets: thousands of rings,
  445 KB of GeoJSON at 15 minutes, about 12 KB without them);
- simplified to SIMPLIFY of a cell (its stairs), then widened by MARGIN of a cell, so that
  every road reached stays inside, by a quarter of a cell at least.
A 50 m buffer of every road, as drawn before, made GEOS node and union each buffered segment:
3 s for the 15,626 roads of a 20-minute area on the benchmark's grid, 9 s at 45 minutes
(bench/README.md); burning and tracing the cells cost a tenth of that. The roads reached are
joined once for all the times asked (the map asks for three)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search import travel

CELL_M = 50
CELLS_GROW_AFTER_MINUTES = 20  # then in proportion to the time: 112.5 m at 45 minutes
MIN_HOLE_M2 = 100_000  # 0.1 km², a square of 316 m
SIMPLIFY = 0.25  # of a cell
MARGIN = 0.5  # of a cell
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
), reached AS MATERIALIZED (
    -- Every usable road wholly reached, once for all the times, with when it is: the start
    -- counts as reached at once.
    SELECT e.geom, greatest(a.agg_cost, b.agg_cost) AS at
    FROM dd AS a JOIN osm.edge AS e ON e.source = a.node JOIN dd AS b ON b.node = e.target
    WHERE e.{cost} >= 0 OR e.{reverse_cost} >= 0
    UNION ALL SELECT h.point, 0 FROM here AS h
), lines AS (
    -- The cells grow with the time: an area is drawn to the same share of its size.
    SELECT t.s, l.lines, h.scale * greatest(:cell_m, :cell_m * t.s / :cells_grow_after_s) AS cell
    FROM t CROSS JOIN here AS h CROSS JOIN LATERAL (
        SELECT ST_Transform(ST_Collect(r.geom), 3857) AS lines FROM reached AS r WHERE r.at <= t.s
    ) AS l
), cells AS MATERIALIZED (
    -- Every cell a road touches (the last argument), 1 in a band of 8-bit cells, 0 for none.
    SELECT l.s, l.cell, ST_Polygon(ST_AsRaster(
               l.lines, l.cell, -l.cell, 0::float8, 0::float8,
               '8BUI'::text, 1::float8, 0::float8, 0::float8, 0::float8, true)) AS shape
    FROM lines AS l
), part AS (
    SELECT c.s, c.cell, (ST_Dump(c.shape)).geom AS polygon FROM cells AS c
)
SELECT p.s, ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_SimplifyPreserveTopology(ST_Collect(
           ST_MakePolygon(ST_ExteriorRing(p.polygon), ARRAY(
               SELECT ST_ExteriorRing(ring.geom) FROM ST_DumpRings(p.polygon) AS ring
               WHERE ring.path[1] > 0 AND ST_Area(ring.geom) >= :min_hole_m2 * h.scale ^ 2)
           )), p.cell * :simplify), p.cell * :margin, 'quad_segs=1'), 4326), 6)
FROM part AS p CROSS JOIN here AS h
GROUP BY p.s, p.cell, h.scale ORDER BY p.s
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
                "cells_grow_after_s": CELLS_GROW_AFTER_MINUTES * 60.0,
                "min_hole_m2": MIN_HOLE_M2,
                "simplify": SIMPLIFY,
                "margin": MARGIN,
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
