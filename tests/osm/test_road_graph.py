"""The routing graph each worker keeps in memory (app/search/road_graph.py): the same nodes and
seconds as pgRouting over the same edges, a reload or a recost routed on by the next request,
a loop road, and isochrones that keep the holes of a size (a river's island, a large block)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.models.travel_speed import TravelMode
from app.osm import service
from app.osm.queries import edges_sql
from app.search import joints, reuse
from app.search.reach import reach as routed
from tests.conftest import Live
from tests.factories import CITY_CENTRE
from tests.factories import post_vacancy as post
from tests.osm.osm_files import NODES, osm_xml, write
from tests.osm.test_travel_search import (  # noqa: F401
    RESIDENTIAL,
    at,
    block,
    contains,
    grid,
    grid_point,
    grid_town,
    times,
    travel,
)

_DRIVING = text(
    "SELECT node, agg_cost FROM pgr_drivingDistance(CAST(:edges AS text), CAST(-1 AS bigint),"
    " CAST(:seconds AS float8), true) WHERE node <> -1"
)


async def pgrouting_reach(
    session: AsyncSession, mode: TravelMode, joint: joints.Joint, seconds: float
) -> dict[int, float]:
    """What the search routed on before: pgr_drivingDistance from the origin's virtual vertex."""
    edges = edges_sql(mode) + joints.edges_from_origin(joint)
    rows = await session.execute(_DRIVING, {"edges": edges, "seconds": seconds})
    return {int(node): float(cost) for node, cost in rows}


async def assert_same_as_pgrouting(
    session: AsyncSession,
    points: list[tuple[float, float]],
    seconds: float,
    first_s: float | None = None,
) -> int:
    """Every mode from every point: the same nodes, the same seconds. The nodes compared."""
    compared = 0
    for mode in TravelMode:
        for lon, lat in points:
            joint = await joints.join(session, mode, lon, lat)
            assert joint is not None
            reach = await routed(session, joint, mode, seconds, first_s=first_s)
            nodes, found = reach.nodes()
            expected = await pgrouting_reach(session, mode, joint, seconds)
            assert dict(zip(nodes, found, strict=True)) == pytest.approx(expected, abs=1e-6)
            assert found == sorted(found)
            compared += len(nodes)
    return compared


@pytest.mark.usefixtures("town")
async def test_the_same_nodes_and_seconds_as_pgrouting(session: AsyncSession) -> None:
    """The town: one-way streets, a motorway, a footway, a bridge, a ferry and an island."""
    points = [NODES[1], NODES[4], (106.0015, 10.0002), (106.0061, 10.002), (106.0008, 10.0042)]
    assert await assert_same_as_pgrouting(session, points, 1800) > 30
    # Routed first within 10 s, then as far as all of them ask.
    assert await assert_same_as_pgrouting(session, points, 1800, first_s=10) > 30


@pytest.mark.usefixtures("town")
async def test_a_short_first_route_gives_the_rings_a_whole_one_gives(
    session: AsyncSession,
) -> None:
    """Routed first within a few seconds, a search routes farther as its rings need: each
    ring, with and without a cursor, is the one a whole route gives."""
    for mode in TravelMode:
        joint = await joints.join(session, mode, 106.0015, 10.0002)
        assert joint is not None
        whole = await routed(session, joint, mode, 1800)
        for size in (1, 2, 3, 5, 8, 13, 40):
            for after_s in (-1.0, 30.0, 200.0):
                short = await routed(session, joint, mode, 1800, first_s=1)
                got, expected = short.ring(size, after_s), whole.ring(size, after_s)
                assert (got.bound, got.whole) == (expected.bound, expected.whole)
                assert sorted(got.roads) == sorted(expected.roads)


async def test_a_loop_road_is_left_by_its_quicker_way_round(
    no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path, session: AsyncSession
) -> None:
    """A closed way meeting one other road at one node: an edge from that node to itself, so
    the origin's two ends are one vertex, and the quicker way round it counts."""
    del no_network
    lon, lat = CITY_CENTRE
    nodes = {
        1: (lon, lat),
        2: (lon + 0.004, lat),
        3: (lon + 0.004, lat + 0.001),
        4: (lon, lat + 0.001),
        5: (lon - 0.003, lat),
    }
    ways = {
        10: ([1, 2, 3, 4, 1], {"highway": "residential"}),
        11: ([1, 5], {"highway": "primary"}),
    }
    await service.load(osm_settings, write(tmp_path, "loop.osm", osm_xml(nodes, ways, {})))
    loops = await session.scalar(text("SELECT count(*) FROM osm.edge WHERE source = target"))
    assert loops == 1
    points = [(lon + 0.0006, lat + 0.0011), (lon + 0.0039, lat + 0.0009), (lon + 0.002, lat)]
    assert await assert_same_as_pgrouting(session, points, 600) > 0


