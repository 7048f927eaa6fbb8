"""Which candidate sites of a travel-time search (app/search/travel.py) are reached, and
when: each site's time through the road it joins (stored in osm.site_joint), from the times
at which the worker's Dijkstra reached that road's ends (app/search/road_graph.py).

Two sources of roads: a ring (its roads, ends, costs and the ends' times handed over as
arrays, so no osm.edge row is read), or every node reached (for the circle of candidates,
the only one that also joins a site with no stored joint, as the origin is joined)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Float,
    Integer,
    and_,
    any_,
    bindparam,
    case,
    column,
    func,
    or_,
    select,
    text,
    true,
)

from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search.aliases import site
from app.search.joints import ACCESS_MPS, nearest_road
from app.search.reach import Ring
from app.search.repository import Built, matching_sites

if TYPE_CHECKING:
    from app.search.travel import Origin

# A ring's roads, as the worker gives them (app/search/reach.Ring).
_RING = """
SELECT *
FROM unnest(CAST(:ring_edge AS bigint[]), CAST(:ring_source AS bigint[]),
            CAST(:ring_target AS bigint[]), CAST(:ring_forward AS float8[]),
            CAST(:ring_backward AS float8[]), CAST(:ring_length AS float8[]),
            CAST(:ring_source_s AS float8[]), CAST(:ring_target_s AS float8[]))
     AS ring(edge, source, target, forward, backward, length, source_s, target_s)
"""

# Every node reached in time, with its seconds (routed in the worker, app/search/road_graph).
_REACHED = """
SELECT node, agg_cost
FROM unnest(CAST(:reached_nodes AS bigint[]), CAST(:reached_seconds AS float8[]))
     AS reached(node, agg_cost)
"""


def _reached(nodes: list[int], seconds: list[float]) -> Any:
    """Nodes reached and their seconds, as routed in the worker."""
    return (
        text(_REACHED)
        .bindparams(
            bindparam("reached_nodes", nodes, type_=ARRAY(BigInteger)),
            bindparam("reached_seconds", seconds, type_=ARRAY(Float)),
        )
        .columns(column("node", BigInteger), column("agg_cost", Float))
        .cte("reached")
    )


def _ring_columns(ring: Ring) -> dict[str, tuple[list[Any], Any]]:
    return {
        "ring_edge": (ring.roads, BigInteger),
        "ring_source": (ring.sources, BigInteger),
        "ring_target": (ring.targets, BigInteger),
        "ring_forward": (ring.forward, Float),
        "ring_backward": (ring.backward, Float),
        "ring_length": (ring.length_m, Float),
        "ring_source_s": (ring.source_s, Float),
        "ring_target_s": (ring.target_s, Float),
    }


def _ring_roads(ring: Ring) -> Any:
    """The ring's roads with their ends' times, as given by the worker."""
    columns = _ring_columns(ring)
    return (
        text(_RING)
        .bindparams(
            *(
                bindparam(name, values, type_=ARRAY(kind))
                for name, (values, kind) in columns.items()
            )
        )
        .columns(*(column(name.removeprefix("ring_"), kind) for name, (_, kind) in columns.items()))
        .cte("ring")
    )


@dataclasses.dataclass(frozen=True)
class _Here:
    """The origin's joint as named parameters (the statement is kept, app/search/reuse.py)."""

    edge_id: Any
    fraction: Any
    walk_s: Any
    access_m: Any


def values(start: Origin, ring: Ring | None) -> dict[str, Any]:
    """The values of the named parameters on_ring (with `ring`) or everywhere put in their
    statement, besides the search's own (Built.values)."""
    joint = start.joint
    found: dict[str, Any] = {
        "here_edge": joint.edge_id,
        "here_fraction": joint.fraction,
        "here_walk_s": joint.walk_s,
        "here_access_m": joint.access_m,
    }
    if ring is None:
        nodes, seconds = start.reach.nodes()
        return found | {"reached_nodes": nodes, "reached_seconds": seconds}
    return (
        found
        | {key: values for key, (values, _) in _ring_columns(ring).items()}
        | {"ring_ids": ring.roads}
    )


@dataclasses.dataclass(frozen=True)
class _Road:
    """What the travel time of a site needs of its road: where the site joins it, the road's
    ends and costs, and when its ends are reached (NULL: not in time)."""

    edge_id: Any
    fraction: Any
    access_m: Any
    source: Any
    target: Any
    forward: Any
    backward: Any
    length_m: Any
    source_s: Any
    target_s: Any


