"""Travel-time search, isochrones, routes and basemap tiles (issue 16) on a street network the
bench writes itself (no OpenStreetMap extract can be downloaded here): a grid of residential
streets every ~220 m with a primary road every fifth line, over a square around the dense old
Vĩnh Long area, imported for real (osm2pgsql, pgRouting).

Side by side in one run, request by request, on the same centres (bench/points_dense.txt):
  nearest  - GET /v1/vacancies?near=..&radius_m=R&limit=20 (straight line: the peer)
  travel   - GET /v1/vacancies?near=..&travel_mode=motorbike&max_minutes=M&limit=20
  isochrone- GET /v1/isochrones?near=..&travel_mode=motorbike&minutes=M
  route    - GET /v1/vacancies/{id}/route?near=.. to the travel search's first result
and the bytes of basemap tiles around the centre (raw and gzip) at z12, z14 and z16.

    PYTHONPATH=. .venv/bin/python bench/travel.py DATABASE_URL [GRID] [MINUTES] [CENTRES]

DATABASE_URL holds vacancies already (`jobmap demo load`); the network is loaded into it and
left there (loaded again only when the grid's size differs). MINUTES is one time or several
("5,15,30,45"), each run over the same centres. The statement timeout is raised to 120 s, so
that a slow search is measured rather than cut at 5 s (the service's default answers 503).
The service runs in-process (ASGI): the timings are the work of one request.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app
from app.osm import service
from tests.osm.osm_files import Tags, osm_xml

CENTRE = (105.97, 10.20)
STEP = 0.002  # about 220 m


def grid_network(size: int) -> str:
    """size x size nodes around CENTRE; residential streets, a primary road every 5th line."""
    half = size // 2
    nodes: dict[int, tuple[float, float]] = {}
    for i in range(size):
        for j in range(size):
            nodes[1 + i * size + j] = (
                round(CENTRE[0] + (i - half) * STEP, 6),
                round(CENTRE[1] + (j - half) * STEP, 6),
            )
    ways: dict[int, tuple[list[int], Tags]] = {}
    way = 1
    for line in range(size):
        tags: Tags = {"highway": "primary" if line % 5 == 0 else "residential"}
        ways[way] = ([1 + line * size + j for j in range(size)], dict(tags))  # north-south
        ways[way + 1] = ([1 + i * size + line for i in range(size)], dict(tags))  # east-west
        way += 2
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


async def load_grid(settings: Settings, size: int) -> None:
    """The grid network, unless the live network is this grid already."""
    name = f"grid{size}.osm"
    status = await service.status(settings)
    if status is not None and status.source == name:
        print(f"network: {size}x{size} grid, loaded already ({status.edges} edges)")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(grid_network(size), encoding="utf-8")
        started = time.perf_counter()
        report = await service.load(settings, path)
        print(f"network: {size}x{size} grid, {path.stat().st_size / 1e6:.1f} MB of OSM XML, "
              f"loaded in {time.perf_counter() - started:.1f} s: {report}")  # fmt: skip


async def run_minutes(client: AsyncClient, centres: list[tuple[float, ...]], minutes: int) -> None:
    """Each kind of request once per centre, for one time; p50/p95 per kind."""
    # Nearest's radius: what a motorbike covers in the time at the top speed the search bounds by.
    radius_m = 10_000
    times: dict[str, list[float]] = {"nearest": [], "travel": [], "isochrone": [], "route": []}
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
        await timed(
            "isochrone",
            "/v1/isochrones",
            {"near": near, "travel_mode": "motorbike", "minutes": str(minutes)},
        )
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
    print(f"## {minutes} minutes by motorbike, {len(centres)} centres")
    rows = {kind: summary(kind, values) for kind, values in times.items() if values}
    nearest_p50 = rows["nearest"]["p50_ms"]
    for kind in ("travel", "isochrone", "route"):
        if kind in rows:
            print(f"{kind} / nearest (p50): {rows[kind]['p50_ms'] / nearest_p50:.1f}x")
    print(f"results per search: nearest {found['nearest'] / (len(centres) + 1):.1f}, "
          f"travel {found['travel'] / (len(centres) + 1):.1f}")  # fmt: skip


async def main(url: str, size: int, minutes: list[int], count: int) -> None:
    settings = Settings(
        database_url=url,
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
        db_statement_timeout_ms=120_000,
    )
    await load_grid(settings, size)
    centres = [
        tuple(float(v) for v in line.split())
        for line in Path("bench/points_dense.txt").read_text().splitlines()[:count]
    ]
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client,
    ):
        for each in minutes:
            await run_minutes(client, centres, each)
        for z in (12, 14, 16):
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
            int(arguments[1]) if len(arguments) > 1 else 120,
            [int(m) for m in (arguments[2] if len(arguments) > 2 else "15").split(",")],
            int(arguments[3]) if len(arguments) > 3 else 50,
        )
    )