@pytest.mark.usefixtures("grid")
async def test_a_recost_is_routed_on_by_the_next_search(live: Live, osm_settings: Settings) -> None:
    """The worker routed on the old costs already; after `jobmap osm recost` it routes on the
    new ones, with no restart."""
    await post(live.client, live.actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    blocks = block((0, 0), (1, 0)) + block((0, 0), (0, 1))
    found = times(await travel(live.client, "motorbike", 10))
    assert found["Hai khối"] == pytest.approx(blocks / RESIDENTIAL["motorbike"], abs=1)
    slower = "UPDATE travel_speed SET kmh = :kmh WHERE road_class = 'residential' AND mode = :m"
    async with live.engine.begin() as connection:
        kmh = await connection.scalar(
            text("SELECT kmh FROM travel_speed WHERE road_class = 'residential' AND mode = :m"),
            {"m": "motorbike"},
        )
        await connection.execute(text(slower), {"kmh": 10, "m": "motorbike"})
    try:
        await service.recost(osm_settings)
        found = times(await travel(live.client, "motorbike", 10))
        assert found["Hai khối"] == pytest.approx(blocks / (10 / 3.6), abs=1)
    finally:
        async with live.engine.begin() as connection:
            await connection.execute(text(slower), {"kmh": kmh, "m": "motorbike"})
        await service.recost(osm_settings)


@pytest.mark.usefixtures("grid")
async def test_a_reload_is_routed_on_by_the_next_search(
    live: Live, osm_settings: Settings, tmp_path: Path
) -> None:
    await post(live.client, live.actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    blocks = block((0, 0), (1, 0)) + block((0, 0), (0, 1))
    found = times(await travel(live.client, "motorbike", 10))
    assert found["Hai khối"] == pytest.approx(blocks / RESIDENTIAL["motorbike"], abs=1)
    # The same town with primary roads (40 km/h by motorbike) instead of residential ones.
    primary = grid_town().replace('v="residential"', 'v="primary"')
    await service.load(osm_settings, write(tmp_path, "primary.osm", primary))
    found = times(await travel(live.client, "motorbike", 10))
    assert found["Hai khối"] == pytest.approx(blocks / (40 / 3.6), abs=1)


async def test_isochrones_keep_a_large_block_as_a_hole(
    no_network: AsyncEngine,
    osm_settings: Settings,
    tmp_path: Path,
    client: Any,
    session: AsyncSession,
) -> None:
    """A ring road around 1.2 km² with nothing inside, reached all round: its inside is a hole
    (holes under 0.1 km², the blocks between streets, are filled)."""
    del no_network
    lon, lat = CITY_CENTRE
    side = 0.01  # about 1.1 km
    nodes = {
        1: (lon, lat),
        2: (lon + side, lat),
        3: (lon + side, lat + side),
        4: (lon, lat + side),
        5: (lon - 0.002, lat),
    }
    ways = {
        10: ([1, 2, 3, 4, 1], {"highway": "residential"}),
        11: ([1, 5], {"highway": "residential"}),
    }
    await service.load(osm_settings, write(tmp_path, "ring.osm", osm_xml(nodes, ways, {})))
    params = {"near": f"{lon},{lat}", "travel_mode": "motorbike", "minutes": "15"}
    response = await client.get("/v1/isochrones", params=params)
    assert response.status_code == 200, response.text
    (area,) = response.json()["features"]
    geometry = area["geometry"]
    assert geometry["type"] == "Polygon"
    assert len(geometry["coordinates"]) == 2  # the outline and the block inside
    assert not await contains(session, geometry, (lon + side / 2, lat + side / 2))
    for corner in (2, 3, 4, 5):
        assert await contains(session, geometry, nodes[corner])
    assert json.dumps(geometry).count("[") < 200  # traced cells, simplified: a few corners


@pytest.mark.usefixtures("grid")
async def test_the_kept_ring_statement_runs_with_each_search_s_values(
    client: Any, actors: Any
) -> None:
    """The ring statement is built once per shape and kept (app/search/reuse.py): a second
    search from elsewhere, with another page size and a cursor, gets its own times."""
    reuse.clear()
    await post(client, actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    await post(client, actors.a, title="Góc xa", sites=at(grid_point(2, 2)))
    speed = RESIDENTIAL["motorbike"]
    east, north = block((0, 0), (1, 0)), block((0, 0), (0, 1))
    first = times(await travel(client, "motorbike", 10))
    assert first == pytest.approx(
        {"Hai khối": (east + north) / speed, "Góc xa": (2 * east + 2 * north) / speed}, abs=1
    )
    kept = [key for key in reuse._statements if key[0] == "travel"]
    assert kept
    # From (2,2): the corner is where we stand, the middle two blocks away.
    here = await travel(client, "motorbike", 10, near=grid_point(2, 2), limit=1)
    assert times(here) == pytest.approx({"Góc xa": 0.0}, abs=1)
    after = await travel(
        client, "motorbike", 10, near=grid_point(2, 2), limit=1, cursor=here["next_cursor"]
    )
    assert times(after) == pytest.approx({"Hai khối": (east + north) / speed}, abs=1)
    assert [key for key in reuse._statements if key[0] == "travel"] != kept  # with a cursor


@pytest.mark.usefixtures("grid")
async def test_searches_at_once_each_get_their_own_times_and_lengths(live: Live) -> None:
    """Searches of one worker interleave at their statements; the graph's origin entries are
    each search's own while it routes, and its lengths from the origin stay its own after."""
    await post(live.client, live.actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    await post(live.client, live.actors.a, title="Góc xa", sites=at(grid_point(2, 2)))
    starts = [grid_point(i, j) for i in range(3) for j in range(3)] * 3

    async def search(near: tuple[float, float]) -> list[tuple[str, float, float]]:
        body = await travel(live.client, "walk", 30, near=near)
        return [(item["title"], item["travel_s"], item["travel_m"]) for item in body["items"]]

    alone = [await search(near) for near in starts]
    together = await asyncio.gather(*(search(near) for near in starts))
    assert together == alone
    assert all(found for found in alone)
