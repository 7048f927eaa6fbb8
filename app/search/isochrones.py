"""Isochrones: the area reachable from a point within each of some times, by a mode, as GeoJSON
polygons for the map. The same origin and bounded graph as the travel-time search
(app/search/travel.py), one pgr_drivingDistance for the longest time.

Each polygon is a 50 m buffer (on the spheroid) of the roads wholly reached in that time, and
of the start: it follows the streets and never bridges a river that has no crossing, which a
concave hull of the reached nodes would. A road only partly reached is left out."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search import travel

BUFFER_M = 50
MAX_TIMES = 6

_POLYGONS = """
WITH dd AS (
    SELECT node, agg_cost
    FROM pgr_drivingDistance(CAST(:edges AS text), CAST(-1 AS bigint),
                             CAST(:max_s AS float8), true)
), t AS (SELECT unnest(CAST(:seconds AS float8[])) AS s)
SELECT t.s, ST_AsGeoJSON(ST_Buffer(CAST(ST_Collect(
           coalesce(r.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))) AS geography),
           :buffer_m), 6)
FROM t LEFT JOIN LATERAL (
    SELECT e.geom FROM osm.edge AS e
    JOIN dd AS a ON a.node = e.source JOIN dd AS b ON b.node = e.target
    WHERE (e.{cost} >= 0 OR e.{reverse_cost} >= 0) AND a.agg_cost <= t.s AND b.agg_cost <= t.s
    UNION ALL SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
) AS r ON true
GROUP BY t.s ORDER BY t.s
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
