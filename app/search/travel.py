"""Travel-time search: the sites reachable from `near` within `max_minutes` by a mode, along
the street network (app/osm). A separate path: the viewport, nearest and tile statements are
not touched.

1. The origin joins the network at the nearest point of the nearest road the mode may use
   (at most ACCESS_MAX_M away, walked at ACCESS_KMH); two virtual edges lead from it to that
   road's ends, costing the walk plus the ride along the road's part.
2. The graph is bounded before routing: only edges within top speed x time of the origin
   (ST_DWithin on the edge geometry, GiST), then pgr_drivingDistance from the origin.
   The route length of each reached node is summed down the tree pgRouting returns (each
   node's edge comes from its parent).
3. Each candidate site (every other filter, within top speed x time + ACCESS_MAX_M) joins
   the network like the origin: nearest usable road, the walk to it counted; reached from
   whichever end of that road is sooner (in a direction the mode may ride it). A site farther
   than ACCESS_MAX_M from every road the mode may use is not reachable.
Never a straight-line fallback: without a network the search is refused (409)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    column,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors, geo
from app.errors import ConflictError, FieldError, InvalidInputError
from app.models import Vacancy, VacancySite
from app.models import street_network as network
from app.models.travel_speed import TravelMode, TravelSpeed
from app.search import cursor as search_cursor
from app.search import repository
from app.search.aliases import commune, employer, site
from app.search.pages import _PAGE_COLUMNS, After
from app.search.params import Point, SearchParams
from app.search.repository import Built, distance_m, matching_sites

ACCESS_MPS = network.ACCESS_KMH / 3.6
ORIGIN = -1  # the origin's vertex id (OSM node ids are positive)
TO_SOURCE, TO_TARGET = -2, -3  # the virtual edges from the origin to its road's ends

# pgRouting's driving distance from the origin, and each reached node's route length summed
# down its tree: a node's edge (the one it was reached by) leads from its parent.
_REACHED = """
WITH RECURSIVE dd AS (
    SELECT node, edge, agg_cost
    FROM pgr_drivingDistance(CAST(:travel_edges AS text), CAST(-1 AS bigint),
                             CAST(:travel_max_s AS float8), true)
), link AS (
    SELECT d.node, CASE WHEN e.target = d.node THEN e.source ELSE e.target END AS parent,
           e.length_m
    FROM dd AS d JOIN osm.edge AS e ON e.id = d.edge
    UNION ALL
    SELECT d.node, CAST(-1 AS bigint),
           CASE d.edge WHEN -2 THEN CAST(:to_source_m AS float8)
                       ELSE CAST(:to_target_m AS float8) END
    FROM dd AS d WHERE d.edge IN (-2, -3)
), tree AS (
    SELECT CAST(-1 AS bigint) AS node, CAST(0 AS float8) AS length_m
    UNION ALL
    SELECT l.node, t.length_m + l.length_m FROM tree AS t JOIN link AS l ON l.parent = t.node
)
SELECT d.node, d.agg_cost, t.length_m FROM dd AS d JOIN tree AS t USING (node)
"""


def no_network() -> ConflictError:
    return ConflictError(
        "No street network is loaded, so travel times cannot be computed: an operator loads "
        "one with `jobmap osm load FILE` (an OpenStreetMap extract).",
        reason="no_street_network",
        field="query.travel_mode",
    )


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where the origin joins the network, and the graph bounded around it."""

    edges_sql: str
    to_source_m: float
    to_target_m: float
    max_s: float


@dataclasses.dataclass(frozen=True)
class Joint:
    """Where a point joins the network: its nearest road the mode may use (`forward` and
    `backward` are that road's costs, negative where closed), how far along it, and the walk."""

    edge_id: int
    source: int
    target: int
    forward: float
    backward: float
    length_m: float
    fraction: float
    access_m: float

    @property
    def walk_s(self) -> float:
        return self.access_m / ACCESS_MPS


async def check_network(session: AsyncSession) -> None:
    """409 when no street network is loaded."""
    if not await session.scalar(text("SELECT to_regclass('osm.info') IS NOT NULL")):
        raise no_network()


