"""The route from a point to a vacancy's work site along the street network, for a card's
"how do I get there": its line, time and length by a mode (pgRouting's pgr_dijkstra).

Both ends join the network as in the travel-time search (app/search/travel.py): the nearest
road the mode may use within ACCESS_MAX_M, the walk to it counted at ACCESS_KMH, and the
road's part ridden in a direction the mode may take; the site's road is the one stored for it
(osm.site_joint), which the search reads too. So a route's time is the time that search gives
the same site. The graph is first bounded to a circle around both ends with room for a
detour (a bridge or a ferry upstream); when no route lies inside it, the whole network is
searched."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFoundError
from app.models import VacancySite
from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search import repository
from app.search.aliases import site
from app.search.joints import (
    ORIGIN,
    TO_SOURCE,
    TO_TARGET,
    Joint,
    check_network,
    edges_from_origin,
    join,
    site_joint,
    virtual_edge,
)
from app.search.params import Point

DESTINATION = -4  # the site's vertex id
FROM_SOURCE, FROM_TARGET, ALONG = -5, -6, -7  # virtual edges into the site, and along one road
# Room around the two ends for a detour: at least this, or the distance between them.
DETOUR_M = 5_000.0

_ROUTE = """
WITH path AS (
    SELECT seq, node, edge, agg_cost
    FROM pgr_dijkstra(CAST(:edges AS text), CAST(:origin AS bigint),
                      CAST(:destination AS bigint), true)
), start AS (
    SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS here,
           ST_SetSRID(ST_MakePoint(:site_lon, :site_lat), 4326) AS there,
           (SELECT geom FROM osm.edge WHERE id = :start_edge) AS road,
           (SELECT geom FROM osm.edge WHERE id = :end_edge) AS site_road
), piece AS (
    SELECT p.seq, p.agg_cost,
           CASE p.edge
               WHEN :to_source THEN ST_MakeLine(s.here,
                   ST_Reverse(ST_LineSubstring(s.road, 0, :start_f)))
               WHEN :to_target THEN ST_MakeLine(s.here, ST_LineSubstring(s.road, :start_f, 1))
               WHEN :from_source THEN ST_MakeLine(ST_LineSubstring(s.site_road, 0, :end_f),
                   s.there)
               WHEN :from_target THEN ST_MakeLine(
                   ST_Reverse(ST_LineSubstring(s.site_road, :end_f, 1)), s.there)
               WHEN :along THEN ST_MakeLine(ARRAY[s.here,
                   CASE WHEN :end_f >= :start_f
                        THEN ST_LineSubstring(s.road, :start_f, :end_f)
                        ELSE ST_Reverse(ST_LineSubstring(s.road, :end_f, :start_f)) END,
                   s.there])
               ELSE CASE WHEN e.source = p.node THEN e.geom ELSE ST_Reverse(e.geom) END
           END AS geom
    FROM path AS p CROSS JOIN start AS s
    LEFT JOIN osm.edge AS e ON e.id = p.edge
    WHERE p.edge <> -1
)
SELECT travel_s, ST_AsGeoJSON(line, 6) AS line, ST_Length(CAST(line AS geography)) AS travel_m
FROM (
    SELECT (SELECT agg_cost FROM path WHERE edge = -1) AS travel_s,
           ST_MakeLine(array_agg(geom ORDER BY seq)) AS line
    FROM piece
) AS whole
"""


@dataclass(frozen=True)
class Target:
    site_id: int
    lon: float
    lat: float


async def target(
    session: AsyncSession, vacancy_id: uuid.UUID, site_id: int | None, near: Point
) -> Target:
    """The vacancy's listed site to route to: `site_id`, or the one nearest `near` in a straight
    line. 404 when the vacancy is not listed or has no such site."""
    here = func.ST_SetSRID(func.ST_MakePoint(near.lon, near.lat), 4326)
    statement = (
        select(site.id, func.ST_X(site.geom), func.ST_Y(site.geom))
        .where(site.vacancy_id == vacancy_id, *repository.listed())
        .order_by(site.geom.op("<->")(here), site.id)
        .limit(1)
    )
    if site_id is not None:
        statement = statement.where(site.id == site_id)
    row = (await session.execute(statement)).first()
    if row is None:
        if site_id is not None and await session.scalar(
            select(VacancySite.id).where(VacancySite.vacancy_id == vacancy_id).limit(1)
        ):
            raise NotFoundError(f"Vacancy {vacancy_id} lists no site {site_id}.")
        raise NotFoundError(f"No vacancy {vacancy_id}.")
    return Target(int(row[0]), float(row[1]), float(row[2]))


def _virtual_edges(start: Joint, end: Joint) -> str:
    """The edges from the start into its road's ends, from the site's road's ends into the
    site, and straight along the road when both lie on the same one; -1: closed."""
    from_source = end.walk_s + end.fraction * end.forward if end.forward >= 0 else -1
    from_target = end.walk_s + (1 - end.fraction) * end.backward if end.backward >= 0 else -1
    edges = (
        edges_from_origin(start)
        + virtual_edge(FROM_SOURCE, end.source, DESTINATION, from_source)
        + virtual_edge(FROM_TARGET, end.target, DESTINATION, from_target)
    )
    if start.edge_id == end.edge_id:
        ahead = end.fraction >= start.fraction
        cost = start.forward if ahead else start.backward
        if cost >= 0:
            ride = abs(end.fraction - start.fraction) * cost
            edges += virtual_edge(ALONG, ORIGIN, DESTINATION, start.walk_s + ride + end.walk_s)
    return edges


def _unreachable(reason: str) -> dict[str, Any]:
    return {"geometry": None, "travel_s": None, "travel_m": None, "reason": reason}


async def route(session: AsyncSession, mode: TravelMode, near: Point, to: Target) -> dict[str, Any]:
    """geometry (GeoJSON LineString), travel_s and travel_m of the fastest route; when there is
    none, geometry null and a reason: start_off_network, site_off_network or no_route."""
    await check_network(session)
    start = await join(session, mode, near.lon, near.lat)
    if start is None:
        return _unreachable("start_off_network")
    end = await site_joint(session, mode, to.site_id, to.lon, to.lat)
    if end is None:
        return _unreachable("site_off_network")
    virtual = _virtual_edges(start, end)
    middle = Point((near.lon + to.lon) / 2, (near.lat + to.lat) / 2)
    apart_m = _metres(near, Point(to.lon, to.lat))
    radius_deg, _ = repository.radius_degrees(middle, apart_m / 2 + max(DETOUR_M, apart_m))
    values = {
        "origin": ORIGIN,
        "destination": DESTINATION,
        "lon": near.lon,
        "lat": near.lat,
        "site_lon": to.lon,
        "site_lat": to.lat,
        "start_edge": start.edge_id,
        "end_edge": end.edge_id,
        "start_f": start.fraction,
        "end_f": end.fraction,
        "to_source": TO_SOURCE,
        "to_target": TO_TARGET,
        "from_source": FROM_SOURCE,
        "from_target": FROM_TARGET,
        "along": ALONG,
    }
    for edges in (
        network.bounded_edges_sql(mode, middle.lon, middle.lat, radius_deg),
        network.edges_sql(mode),
    ):
        row = (await session.execute(text(_ROUTE), {**values, "edges": edges + virtual})).one()
        if row.travel_s is not None:
            return {
                "geometry": json.loads(row.line),
                "travel_s": round(float(row.travel_s), 1),
                "travel_m": round(float(row.travel_m), 1),
                "reason": None,
            }
    return _unreachable("no_route")


def _metres(a: Point, b: Point) -> float:
    """Great-circle metres: enough to size the graph's bound."""
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    d_lat, d_lon = lat_b - lat_a, math.radians(b.lon - a.lon)
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(d_lon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
