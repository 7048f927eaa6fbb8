"""The street network's routing graph kept in each worker's memory, for travel-time search and
isochrones (app/search/travel.py, app/search/isochrones.py): Dijkstra with a time limit
(scipy) over a sparse matrix of seconds per mode, instead of pgRouting, which builds its graph
from SQL on every call (bench/README.md, "routing in the process": 36-194x faster than
pgr_drivingDistance over the same graph).

The graph is fetched once per worker and network: the live network's `osm.info` row (load
time, source, costs' time) is its key, read on every request, so a reload (`jobmap osm load`)
or a recost (`jobmap osm recost`) is picked up by the next request of every worker. A search
routes on one whole network: the one whose key it read.

Costs and their conventions are those of `street_network.edges_sql`: seconds, a negative cost
closes that direction. The origin joins its road as in the SQL version: an extra vertex with
one edge to each end of its road (the walk, then the road's part), in a direction the mode may
ride it."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import weakref
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.travel_speed import TravelMode
from app.search.joints import Joint

EARTH_M = 6378137.0  # Web Mercator's sphere (EPSG:3857)
# A zero-second edge would read as no edge in a sparse matrix: it costs a nanosecond.
LEAST_S = 1e-9
KEY_SQL = "SELECT CAST(i AS text) FROM osm.info AS i"  # the live network's key
_KEY = text(KEY_SQL)
# Every edge in one row of binary columns (each value in PostgreSQL's send format, big-endian,
# never NULL): the aggregates of one query level take the rows in the same order, so the
# columns line up. No Python object per value: a list of 302,680 numbers per column cost
# 150 MB more at its peak. Geometries as one little-endian WKB string, split below.
_EDGES = text(
    """
    SELECT string_agg(int8send(id), ''::bytea), string_agg(int8send(source), ''::bytea),
           string_agg(int8send(target), ''::bytea),
           string_agg(float8send(coalesce(length_m, 0)), ''::bytea),
           string_agg(float8send(coalesce(cost_motorbike, -1)), ''::bytea),
           string_agg(float8send(coalesce(reverse_cost_motorbike, -1)), ''::bytea),
           string_agg(float8send(coalesce(cost_bicycle, -1)), ''::bytea),
           string_agg(float8send(coalesce(reverse_cost_bicycle, -1)), ''::bytea),
           string_agg(float8send(coalesce(cost_walk, -1)), ''::bytea),
           string_agg(int4send(ST_NPoints(geom)), ''::bytea),
           string_agg(ST_AsBinary(geom, 'NDR'), ''::bytea)
    FROM osm.edge
    """
)
_WKB_HEADER = 9  # byte order, geometry type, number of points


def mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3857 metres of WGS 84 degrees (what ST_Transform(.., 3857) gives)."""
    x = EARTH_M * np.radians(lon)
    y = EARTH_M * np.log(np.tan(math.pi / 4 + np.radians(lat) / 2))
    return x, y


@dataclasses.dataclass(frozen=True)
class Segments:
    """Every edge's geometry as straight segments in Web Mercator, for drawing areas."""

    edges: int  # of the network
    edge: np.ndarray  # the edge (index into the network's arrays) of each segment
    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray

    @classmethod
    def from_wkb(cls, blob: bytes, points: np.ndarray) -> Segments:
        """From the edges' LineString WKB strings laid end to end (`points` each)."""
        raw = np.frombuffer(blob, dtype=np.uint8)
        sizes = _WKB_HEADER + 16 * points
        if int(sizes.sum()) != raw.size:
            raise ValueError("edge geometries are not 2D LineStrings")
        starts = np.cumsum(sizes) - sizes
        keep = np.ones(raw.size, dtype=bool)
        keep[(starts[:, None] + np.arange(_WKB_HEADER)).ravel()] = False
        lon, lat = raw[keep].copy().view("<f8").reshape(-1, 2).T
        x, y = mercator(lon, lat)
        # A segment from each point but the last of its edge to the next point.
        last = np.cumsum(points) - 1
        begins = np.ones(x.size, dtype=bool)
        begins[last] = False
        first = np.flatnonzero(begins)
        edge = np.repeat(np.arange(points.size), points - 1)
        return cls(points.size, edge, x[first], y[first], x[first + 1], y[first + 1])


