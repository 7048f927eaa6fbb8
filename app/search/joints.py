"""Where a point joins the street network (app/osm) for travel-time search and routes: its
nearest road a mode may use, how far along it, and the walk to it; for a work site, the joint
stored in osm.site_joint. Also the origin's virtual edges that pgRouting's edges query gets.

A point farther than ACCESS_MAX_M from every road the mode may use is not on the network."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Float, Select, bindparam, func, or_, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app import geo
from app.errors import ConflictError
from app.models import street_network as network
from app.models.travel_speed import TravelMode

ACCESS_MPS = network.ACCESS_KMH / 3.6
ORIGIN = -1  # the origin's vertex id (OSM node ids are positive)
TO_SOURCE, TO_TARGET = -2, -3  # the virtual edges from the origin to its road's ends


def no_network() -> ConflictError:
    return ConflictError(
        "No street network is loaded, so travel times cannot be computed: an operator loads "
        "one with `jobmap osm load FILE` (an OpenStreetMap extract).",
        reason="no_street_network",
        field="query.travel_mode",
    )


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
    if not await session.scalar(text("SELECT to_regclass('osm.site_joint') IS NOT NULL")):
        raise no_network()


@contextmanager
def network_required() -> Iterator[None]:
    """409 as well when the network is dropped after check_network found it (an operator's
    `DROP SCHEMA osm` between two statements; a reload swaps it under locks): the request
    ends, so its aborted transaction needs no savepoint."""
    try:
        yield
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) in network.NETWORK_GONE:
            raise no_network() from error
        raise


def _road_columns(mode: TravelMode) -> list[Any]:
    """The columns of a Joint that come from its road (osm.edge), in the Joint's order."""
    cost, reverse_cost = network.cost_columns(mode)
    edge = network.edge
    return [edge.c.id, edge.c.source, edge.c.target, cost, reverse_cost, edge.c.length_m]


def _joint(row: Any) -> Joint | None:
    """A Joint from its road's columns, fraction and walk; None without a road in reach."""
    if row[0] is None or row[7] > network.ACCESS_MAX_M:
        return None
    return Joint(*(int(value) for value in row[:3]), *(float(value) for value in row[3:]))


def nearest_road(mode: TravelMode, point: Any, *columns: Any) -> Select[Any]:
    """The road nearest `point` (a geometry expression) that `mode` may use, by a KNN walk of
    the edges' GiST index: `columns`, then how far along it the point lies (`fraction`) and
    the walk to it in metres on the spheroid (`access_m`)."""
    cost, reverse_cost = network.cost_columns(mode)
    edge = network.edge
    return (
        select(
            *columns,
            func.ST_LineLocatePoint(edge.c.geom, point).label("fraction"),
            func.ST_Distance(geo.geography(edge.c.geom), geo.geography(point)).label("access_m"),
        )
        .where(or_(cost >= 0, reverse_cost >= 0))
        .order_by(edge.c.geom.op("<->")(point))
        .limit(1)
    )


def join_statement(mode: TravelMode, *extra: Any) -> Select[Any]:
    """The statement of a point's joint (named parameters join_lon and join_lat): the joint's
    columns (joint_of), then `extra` ones."""
    point = func.ST_SetSRID(
        func.ST_MakePoint(bindparam("join_lon", type_=Float), bindparam("join_lat", type_=Float)),
        4326,
    )
    return nearest_road(mode, point, *_road_columns(mode)).add_columns(*extra)


def joint_of(row: Any) -> Joint | None:
    """The joint in a row of join_statement; None without a road within ACCESS_MAX_M."""
    return None if row is None else _joint(row[:8])


# Built once per mode: building a statement costs more than PostgreSQL's answer.
_JOINS = {mode: join_statement(mode) for mode in TravelMode}


async def join(session: AsyncSession, mode: TravelMode, lon: float, lat: float) -> Joint | None:
    """The point's joint with the network; None when every road the mode may use is farther
    than ACCESS_MAX_M."""
    row = (await session.execute(_JOINS[mode], {"join_lon": lon, "join_lat": lat})).first()
    return joint_of(row)


async def site_joint(
    session: AsyncSession, mode: TravelMode, site_id: int, lon: float, lat: float
) -> Joint | None:
    """A work site's joint as the travel-time search reads it: stored (osm.site_joint), or
    found like any point's when the site has none stored."""
    stored, edge = network.site_joint, network.edge
    row = (
        await session.execute(
            select(*_road_columns(mode), stored.c.fraction, stored.c.access_m)
            .select_from(stored)
            .outerjoin(edge, edge.c.id == stored.c.edge_id)
            .where(stored.c.site_id == site_id, stored.c.mode == mode.value)
        )
    ).first()
    if row is None:
        return await join(session, mode, lon, lat)
    return _joint(row)


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


__all__ = [
    "ACCESS_MPS",
    "ORIGIN",
    "TO_SOURCE",
    "TO_TARGET",
    "Joint",
    "check_network",
    "edges_from_origin",
    "join",
    "join_statement",
    "joint_of",
    "nearest_road",
    "no_network",
    "site_joint",
    "virtual_edge",
]
