"""Routing alone, three ways, on the bench's street network (issue 16: isochrones at least 5x
faster than a naive pgr_drivingDistance, travel search at most 3x a plain `near` search):

  naive    - pgr_drivingDistance over the whole graph from the vertex nearest the centre
             (the issue's peer);
  bounded  - the same over the edges within top speed x time of the centre, as the travel
             search and the isochrones route today (app/search/travel.py);
  memory   - Dijkstra with a cost limit (scipy.sparse.csgraph) over the same edges kept in
             the process as a sparse matrix, then the nodes reached and their seconds passed
             back to PostgreSQL as two arrays (`unnest`), as a statement joining them to the
             sites or roads would receive them; `dijkstra` is its first part alone.

Per centre, one of each in turn, on one connection; p50/p95 over the centres (the first run
once more as a warm-up). Each way must reach the same nodes in the same seconds (checked to a
millisecond against `naive`). Only routing is measured: no sites, no polygon.

    PYTHONPATH=. .venv/bin/python bench/routing_in_memory.py DATABASE_URL [GRID] [MINUTES] [CENTRES]

GRID as in bench/travel.py ("rivers390": about 300,000 edges, loaded when not there), MINUTES
"20,45", CENTRES 10. The service now routes this way (app/search/road_graph.py); this script
keeps the comparison with pgRouting.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from travel import _centres, load_grid  # bench/travel.py, beside this script

from app.config import Settings
from app.db import create_engine
from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search.params import Point
from app.search.repository import radius_degrees

MODE = TravelMode.motorbike
_NEAREST_VERTEX = text(
    "SELECT id FROM osm.vertex ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"
)
_DRIVING = text(
    "SELECT node, agg_cost FROM pgr_drivingDistance(CAST(:edges AS text), CAST(:vertex AS bigint),"
    " CAST(:seconds AS float8), true)"
)
_BACK = text(
    "SELECT count(*) FROM unnest(CAST(:nodes AS bigint[]), CAST(:seconds AS float8[]))"
    " AS reached(node, seconds)"
)


class Graph:
    """A mode's edges as a sparse matrix of seconds (row: from, column: to)."""

    def __init__(self, rows: list[Any]) -> None:
        source = np.array([r.source for r in rows], dtype=np.int64)
        target = np.array([r.target for r in rows], dtype=np.int64)
        forward = np.array([r.cost for r in rows], dtype=np.float64)
        backward = np.array([r.reverse_cost for r in rows], dtype=np.float64)
        self.ids, index = np.unique(np.concatenate([source, target]), return_inverse=True)
        s, t = index[: len(rows)], index[len(rows) :]
        ahead, back = forward >= 0, backward >= 0  # a negative cost closes that direction
        frm = np.concatenate([s[ahead], t[back]])
        to = np.concatenate([t[ahead], s[back]])
        # Explicit zeros would be read as no edge: a zero-second edge costs a nanosecond.
        seconds = np.maximum(np.concatenate([forward[ahead], backward[back]]), 1e-9)
        # Parallel edges: the matrix would add them up; routing takes the quickest.
        order = np.lexsort((seconds, to, frm))
        frm, to, seconds = frm[order], to[order], seconds[order]
        first = np.ones(len(frm), dtype=bool)
        first[1:] = (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])
        size = len(self.ids)
        self.matrix = csr_matrix((seconds[first], (frm[first], to[first])), shape=(size, size))

    def reached(self, vertex: int, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The nodes reached from `vertex` within `seconds`, and their seconds."""
        start = int(np.searchsorted(self.ids, vertex))
        cost = dijkstra(self.matrix, directed=True, indices=start, limit=seconds)
        found = np.flatnonzero(np.isfinite(cost))
        return self.ids[found], cost[found]


async def _graph(connection: AsyncConnection) -> Graph:
    return Graph(list((await connection.execute(text(network.edges_sql(MODE)))).all()))


def _same(a: dict[int, float], b: dict[int, float], what: str) -> None:
    if a.keys() != b.keys():
        raise SystemExit(f"{what}: {len(a)} against {len(b)} nodes reached")
    worst = max((abs(a[n] - b[n]) for n in a), default=0.0)
    if worst > 1e-3:
        raise SystemExit(f"{what}: seconds differ by up to {worst}")


async def run(url: str, grid: str, minutes: list[int], count: int) -> None:
    rivers = grid.startswith("rivers")
    settings = Settings(database_url=url, expiry_sweep_interval_s=0, map_expiry_interval_s=0)
    await load_grid(settings, int(grid.removeprefix("rivers")), rivers)
    engine = create_engine(settings, statement_timeout_ms=0)
    async with engine.connect() as connection:
        started = time.perf_counter()
        graph = await _graph(connection)
        print(f"graph: {graph.matrix.nnz} directed edges, {len(graph.ids)} nodes, fetched and "
              f"built in {(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
        top_kmh = await connection.scalar(
            text("SELECT max(kmh) FROM travel_speed WHERE mode = :mode"), {"mode": MODE.value}
        )
        centres = _centres(count)
        for each in minutes:
            seconds = each * 60.0
            times: dict[str, list[float]] = {
                "naive": [], "bounded": [], "memory": [], "dijkstra": []
            }  # fmt: skip
            sizes = []
            for lon, lat in [centres[0], *centres]:
                vertex = await connection.scalar(_NEAREST_VERTEX, {"lon": lon, "lat": lat})
                lon_deg, _ = radius_degrees(Point(lon, lat), float(top_kmh) / 3.6 * seconds)
                found = {}
                for way, edges in (
                    ("naive", network.edges_sql(MODE)),
                    ("bounded", network.bounded_edges_sql(MODE, lon, lat, lon_deg)),
                ):
                    started = time.perf_counter()
                    rows = await connection.execute(
                        _DRIVING, {"edges": edges, "vertex": vertex, "seconds": seconds}
                    )
                    found[way] = {int(node): float(cost) for node, cost in rows}
                    times[way].append(time.perf_counter() - started)
                started = time.perf_counter()
                nodes, costs = graph.reached(vertex, seconds)
                times["dijkstra"].append(time.perf_counter() - started)
                back = await connection.scalar(
                    _BACK, {"nodes": nodes.tolist(), "seconds": costs.tolist()}
                )
                times["memory"].append(time.perf_counter() - started)
                assert back == len(nodes)
                _same(found["naive"], found["bounded"], "bounded")
                _same(
                    found["naive"], dict(zip(nodes.tolist(), costs.tolist(), strict=True)), "memory"
                )
                sizes.append(len(nodes))
            p50 = {way: statistics.median(values[1:]) * 1000 for way, values in times.items()}
            print(f"## {each} minutes by {MODE.value}, {count} centres, "
                  f"{statistics.median(sizes[1:]):.0f} nodes reached (median)")  # fmt: skip
            for way, values in times.items():
                ms = sorted(v * 1000 for v in values[1:])
                p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
                print(f"{way:8} p50 {p50[way]:8.1f} ms  p95 {p95:8.1f} ms  "
                      f"naive / {way}: {p50['naive'] / p50[way]:6.1f}x")  # fmt: skip
    await engine.dispose()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    asyncio.run(
        run(
            arguments[0],
            arguments[1] if len(arguments) > 1 else "rivers390",
            [int(m) for m in (arguments[2] if len(arguments) > 2 else "20,45").split(",")],
            int(arguments[3]) if len(arguments) > 3 else 10,
        )
    )