async def join(session: AsyncSession, mode: TravelMode, lon: float, lat: float) -> Joint | None:
    """The point's joint with the network; None when every road the mode may use is farther
    than ACCESS_MAX_M."""
    cost, reverse_cost = network.cost_columns(mode)
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    edge = network.edge
    row = (
        await session.execute(
            select(
                edge.c.id,
                edge.c.source,
                edge.c.target,
                cost,
                reverse_cost,
                edge.c.length_m,
                func.ST_LineLocatePoint(edge.c.geom, point),
                func.ST_Distance(geo.geography(edge.c.geom), geo.geography(point)),
            )
            .where(or_(cost >= 0, reverse_cost >= 0))
            .order_by(edge.c.geom.op("<->")(point))
            .limit(1)
        )
    ).first()
    if row is None or row[7] > network.ACCESS_MAX_M:
        return None
    return Joint(*(int(value) for value in row[:3]), *(float(value) for value in row[3:]))


def virtual_edge(edge_id: int, source: int, target: int, cost: float) -> str:
    """One more edge for pgRouting's edges query (one way; a negative cost closes it)."""
    return f" UNION ALL SELECT {edge_id}, {source}, {target}, {float(cost)!r}, -1"


def edges_from_origin(joint: Joint) -> str:
    """The edges from the origin (vertex ORIGIN) into its road's ends: the walk, then the
    road's part to each end in a direction the mode may take."""
    to_source = joint.walk_s + joint.fraction * joint.backward if joint.backward >= 0 else -1
    to_target = joint.walk_s + (1 - joint.fraction) * joint.forward if joint.forward >= 0 else -1
    return virtual_edge(TO_SOURCE, ORIGIN, joint.source, to_source) + virtual_edge(
        TO_TARGET, ORIGIN, joint.target, to_target
    )


async def origin(
    session: AsyncSession, mode: TravelMode, lon: float, lat: float, minutes: int
) -> tuple[Origin | None, float]:
    """The origin on the network (None: no usable road within ACCESS_MAX_M), and the radius
    in metres that bounds the search (top speed x time)."""
    await check_network(session)
    top_kmh = await session.scalar(
        select(func.max(TravelSpeed.kmh)).where(TravelSpeed.mode == mode)
    )
    radius_m = float(top_kmh or network.ACCESS_KMH) / 3.6 * minutes * 60
    joint = await join(session, mode, lon, lat)
    if joint is None:
        return None, radius_m
    lon_deg, _ = repository.radius_degrees(Point(lon, lat), radius_m)
    return (
        Origin(
            edges_sql=network.bounded_edges_sql(mode, lon, lat, lon_deg) + edges_from_origin(joint),
            to_source_m=joint.access_m + joint.fraction * joint.length_m,
            to_target_m=joint.access_m + (1 - joint.fraction) * joint.length_m,
            max_s=minutes * 60.0,
        ),
        radius_m,
    )


def _reached(start: Origin) -> Any:
    return (
        text(_REACHED)
        .bindparams(
            travel_edges=start.edges_sql,
            travel_max_s=start.max_s,
            to_source_m=start.to_source_m,
            to_target_m=start.to_target_m,
        )
        .columns(column("node", BigInteger), column("agg_cost", Float), column("length_m", Float))
        .cte("reached")
    )


def _reach(built: Built, mode: TravelMode, start: Origin) -> Any:
    """Every candidate site with its travel_s and travel_m (NULL: not reached)."""
    reached = _reached(start)
    src, tgt = reached.alias("src"), reached.alias("tgt")
    edge = network.edge
    cost, reverse_cost = network.cost_columns(mode)
    road = (
        select(
            edge.c.source,
            edge.c.target,
            cost.label("cost"),
            reverse_cost.label("reverse_cost"),
            edge.c.length_m,
            func.ST_LineLocatePoint(edge.c.geom, site.geom).label("fraction"),
            func.ST_Distance(geo.geography(edge.c.geom), geo.geography(site.geom)).label(
                "access_m"
            ),
        )
        .where(or_(cost >= 0, reverse_cost >= 0))
        .order_by(edge.c.geom.op("<->")(site.geom))
        .limit(1)
        .lateral("road")
    )
    via_source = case(
        (road.c.cost >= 0, src.c.agg_cost + road.c.fraction * road.c.cost), else_=None
    )
    via_target = case(
        (road.c.reverse_cost >= 0, tgt.c.agg_cost + (1 - road.c.fraction) * road.c.reverse_cost),
        else_=None,
    )
    from_source = or_(via_target.is_(None), via_source <= via_target)
    travel_m = (
        case(
            (from_source, src.c.length_m + road.c.fraction * road.c.length_m),
            else_=tgt.c.length_m + (1 - road.c.fraction) * road.c.length_m,
        )
        + road.c.access_m
    )
    travel_s = func.least(via_source, via_target) + road.c.access_m / ACCESS_MPS
    return (
        matching_sites(
            built, site.id.label("id"), travel_s.label("travel_s"), travel_m.label("travel_m")
        )
        .join(road, true())
        .outerjoin(src, src.c.node == road.c.source)
        .outerjoin(tgt, tgt.c.node == road.c.target)
        .where(road.c.access_m <= network.ACCESS_MAX_M)
        .subquery("reach")
    )