@dataclasses.dataclass
class ModeGraph:
    """A mode's edges as a sparse matrix of seconds (row: from, column: to) over its vertices
    (`ids`, sorted), with one more vertex, the origin (index len(ids)), whose two edges are
    set for each search. `lengths` are the metres of the matrix's entries (0 for the
    origin's)."""

    ids: np.ndarray
    matrix: csr_matrix
    lengths: np.ndarray
    entry_keys: np.ndarray  # row * size + column of each entry, ascending
    edges: np.ndarray  # the mode's edges (indices into the network's arrays)
    edge_ids: np.ndarray  # and their ids
    edge_source: np.ndarray  # their ends, as vertex indices
    edge_target: np.ndarray
    edge_forward: np.ndarray  # their seconds each way (negative: closed) and metres
    edge_backward: np.ndarray
    edge_length: np.ndarray
    top_mps: float  # the fastest edge's speed: nothing farther is reached in a given time
    incident: np.ndarray  # the edges at each vertex: incident[incident_at[v]:incident_at[v + 1]]
    incident_at: np.ndarray
    segments: Segments  # the network's geometry (shared by its modes), for isochrones

    @classmethod
    def build(cls, network: Network, mode: TravelMode) -> ModeGraph:
        forward, backward = network.costs[mode]
        edges = np.flatnonzero((forward >= 0) | (backward >= 0))
        forward, backward = forward[edges], backward[edges]
        ids, index = np.unique(
            np.concatenate([network.source[edges], network.target[edges]]), return_inverse=True
        )
        source, target = index[: edges.size], index[edges.size :]
        ahead, back = forward >= 0, backward >= 0
        rows = np.concatenate([source[ahead], target[back]])
        columns = np.concatenate([target[ahead], source[back]])
        seconds = np.maximum(np.concatenate([forward[ahead], backward[back]]), LEAST_S)
        metres = np.concatenate([network.length_m[edges][ahead], network.length_m[edges][back]])
        ridden = seconds > LEAST_S
        top_mps = float((metres[ridden] / seconds[ridden]).max(initial=0.0))
        # Parallel edges: the matrix would add them up; routing takes the quickest.
        order = np.lexsort((seconds, columns, rows))
        rows, columns, seconds, metres = rows[order], columns[order], seconds[order], metres[order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (columns[1:] != columns[:-1])
        rows, columns, seconds, metres = rows[first], columns[first], seconds[first], metres[first]
        # The origin's row last, with its two edges: both placeholders (loops) until a search.
        size = ids.size + 1
        origin = np.full(2, ids.size)
        rows, columns = np.concatenate([rows, origin]), np.concatenate([columns, origin])
        seconds, metres = np.concatenate([seconds, [LEAST_S] * 2]), np.concatenate([metres, [0, 0]])
        indptr = np.zeros(size + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
        matrix = csr_matrix((seconds, columns.astype(np.int32), indptr), shape=(size, size))
        keys = rows.astype(np.int64) * size + columns
        at_vertex = np.concatenate([source, target])
        order = np.argsort(at_vertex, kind="stable")
        incident = np.concatenate([np.arange(edges.size)] * 2)[order].astype(np.int32)
        incident_at = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(at_vertex, minlength=size), out=incident_at[1:])
        return cls(
            ids,
            matrix,
            metres,
            keys,
            edges,
            network.ids[edges],
            source,
            target,
            forward,
            backward,
            network.length_m[edges],
            top_mps,
            incident,
            incident_at,
            network.segments,
        )

    def vertex(self, node_id: int) -> int:
        """The index of a node of the graph (an OSM node id)."""
        return int(np.searchsorted(self.ids, node_id))

    def route(
        self, joint: Joint, max_s: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Dijkstra from the point `joint` joins, within `max_s` seconds: the seconds to each
        vertex (inf: not in time), each one's previous vertex on its fastest route, and the
        metres of the origin's two edges with the vertices they lead to."""
        origin = self.ids.size
        ends = []
        if joint.backward >= 0:
            ends.append((self.vertex(joint.source), joint.fraction, joint.backward))
        if joint.forward >= 0:
            ends.append((self.vertex(joint.target), 1 - joint.fraction, joint.forward))
        ends.sort()
        if len(ends) == 2 and ends[0][0] == ends[1][0]:  # a loop: its quicker way round
            ends = [min(ends, key=lambda end: end[1] * end[2])]
        ends += [(origin, 0.0, 0.0)] * (2 - len(ends))
        # The two placeholders are set and routed on without a pause in between, so searches
        # of one worker's event loop never see another's. Their metres are this search's own.
        for slot, (vertex, share, seconds_per_road) in zip((-2, -1), ends, strict=True):
            self.matrix.indices[slot] = vertex
            self.matrix.data[slot] = max(joint.walk_s + share * seconds_per_road, LEAST_S)
        seconds, previous = dijkstra(
            self.matrix, directed=True, indices=origin, limit=max_s, return_predecessors=True
        )
        metres = np.array([joint.access_m + share * joint.length_m for _, share, _ in ends])
        return seconds, previous, metres, np.array([vertex for vertex, _, _ in ends])

    def edges_at(self, vertices: np.ndarray) -> np.ndarray:
        """The mode's edges (its own indices) at any of `vertices`, each once."""
        starts, ends = self.incident_at[vertices], self.incident_at[vertices + 1]
        counts = ends - starts
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.unique(self.incident[np.repeat(starts, counts) + offsets])

    def entry_metres(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The metres of the entries (row, column), which exist, not from the origin (its two
        entries, the last ones, are set for each search: route gives their metres)."""
        keys = rows.astype(np.int64) * (self.ids.size + 1) + columns
        found: np.ndarray = self.lengths[np.searchsorted(self.entry_keys[:-2], keys)]
        return found


@dataclasses.dataclass
class Network:
    """The live network's edges, as fetched, and each mode's graph, built when first used."""

    key: str
    ids: np.ndarray
    source: np.ndarray
    target: np.ndarray
    length_m: np.ndarray
    costs: dict[TravelMode, tuple[np.ndarray, np.ndarray]]
    segments: Segments
    graphs: dict[TravelMode, ModeGraph] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_row(cls, key: str, row: Any) -> Network:
        def floats(values: bytes | None) -> np.ndarray:
            return np.frombuffer(values or b"", dtype=">f8").astype(np.float64)

        def integers(values: bytes | None, size: int = 8) -> np.ndarray:
            return np.frombuffer(values or b"", dtype=f">i{size}").astype(np.int64)

        walk = floats(row[8])
        return cls(
            key=key,
            ids=integers(row[0]),
            source=integers(row[1]),
            target=integers(row[2]),
            length_m=floats(row[3]),
            costs={
                TravelMode.motorbike: (floats(row[4]), floats(row[5])),
                TravelMode.bicycle: (floats(row[6]), floats(row[7])),
                TravelMode.walk: (walk, walk),
            },
            segments=Segments.from_wkb(bytes(row[10] or b""), integers(row[9], 4)),
        )

    def graph(self, mode: TravelMode) -> ModeGraph:
        if mode not in self.graphs:
            self.graphs[mode] = ModeGraph.build(self, mode)
        return self.graphs[mode]


_current: Network | None = None
_loading: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def graph_at_hand(key: str, mode: TravelMode) -> ModeGraph | None:
    """The mode's graph of the network whose key is `key`, when this worker has both already
    (for the search's fast path, which fetches nothing: app/search/travel_fast_path.py)."""
    if _current is None or _current.key != key:
        return None
    return _current.graphs.get(mode)


async def network(session: AsyncSession, key: str | None = None) -> Network:
    """The live network (whose key the caller may have read: KEY_SQL), fetched again when it
    changed since this worker last fetched it."""
    global _current
    if key is None:
        key = str(await session.scalar(_KEY))
    if _current is not None and _current.key == key:
        return _current
    lock = _loading.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        while _current is None or _current.key != key:
            row = (await session.execute(_EDGES)).one()
            # A reload between the key and the edges: fetch the new one's.
            fetched_key = str(await session.scalar(_KEY))
            if fetched_key == key:
                _current = await asyncio.to_thread(Network.from_row, key, row)
            key = fetched_key
        return _current


__all__ = ["KEY_SQL", "ModeGraph", "Network", "Segments", "graph_at_hand", "mercator", "network"]
