"""Isochrones: the area reachable from a point within each of some times, by a mode, as GeoJSON
polygons for the map. The same origin and routing as the travel-time search
(app/search/travel.py): Dijkstra in the worker over the graph it keeps (app/search/road_graph.py),
once for the longest time.

Each polygon is drawn from cells: the roads wholly reached in that time, and the start, are
burnt into a raster of square cells (every cell a road passes through: points along each road
at most half a cell apart) in the worker, holes smaller than MIN_HOLE_M2 filled there (the
blocks between streets), and the cells traced by PostGIS (`ST_Polygon`). It follows the
streets and never bridges a river that has no crossing, which a concave hull of the reached
nodes would. A road only partly reached is left out. Drawn for a phone's map, not for
surveying:
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
Burning the roads into cells in SQL (`ST_AsRaster`) and tracing every block as a hole took
0.4-0.9 s at 20 minutes and 2-6 s at 45 on the benchmark's province-sized grid, mostly the
join of the roads reached and the holes (bench/README.md); a 50 m buffer of every road before
that, 3 s and 9 s."""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.travel_speed import TravelMode
from app.search import area_cells, travel

CELL_M = 50
CELLS_GROW_AFTER_MINUTES = 20  # then in proportion to the time: 112.5 m at 45 minutes
MIN_HOLE_M2 = 100_000  # 0.1 km², a square of 316 m
SIMPLIFY = 0.25  # of a cell
MARGIN = 0.5  # of a cell
MAX_TIMES = 6

# Each time's cells traced, simplified to its stairs, widened, in degrees.
_POLYGONS = """
SELECT t.s, ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_SimplifyPreserveTopology(
           ST_Polygon(ST_RastFromWKB(t.cells)), t.cell * :simplify),
           t.cell * :margin, 'quad_segs=1'), 4326), 6)
FROM unnest(CAST(:seconds AS float8[]), CAST(:cell AS float8[]), CAST(:cells AS bytea[]))
     AS t(s, cell, cells)
ORDER BY t.s
"""


def cell_size(lat: float, seconds: float) -> float:
    """A cell's side in Web Mercator units (scaled at `lat`) for an area of `seconds`."""
    scale = 1 / math.cos(math.radians(lat))  # Web Mercator metres per metre on the ground
    return scale * max(CELL_M, CELL_M * seconds / (CELLS_GROW_AFTER_MINUTES * 60))


async def isochrones(
    session: AsyncSession, mode: TravelMode, lon: float, lat: float, minutes: list[int]
) -> dict[str, Any]:
    """A FeatureCollection, one polygon per time (shortest first); empty features' geometry
    is null when the point is farther than 500 m from every road the mode may use."""
    start, _ = await travel.origin(session, mode, lon, lat, max(minutes))
    times = sorted(set(minutes))
    shapes: dict[int, str] = {}
    if start is not None:
        reach = start.reach
        segments = reach.graph.segments
        scale = 1 / math.cos(math.radians(lat))
        seconds = [minute * 60.0 for minute in times]
        cells = [cell_size(lat, each) for each in seconds]
        min_hole = MIN_HOLE_M2 * scale**2
        rasters = [
            area_cells.raster(segments, reach.edges_within(each), (lon, lat), cell, min_hole)
            for each, cell in zip(seconds, cells, strict=True)
        ]
        values = {"seconds": seconds, "cell": cells, "cells": rasters}
        rows = await session.execute(
            text(_POLYGONS), {**values, "simplify": SIMPLIFY, "margin": MARGIN}
        )
        shapes = {round(each / 60): geometry for each, geometry in rows}
    features: list[dict[str, Any]] = []
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