def _page_statement(
    params: SearchParams,
    built: Built,
    mode: TravelMode,
    start: Origin,
    after: After | None,
    fetch: int,
) -> Select[Any]:
    reach = _reach(built, mode, start)
    hits = select(reach).where(reach.c.travel_s <= start.max_s)
    if after is not None:
        hits = hits.where(
            tuple_(reach.c.travel_s, reach.c.id)
            > tuple_(bindparam("after_key", after.key), bindparam("after_id", after.site_id))
        )
    chosen = (
        hits.order_by(reach.c.travel_s, reach.c.id)
        .limit(bindparam("fetch", fetch, type_=Integer))
        .subquery("chosen")
    )
    return (
        select(
            chosen.c.travel_s.label("sort_key"),
            literal(0).label("tier"),
            chosen.c.travel_s,
            chosen.c.travel_m,
            distance_m(params).label("distance_m"),
            *_PAGE_COLUMNS,
        )
        .select_from(chosen)
        .join(VacancySite, VacancySite.id == chosen.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .join(commune, commune.id == VacancySite.area_id)
        .order_by(chosen.c.travel_s, chosen.c.id)
    )


async def search(
    session: AsyncSession,
    params: SearchParams,
    today: date,
    *,
    limit: int,
    cursor: str | None,
    count_exact: bool,
    facets: bool,
) -> tuple[list[dict[str, Any]], str | None, tuple[int, bool] | None]:
    """(rows, next cursor, (total, exact) when asked) of a travel-time search."""
    mode, near, minutes = params.travel_mode, params.near, params.max_minutes
    if mode is None or near is None or minutes is None:
        raise ValueError("not a travel-time search")
    if facets:
        raise InvalidInputError(
            "facets are not counted for a travel-time search.",
            errors=[
                FieldError(field="query.facets", message="not with travel_mode", type="invalid")
            ],
        )
    after, choice = search_cursor.decode(cursor, params) if cursor else (None, None)
    start, radius_m = await origin(session, mode, near.lon, near.lat, minutes)
    if start is None:
        return [], None, ((0, True) if count_exact and cursor is None else None)
    # Candidates: the other filters, within the distance the top speed covers in that time.
    bounded = dataclasses.replace(params, radius_m=radius_m + network.ACCESS_MAX_M)
    built = await repository.build(session, bounded, today, text_choice=choice)

    async def fetch(count: int) -> list[dict[str, Any]]:
        statement = _page_statement(params, built, mode, start, after, count)
        values: dict[str, Any] = {}
        if after is not None:
            values = {"after_key": after.key, "after_id": after.site_id}
        return [dict(row._mapping) for row in await session.execute(statement, values)]

    rows, next_cursor = await cursors.page(
        fetch, limit, lambda row: search_cursor.position(params, built, row)
    )
    total = None
    if count_exact and cursor is None:
        reach = _reach(built, mode, start)
        counted = (
            select(reach.c.id)
            .where(reach.c.travel_s <= start.max_s)
            .limit(repository.TOTAL_BOUND + 1)
        ).subquery()
        count = int(await session.scalar(select(func.count()).select_from(counted)) or 0)
        total = (min(count, repository.TOTAL_BOUND), count <= repository.TOTAL_BOUND)
    return rows, next_cursor, total


__all__ = [
    "Joint",
    "check_network",
    "edges_from_origin",
    "join",
    "no_network",
    "origin",
    "search",
    "virtual_edge",
]
