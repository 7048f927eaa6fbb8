"""Travel-time search, isochrones, routes and basemap tiles (issue 16) on a street network the
bench writes itself (no OpenStreetMap extract can be downloaded here): a grid of residential
streets every ~220 m with a primary road every fifth line, over a square around the dense old
Vĩnh Long area, imported for real (osm2pgsql, pgRouting). GRID "120" is a 120 x 120 grid;
"rivers390" a 390 x 390 one (about 300,000 edges) with trunk roads, two rivers, bridges and
ferries (grid_network).

Side by side in one run, request by request, on the same centres (bench/points_dense.txt):
  nearest  - GET /v1/vacancies?near=..&radius_m=R&limit=20 (straight line: the peer), R the
             distance the search bounds by (top speed x time)
  travel   - GET /v1/vacancies?near=..&travel_mode=motorbike&max_minutes=M&limit=20
  isochrone- GET /v1/isochrones?near=..&travel_mode=motorbike&minutes=M
  naive_dd - pgr_drivingDistance over the whole graph for M minutes (the isochrones' peer)
  route    - GET /v1/vacancies/{id}/route?near=.. to the travel search's first result
and the bytes of basemap tiles around the centre (raw and gzip) at z8 to z16.

    PYTHONPATH=. .venv/bin/python bench/travel.py DATABASE_URL [GRID] [MINUTES] [CENTRES]

DATABASE_URL holds vacancies already (`jobmap demo load`); the network is loaded into it and
left there (loaded again only when GRID differs). MINUTES is one time or several
("5,15,30,45"), each run over the same centres. The statement timeout is raised to 120 s, so
that a slow search is measured rather than cut at 5 s (the service's default answers 503).
The service runs in-process (ASGI): the timings are the work of one request.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import create_engine
from app.main import create_app
from app.models.travel_speed import TravelMode
from app.osm import service
from app.osm.queries import edges_sql
from tests.osm.osm_files import Tags, osm_xml

CENTRE = (105.97, 10.20)
STEP = 0.002  # about 220 m


def grid_network(size: int, rivers: bool = False) -> str:
    """size x size nodes around CENTRE; residential streets, a primary road every 5th line.

    With `rivers`: a trunk road every 50th line, and two rivers running east-west across the
    grid (between rows size/3 and size/3 + 1, and 2 size/3 and 2 size/3 + 1). North-south
    streets stop at the banks, except a bridge every 40 lines and a ferry (route=ferry, its
    default wait counted) halfway between bridges: the delta's shape, where the straight line
    misleads. 390 lines make about 300,000 edges over 86 km square, the size of the merged
    province's network."""
    half = size // 2

    def node(i: int, j: int) -> int:
        return 1 + i * size + j

    nodes: dict[int, tuple[float, float]] = {}
    for i in range(size):
        for j in range(size):
            nodes[node(i, j)] = (
                round(CENTRE[0] + (i - half) * STEP, 6),
                round(CENTRE[1] + (j - half) * STEP, 6),
            )
    banks = (size // 3, 2 * size // 3) if rivers else ()

    def road(line: int) -> Tags:
        if rivers and line % 50 == 25:
            return {"highway": "trunk"}
        return {"highway": "primary" if line % 5 == 0 else "residential"}

    ways: dict[int, tuple[list[int], Tags]] = {}
    way = 1
    for line in range(size):
        ways[way] = ([node(i, line) for i in range(size)], road(line))  # east-west
        way += 1
        cuts = [0, *(bank + 1 for bank in banks), size]
        for start, stop in itertools.pairwise(cuts):  # north-south, bank to bank
            ways[way] = ([node(line, j) for j in range(start, stop)], road(line))
            way += 1
        for bank in banks:
            crossing = [node(line, bank), node(line, bank + 1)]
            if line % 40 == 20:
                ways[way] = (crossing, {**road(line), "bridge": "yes", "layer": "1"})
            elif line % 40 == 0:
                ways[way] = (crossing, {"route": "ferry", "name": f"Phà {line}"})
            else:
                continue
            way += 1
    for number, bank in enumerate(banks):
        west, east = size * size + 2 * number + 1, size * size + 2 * number + 2
        lat = round(CENTRE[1] + (bank - half + 0.5) * STEP, 6)
        nodes[west] = (round(CENTRE[0] - half * STEP, 6), lat)
        nodes[east] = (round(CENTRE[0] + (size - 1 - half) * STEP, 6), lat)
        ways[way] = ([west, east], {"waterway": "river", "name": f"Sông {number + 1}"})
        way += 1
    return osm_xml(nodes, ways, {})


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def summary(name: str, times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    row = {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}
    print(f"{name:10s} p50 {row['p50_ms']:8.1f} ms   p95 {row['p95_ms']:8.1f} ms   n={len(times)}")
    return row


def _centres(count: int) -> list[tuple[float, ...]]:
    """The first `count` of issue 22's centres."""
    lines = Path("bench/points_dense.txt").read_text().splitlines()[:count]
    return [tuple(float(v) for v in line.split()) for line in lines]


async def load_grid(settings: Settings, size: int, rivers: bool) -> None:
    """The grid network, unless the live network is this grid already."""
    name = f"{'rivers' if rivers else 'grid'}{size}.osm"
    status = await service.status(settings)
    if status is not None and status.source == name:
        print(f"network: {name}, loaded already ({status.edges} edges)")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(grid_network(size, rivers), encoding="utf-8")
        started = time.perf_counter()
        report = await service.load(settings, path)
        print(f"network: {size}x{size} grid, {path.stat().st_size / 1e6:.1f} MB of OSM XML, "
              f"loaded in {time.perf_counter() - started:.1f} s: {report}")  # fmt: skip


async def naive_driving_distance(
    engine: AsyncEngine, lon: float, lat: float, seconds: float
) -> None:
    """The issue's peer for isochrones: pgr_drivingDistance over the whole graph, from the
    vertex nearest the point (no bounding, no polygon)."""
    async with engine.connect() as connection:
        await connection.scalar(
            text(
                "SELECT count(*) FROM pgr_drivingDistance(CAST(:edges AS text), (SELECT id FROM"
                " osm.vertex ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
                " LIMIT 1), CAST(:seconds AS float8), true)"
            ),
            {"edges": edges_sql(TravelMode.motorbike), "lon": lon, "lat": lat, "seconds": seconds},
        )


async def run_minutes(
    client: AsyncClient,
    engine: AsyncEngine,
    centres: list[tuple[float, ...]],
    minutes: int,
) -> None:
    """Each kind of request once per centre, for one time; p50/p95 per kind."""
    # Nearest's radius: what a motorbike covers in the time at the top speed the search
    # bounds by (the speed table's fastest class).
    async with engine.connect() as connection:
        top_kmh = await connection.scalar(
            text("SELECT max(kmh) FROM travel_speed WHERE mode = 'motorbike'")
        )
    radius_m = round(float(top_kmh) / 3.6 * minutes * 60)
    times: dict[str, list[float]] = {
        "nearest": [],
        "travel": [],
        "isochrone": [],
        "naive_dd": [],
        "route": [],
    }
    isochrone_bytes: list[int] = []
    found = {"nearest": 0, "travel": 0}

    async def timed(kind: str, path: str, params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        response = await client.get(path, params=params)
        times[kind].append(time.perf_counter() - started)
        assert response.status_code == 200, (kind, response.status_code, response.text)
        return response.json()

    for lon, lat in [centres[0], *centres]:  # the first once more, to warm up
        near = f"{lon},{lat}"
        nearest = await timed(
            "nearest", "/v1/vacancies", {"near": near, "radius_m": radius_m, "limit": 20}
        )
        travel = await timed(
            "travel",
            "/v1/vacancies",
            {"near": near, "travel_mode": "motorbike", "max_minutes": minutes, "limit": 20},
        )
        shape = await timed(
            "isochrone",
            "/v1/isochrones",
            {"near": near, "travel_mode": "motorbike", "minutes": str(minutes)},
        )
        isochrone_bytes.append(len(json.dumps(shape)))
        started = time.perf_counter()
        await naive_driving_distance(engine, lon, lat, minutes * 60.0)
        times["naive_dd"].append(time.perf_counter() - started)
        if travel["items"]:
            first = travel["items"][0]
            await timed(
                "route",
                f"/v1/vacancies/{first['vacancy_id']}/route",
                {"near": near, "site": first["site"]["id"]},
            )
        found["nearest"] += len(nearest["items"])
        found["travel"] += len(travel["items"])
    for kind in times:
        times[kind] = times[kind][1:]  # drop the warm-up
    print(f"## {minutes} minutes by motorbike, {len(centres)} centres, nearest within {radius_m} m")
    rows = {kind: summary(kind, values) for kind, values in times.items() if values}
    nearest_p50 = rows["nearest"]["p50_ms"]
    for kind in ("travel", "isochrone", "route"):
        if kind in rows:
            print(f"{kind} / nearest (p50): {rows[kind]['p50_ms'] / nearest_p50:.1f}x")
    print(f"naive driving distance / isochrone (p50): "
          f"{rows['naive_dd']['p50_ms'] / rows['isochrone']['p50_ms']:.1f}x; isochrone GeoJSON "
          f"{statistics.median(isochrone_bytes[1:]) / 1024:.1f} KiB (median)")  # fmt: skip
    print(f"results per search: nearest {found['nearest'] / (len(centres) + 1):.1f}, "
          f"travel {found['travel'] / (len(centres) + 1):.1f}")  # fmt: skip


async def main(url: str, grid: str, minutes: list[int], count: int) -> None:
    rivers = grid.startswith("rivers")
    size = int(grid.removeprefix("rivers"))
    settings = Settings(
        database_url=url,
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
        db_statement_timeout_ms=120_000,
    )
    await load_grid(settings, size, rivers)
    engine = create_engine(settings, statement_timeout_ms=0)
    centres = _centres(count)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client,
    ):
        for each in minutes:
            await run_minutes(client, engine, centres, each)
        await engine.dispose()
        for z in (8, 10, 12, 14, 16):
            x, y = tile_of(*CENTRE, z)
            raw = packed = 0
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    response = await client.get(f"/v1/tiles/basemap/{z}/{x + dx}/{y + dy}.mvt")
                    raw += len(response.content)
                    packed += len(gzip.compress(response.content))
            print(f"basemap z{z}: 9 tiles around the centre, {raw / 9 / 1024:.1f} KiB a tile "
                  f"({packed / 9 / 1024:.1f} KiB gzip)")  # fmt: skip


if __name__ == "__main__":
    arguments = sys.argv[1:]
    asyncio.run(
        main(
            arguments[0],
            arguments[1] if len(arguments) > 1 else "120",
            [int(m) for m in (arguments[2] if len(arguments) > 2 else "15").split(",")],
            int(arguments[3]) if len(arguments) > 3 else 50,
        )
    )
