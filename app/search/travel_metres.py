"""Metres of a travel-time search's page (app/search/travel.py): once its sites are chosen by
time, the length of the fastest route to each, by one pgr_dijkstra to the road ends they are
reached from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Select,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import street_network as network
from app.search.joints import ORIGIN, TO_SOURCE, TO_TARGET

if TYPE_CHECKING:
    from app.search.travel import Origin


def _lengths(start: Origin, nodes: list[int], within_s: float) -> Select[Any]:
    """Metres from the origin to each of `nodes` along the fastest route: pgr_dijkstra to
    those nodes only (a page's sites' road ends), on the graph within `within_s` (the page's
    slowest time: no fastest route to a node reached sooner leaves it). Summing the driving
    distance's tree for every node reached took 210 ms of a 30-minute search's 400 ms (a
    recursive CTE, one pass per level of the tree); the whole bounded graph again, 290 ms of a
    45-minute search on a province-sized network."""
    path = func.pgr_dijkstra(
        cast(literal(start.edges_within(within_s)), Text),
        cast(literal(ORIGIN), BigInteger),
        bindparam("nodes", nodes, type_=ARRAY(BigInteger)),
        true(),
    ).table_valued(column("end_vid", BigInteger), column("edge", BigInteger), name="path")
    edge = network.edge
    length = case(
        (path.c.edge == TO_SOURCE, start.to_source_m),
        (path.c.edge == TO_TARGET, start.to_target_m),
        else_=edge.c.length_m,
    )
    return (
        select(path.c.end_vid.label("node"), func.sum(length).label("length_m"))
        .select_from(path)
        .outerjoin(edge, edge.c.id == path.c.edge)
        .where(path.c.edge != -1)
        .group_by(path.c.end_vid)
    )


async def with_metres(
    session: AsyncSession, start: Origin, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The page's rows with travel_m: the metres to the road end each site is reached from
    (one pgr_dijkstra for the page), and beyond it."""
    nodes = sorted({row["node"] for row in rows if row["node"] is not None})
    metres: dict[int, float] = {}
    if nodes:
        slowest = max(row["travel_s"] for row in rows)
        found = await session.execute(_lengths(start, nodes, slowest))
        metres = {int(node): float(length) for node, length in found}
    for row in rows:
        node = row.pop("node")
        row["travel_m"] = metres.get(node, 0.0) + row.pop("beyond_m")
    return rows


__all__ = ["with_metres"]