def _travel(start: Origin, road: _Road) -> tuple[Any, Any, Any]:
    """(travel_s, the road end the site is reached from, the metres beyond that end)."""
    fraction, forward, backward = road.fraction, road.forward, road.backward
    via_source = case((forward >= 0, road.source_s + fraction * forward), else_=None)
    via_target = case((backward >= 0, road.target_s + (1 - fraction) * backward), else_=None)
    # On the origin's own road: straight along it, in a direction the mode may ride.
    here = _Here(
        bindparam("here_edge", start.joint.edge_id, type_=BigInteger),
        bindparam("here_fraction", start.joint.fraction, type_=Float),
        bindparam("here_walk_s", start.joint.walk_s, type_=Float),
        bindparam("here_access_m", start.joint.access_m, type_=Float),
    )
    ahead = fraction >= here.fraction
    along = case(
        (
            and_(road.edge_id == here.edge_id, ahead, forward >= 0),
            here.walk_s + (fraction - here.fraction) * forward,
        ),
        (
            and_(road.edge_id == here.edge_id, ~ahead, backward >= 0),
            here.walk_s + (here.fraction - fraction) * backward,
        ),
        else_=None,
    )
    ride_s = func.least(via_source, via_target, along)
    # The road end the site is reached from (NULL: straight along the origin's road), and the
    # metres from there to the site; the metres to that end come with the page
    # (_with_metres).
    from_source = or_(via_target.is_(None), via_source <= via_target)
    node = case((along == ride_s, None), (from_source, road.source), else_=road.target)
    beyond_m = (
        case(
            (along == ride_s, here.access_m + func.abs(fraction - here.fraction) * road.length_m),
            (from_source, fraction * road.length_m),
            else_=(1 - fraction) * road.length_m,
        )
        + road.access_m
    )
    return ride_s + road.access_m / ACCESS_MPS, node, beyond_m


def _sites(built: Built, start: Origin, road: _Road) -> Any:
    travel_s, node, beyond_m = _travel(start, road)
    return matching_sites(
        built,
        site.id.label("id"),
        travel_s.label("travel_s"),
        node.label("node"),
        beyond_m.label("beyond_m"),
    ).where(road.access_m <= network.ACCESS_MAX_M)


def on_ring(
    built: Built,
    mode: TravelMode,
    start: Origin,
    ring: Ring,
    sooner: Callable[[Any, Any], list[Any]],
) -> Any:
    """The candidate sites stored on the ring's roads, with travel_s, node and beyond_m: the
    `candidates` (a named parameter; NULL: all) reached soonest of those `sooner` takes (by
    travel_s and site id), before their sites are read and filtered."""
    stored = network.site_joint.alias("stored")
    roads = _ring_roads(ring)
    road = _Road(
        stored.c.edge_id,
        stored.c.fraction,
        stored.c.access_m,
        roads.c.source,
        roads.c.target,
        roads.c.forward,
        roads.c.backward,
        roads.c.length,
        roads.c.source_s,
        roads.c.target_s,
    )
    travel_s, node, beyond_m = _travel(start, road)
    # Looked up by the edge index (`= ANY` of an array): joined as a set, the ring was
    # estimated at a few roads or at thousands, and the planner read every stored row.
    ids = bindparam("ring_ids", ring.roads, type_=ARRAY(BigInteger))
    candidates = (
        select(
            stored.c.site_id.label("id"),
            travel_s.label("travel_s"),
            node.label("node"),
            beyond_m.label("beyond_m"),
        )
        .select_from(stored)
        .join(roads, roads.c.edge == stored.c.edge_id)
        .where(
            stored.c.mode == mode.value,
            stored.c.edge_id == any_(ids),
            road.access_m <= network.ACCESS_MAX_M,
            *sooner(travel_s, stored.c.site_id),
        )
        .order_by(travel_s, stored.c.site_id)
        .limit(bindparam("candidates", type_=Integer))
        .subquery("candidates")
    )
    columns = (candidates.c.id, candidates.c.travel_s, candidates.c.node, candidates.c.beyond_m)
    return (
        matching_sites(built, *columns)
        .join(candidates, candidates.c.id == site.id)
        .subquery("reach")
    )


def everywhere(built: Built, mode: TravelMode, start: Origin) -> Any:
    """Every candidate site with its travel_s (NULL: not reached), node and beyond_m."""
    reached = _reached(*start.reach.nodes())
    src, tgt = reached.alias("reach_src"), reached.alias("reach_tgt")
    stored = network.site_joint.alias("stored")
    # A site the stored joints lack (none should: the load and the site triggers write them)
    # is joined here, as the origin is: the lateral runs only for such a site.
    edge = network.edge
    probe = (
        nearest_road(mode, site.geom, edge.c.id.label("edge_id"))
        .where(stored.c.site_id.is_(None))
        .lateral("probe")
    )
    edge_id = func.coalesce(stored.c.edge_id, probe.c.edge_id)
    road_row = edge.alias("road")
    forward, backward = (road_row.c[column.name] for column in network.cost_columns(mode))
    road = _Road(
        edge_id,
        func.coalesce(stored.c.fraction, probe.c.fraction),
        func.coalesce(stored.c.access_m, probe.c.access_m),
        road_row.c.source,
        road_row.c.target,
        forward,
        backward,
        road_row.c.length_m,
        src.c.agg_cost,
        tgt.c.agg_cost,
    )
    return (
        _sites(built, start, road)
        .outerjoin(stored, and_(stored.c.site_id == site.id, stored.c.mode == mode.value))
        .outerjoin(probe, true())
        .join(road_row, road_row.c.id == edge_id)
        .outerjoin(src, src.c.node == road_row.c.source)
        .outerjoin(tgt, tgt.c.node == road_row.c.target)
        .subquery("reach")
    )


__all__ = ["everywhere", "on_ring"]
