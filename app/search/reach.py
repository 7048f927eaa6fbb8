"""What one search reaches on the worker's graph (app/search/road_graph.py): Dijkstra from its
origin, run first with a short limit and again with a longer one only when the search needs
more. A page of a travel-time search is usually filled by the roads around the nodes reached
in the first minute or two, and Dijkstra's cost follows the nodes it settles: 7.6 ms for the
44,000 nodes of 45 minutes on the benchmark's province-sized network, against a fraction of a
millisecond for the first minutes. Isochrones, counts and the circle of candidates ask for
the search's whole time."""

from __future__ import annotations

import asyncio
import dataclasses
import math

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.travel_speed import TravelMode
from app.search import road_graph
from app.search.joints import Joint
from app.search.road_graph import ModeGraph

GROWTH = 4  # a limit too short is run again this many times longer: at most a third more work


@dataclasses.dataclass(frozen=True)
class Ring:
    """The roads touching the nodes reached soonest, and the origin's: every site reached
    within `bound` lies on one of them, since a site is reached through an end of its road,
    no later than that end. `whole`: every node reached is in it, and `bound` is the search's
    time. Each road's ends, seconds each way (negative: closed), metres, and the seconds at
    which its ends are reached (None: not in time), as columns."""

    roads: list[int]
    sources: list[int]
    targets: list[int]
    forward: list[float]
    backward: list[float]
    length_m: list[float]
    source_s: list[float | None]
    target_s: list[float | None]
    bound: float
    whole: bool


class Reach:
    """The seconds from one origin to each vertex within `limit` (inf beyond), and the tree of
    the fastest routes (each vertex's previous one), for a search of `max_s` seconds."""

    def __init__(self, graph: ModeGraph, joint: Joint, max_s: float, limit: float) -> None:
        self.graph, self.joint, self.max_s = graph, joint, max_s
        self._route(min(limit, max_s))

    def _route(self, limit: float) -> None:
        self.limit = limit
        self.seconds, self.previous, self._origin_metres, self._origin_ends = self.graph.route(
            self.joint, limit
        )
        self._settled = np.flatnonzero(np.isfinite(self.seconds[:-1]))  # not the origin

    def _within(self, seconds: float) -> None:
        """Routed at least `seconds` far (at most the search's time)."""
        if self.limit < min(seconds, self.max_s):
            self._route(min(self.max_s, max(seconds, self.limit * GROWTH)))

    def nodes(self) -> tuple[list[int], list[float]]:
        """The node ids reached within the search's time and their seconds, soonest first."""
        self._within(self.max_s)
        found = self._settled[np.argsort(self.seconds[self._settled], kind="stable")]
        return self.graph.ids[found].tolist(), self.seconds[found].tolist()

    def ring(self, size: int, after_s: float) -> Ring:
        """The ring of the `size` nodes reached soonest after `after_s` seconds (a page's
        cursor), with every node reached before, and the origin's road."""
        while True:
            times = self.seconds[self._settled]
            wanted = int(np.count_nonzero(times <= after_s)) + size
            if self._settled.size > wanted or self.limit >= self.max_s:
                break
            self._within(self.limit * GROWTH)
        whole = self._settled.size <= wanted
        bound = self.max_s
        if not whole:
            bound = float(np.partition(times, wanted - 1)[wanted - 1])
        # Every node reached by then, ties included (the bound's own time may be shared).
        soonest = self._settled[times <= bound]
        graph = self.graph
        origin_road = np.array([graph.vertex(self.joint.source), graph.vertex(self.joint.target)])
        roads = graph.edges_at(np.concatenate([soonest, origin_road]))
        source, target = graph.edge_source[roads], graph.edge_target[roads]

        def when(vertices: np.ndarray) -> list[float | None]:
            found = self.seconds[vertices].tolist()
            return [value if math.isfinite(value) else None for value in found]

        return Ring(
            graph.edge_ids[roads].tolist(),
            graph.ids[source].tolist(),
            graph.ids[target].tolist(),
            graph.edge_forward[roads].tolist(),
            graph.edge_backward[roads].tolist(),
            graph.edge_length[roads].tolist(),
            when(source),
            when(target),
            bound,
            whole,
        )

    def edges_within(self, seconds: float) -> np.ndarray:
        """The mode's edges (network indices) both of whose ends are reached within `seconds`."""
        self._within(seconds)
        graph = self.graph
        latest = np.maximum(self.seconds[graph.edge_source], self.seconds[graph.edge_target])
        found: np.ndarray = graph.edges[latest <= seconds]
        return found

    def metres(self, node_ids: list[int]) -> dict[int, float]:
        """The length of the fastest route to each of `node_ids` (reached within the limit)."""
        graph = self.graph
        origin = graph.ids.size
        known: dict[int, float] = {origin: 0.0}
        found: dict[int, float] = {}
        for node_id in node_ids:
            path = [graph.vertex(node_id)]
            while path[-1] not in known:
                path.append(int(self.previous[path[-1]]))
            steps = np.array(path)
            before, after = steps[1:], steps[:-1]
            # The origin's edges are this search's own (the matrix's last entries may be
            # another search's by now, set while this one awaited its statements).
            from_origin = before == origin
            lengths = np.empty(before.size)
            lengths[~from_origin] = graph.entry_metres(before[~from_origin], after[~from_origin])
            which = np.searchsorted(self._origin_ends, after[from_origin])
            lengths[from_origin] = self._origin_metres[which]
            total = known[path[-1]]
            for vertex, length in zip(path[-2::-1], lengths[::-1], strict=True):
                total += float(length)
                known[vertex] = total
            found[node_id] = known[path[0]]
        return found


async def reach(
    session: AsyncSession,
    joint: Joint,
    mode: TravelMode,
    max_s: float,
    *,
    first_s: float | None = None,
    key: str | None = None,
) -> Reach:
    """What `joint` reaches by `mode` within `max_s` seconds, routed first within `first_s`
    (None: the whole time at once); `key`: the live network's, when the caller read it."""
    live = await road_graph.network(session, key)
    graph = live.graphs.get(mode)
    if graph is None:  # built beside the event loop: 0.1 s on 300,000 edges
        graph = await asyncio.to_thread(live.graph, mode)
    return Reach(graph, joint, max_s, max_s if first_s is None else first_s)


__all__ = ["GROWTH", "Reach", "Ring", "reach"]
