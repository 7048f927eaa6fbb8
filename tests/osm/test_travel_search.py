"""Travel-time search (`GET /v1/vacancies?near=&travel_mode=&max_minutes=`) on small towns the
tests write and import for real (osm2pgsql, pgRouting): times worked out by hand from the
geometry (Vincenty, not PostGIS) and the default speeds of migration 0015."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.osm import service
from app.search import route as route_module
from app.search import travel as travel_search
from tests.factories import CITY_CENTRE, Actors
from tests.factories import post_vacancy as post
from tests.osm.osm_files import Tags, osm_xml, write
from tests.problems import assert_problem
from tests.search.test_search import vincenty_m

LON0, LAT0 = CITY_CENTRE  # inside a commune, so sites can be posted there
STEP = 0.002  # the grid's block, about 219 m east-west and 221 m north-south
RESIDENTIAL = {"motorbike": 20 / 3.6, "bicycle": 15 / 3.6, "walk": 5 / 3.6}  # m/s
PRIMARY_MOTORBIKE = 40 / 3.6
FERRY = 10 / 3.6
FERRY_WAIT_S = 600
WALK = 5 / 3.6


def grid_node(i: int, j: int) -> int:
    return 1000 + 10 * i + j


def grid_point(i: int, j: int) -> tuple[float, float]:
    return LON0 + STEP * i, LAT0 + STEP * j


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return vincenty_m(a[0], a[1], b[0], b[1])


def grid_town(without: frozenset[int] = frozenset()) -> str:
    """A 3 x 3 grid of residential streets (nodes (i, j), i east, j north); the street from
    (1,0) to (0,0) is one-way westwards; a motorway runs straight from (0,0) to a far node
    (5,0) that the grid reaches at (2,0) -> (5,0) by a long way round; an island far east.
    `without`: the ways left out (106 is the street from (0,0) north)."""
    nodes = {grid_node(i, j): grid_point(i, j) for i in range(3) for j in range(3)}
    nodes |= {
        9001: (LON0 + STEP * 5, LAT0),
        9002: (LON0 + STEP * 5, LAT0 - STEP * 3),
        9003: (LON0 + STEP * 2, LAT0 - STEP * 3),
        9100: (LON0 + 0.03, LAT0 + 0.01),
        9101: (LON0 + 0.031, LAT0 + 0.01),
    }
    ways: dict[int, tuple[list[int], Tags]] = {}
    way = 100
    for j in range(3):
        for i in range(2):
            ways[way] = ([grid_node(i, j), grid_node(i + 1, j)], {"highway": "residential"})
            way += 1
    for i in range(3):
        for j in range(2):
            ways[way] = ([grid_node(i, j), grid_node(i, j + 1)], {"highway": "residential"})
            way += 1
    # The first way is (0,0) -> (1,0): make it one-way westwards.
    ways[100] = ([grid_node(1, 0), grid_node(0, 0)], {"highway": "residential", "oneway": "yes"})
    ways[200] = ([grid_node(0, 0), 9001], {"highway": "motorway", "ref": "CT"})
    ways[201] = ([grid_node(2, 0), 9003, 9002, 9001], {"highway": "residential"})
    ways[300] = ([9100, 9101], {"highway": "residential", "name": "Cù lao"})
    return osm_xml(nodes, {way: ways[way] for way in ways if way not in without}, {})


@pytest.fixture
async def grid(no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path) -> None:
    del no_network
    await service.load(osm_settings, write(tmp_path, "grid.osm", grid_town()))


def at(point: tuple[float, float]) -> list[dict[str, Any]]:
    return [{"positions": 1, "coordinates": {"lon": point[0], "lat": point[1]}}]


async def travel(client: AsyncClient, mode: str, minutes: int, **extra: Any) -> dict[str, Any]:
    near = extra.pop("near", grid_point(0, 0))
    params: dict[str, Any] = {"near": f"{near[0]},{near[1]}", "travel_mode": mode}
    params |= {"max_minutes": minutes, **extra}
    response = await client.get("/v1/vacancies", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def times(body: dict[str, Any]) -> dict[str, float]:
    return {item["title"]: item["travel_s"] for item in body["items"]}


def block(a: tuple[int, int], b: tuple[int, int]) -> float:
    return metres(grid_point(*a), grid_point(*b))


@pytest.mark.usefixtures("grid")
async def test_grid_times_match_the_hand_worked_ones(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    await post(client, actors.a, title="Góc xa", sites=at(grid_point(2, 2)))
    # 0.0005 degrees (55 m) north of the middle of the street (1,0)-(2,0).
    mid = ((grid_point(1, 0)[0] + grid_point(2, 0)[0]) / 2, LAT0 + 0.0005)
    await post(client, actors.a, title="Ngõ", sites=at(mid))
    await post(client, actors.a, title="Cù lao", sites=at((LON0 + 0.0305, LAT0 + 0.01)))
    speed = RESIDENTIAL["motorbike"]
    east, north = block((0, 0), (1, 0)), block((0, 0), (0, 1))
    body = await travel(client, "motorbike", 10)
    found = times(body)
    # (0,0) -> (0,1) -> (1,1): the one-way street does not matter.
    assert found["Hai khối"] == pytest.approx((east + north) / speed, abs=1)
    assert found["Góc xa"] == pytest.approx((2 * east + 2 * north) / speed, abs=1)
    # (0,0) -> (0,1) -> (1,1) -> (1,0) (one-way against us), half a block east, then the walk.
    walk = metres((mid[0], LAT0), mid)
    assert found["Ngõ"] == pytest.approx(
        (north + east + north + east / 2) / speed + walk / WALK, abs=1
    )
    first = body["items"][0]
    assert first["title"] == "Hai khối"
    assert first["travel_m"] == pytest.approx(east + north, abs=1)
    assert [item["travel_s"] for item in body["items"]] == sorted(found.values())
    assert "Cù lao" not in found  # the island: no link, not reachable, no error
    # Within 1 minute only the nearest (two blocks is about 79 s).
    assert times(await travel(client, "motorbike", 2)).keys() == {"Hai khối"}
    assert times(await travel(client, "motorbike", 1)) == {}


@pytest.mark.usefixtures("grid")
async def test_one_way_binds_motorbikes_not_walkers(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Một khối", sites=at(grid_point(1, 0)))
    east, north = block((0, 0), (1, 0)), block((0, 0), (0, 1))
    around = north + east + north
    motorbike = times(await travel(client, "motorbike", 10))["Một khối"]
    assert motorbike == pytest.approx(around / RESIDENTIAL["motorbike"], abs=1)
    bicycle = times(await travel(client, "bicycle", 10))["Một khối"]
    assert bicycle == pytest.approx(around / RESIDENTIAL["bicycle"], abs=1)
    walk = times(await travel(client, "walk", 10))["Một khối"]
    assert walk == pytest.approx(east / RESIDENTIAL["walk"], abs=1)


@pytest.mark.usefixtures("grid")
async def test_the_motorway_is_avoided_by_motorbike(client: AsyncClient, actors: Actors) -> None:
    far = (LON0 + STEP * 5, LAT0)
    await post(client, actors.a, title="Cuối cao tốc", sites=at(far))
    # Two blocks east and two north-south to (2,0) (the one-way street is in the way), then
    # the long way round (2,0) -> (2,-3) -> (5,-3) -> (5,0).
    east, north = block((0, 0), (1, 0)), block((0, 0), (0, 1))
    south = metres(grid_point(2, 0), (LON0 + STEP * 2, LAT0 - STEP * 3))
    across = metres((LON0 + STEP * 2, LAT0 - STEP * 3), (LON0 + STEP * 5, LAT0 - STEP * 3))
    up = metres((LON0 + STEP * 5, LAT0 - STEP * 3), far)
    route = north + 2 * east + north + south + across + up
    found = await travel(client, "motorbike", 10)
    item = found["items"][0]
    assert item["travel_s"] == pytest.approx(route / RESIDENTIAL["motorbike"], abs=1)
    assert item["travel_m"] == pytest.approx(route, abs=1)
    # Straight along the motorway it would be 1.1 km (about 197 s).
    assert item["travel_s"] > 2 * metres(grid_point(0, 0), far) / RESIDENTIAL["motorbike"]


@pytest.mark.usefixtures("grid")
async def test_filters_and_cursor_keep_working(client: AsyncClient, actors: Actors) -> None:
    for i in range(3):
        for j in range(3):
            await post(client, actors.a, title=f"Nút {i}{j}", sites=at(grid_point(i, j)))
    await post(client, actors.a, title="Thợ may", occupation_code="51", sites=at(grid_point(2, 2)))
    everything = await travel(client, "walk", 30)
    assert len(everything["items"]) == 10
    pages: list[str] = []
    cursor = None
    while True:
        extra = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await travel(client, "walk", 30, **extra)
        pages += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [item["title"] for item in everything["items"]]
    tailors = await travel(client, "walk", 30, occupation="51")
    assert [item["title"] for item in tailors["items"]] == ["Thợ may"]
    counted = await travel(client, "walk", 30, count="exact")
    assert counted["total"] == 10


@pytest.mark.usefixtures("grid")
@pytest.mark.parametrize("rings", [(1,), (2, 5), (3, 6)])
@pytest.mark.parametrize("candidates", [100.0, 0.3])
async def test_rings_give_the_pages_that_counting_everything_gives(
    client: AsyncClient,
    actors: Actors,
    monkeypatch: pytest.MonkeyPatch,
    rings: tuple[int, ...],
    candidates: float,
) -> None:
    """Also when a ring's sites are cut short before their filters (`candidates` per node and
    row: 0.3 looks up a site or a few on each ring)."""
    # Two sites at each node of the grid: the first rings hold some of them, never all.
    for i in range(3):
        for j in range(3):
            sites = at(grid_point(i, j)) + at(grid_point(i, j))
            await post(client, actors.a, title=f"Nút {i}{j}", sites=sites)
    await post(client, actors.a, title="Thợ may", occupation_code="51", sites=at(grid_point(2, 2)))

    async def pages(**extra: Any) -> list[list[tuple[str, float]]]:
        found, cursor = [], None
        while True:
            more = {"limit": 4, **extra} | ({"cursor": cursor} if cursor else {})
            page = await travel(client, "walk", 30, **more)
            found.append([(item["title"], item["travel_s"]) for item in page["items"]])
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    everything = {"everywhere": await pages(), "tailors": await pages(occupation="51")}
    monkeypatch.setattr(travel_search, "RINGS", rings)
    monkeypatch.setattr(travel_search, "CANDIDATES", candidates)
    assert await pages() == everything["everywhere"]
    assert await pages(occupation="51") == everything["tailors"]
    assert sum(len(page) for page in everything["everywhere"]) == 19


@pytest.mark.usefixtures("grid")
async def test_a_ring_never_hides_a_sooner_site(
    client: AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From (2,0), the long way round runs 660 m south: six sites near its far end lie on a
    # road of the first ring (it touches (2,0)); a site at (1,1), 440 m away, does not.
    far = (LON0 + 2 * STEP, LAT0 - 3 * STEP + 0.0002)
    await post(client, actors.a, title="Cuối đường", sites=at(far) * 6)
    await post(client, actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    monkeypatch.setattr(travel_search, "RINGS", (2,))
    page = await travel(client, "walk", 30, near=grid_point(2, 0), limit=4)
    titles = [item["title"] for item in page["items"]]
    assert titles == ["Hai khối"] + ["Cuối đường"] * 3


@pytest.mark.parametrize("endpoint", ["search", "isochrones", "route"])
async def test_a_network_dropped_after_the_check_is_a_409_not_a_500(
    no_network: AsyncEngine,
    client: AsyncClient,
    actors: Actors,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
) -> None:
    """The check finds a network (routes check first; search and isochrones have their first
    read fail instead), then `DROP SCHEMA osm` removes it before the reads: the reads fail on
    the missing tables, which is the same answer as no network at all."""
    del no_network

    async def found_one(session: AsyncSession) -> None:
        del session

    monkeypatch.setattr(route_module, "check_network", found_one)
    near = "105.97,10.25"
    if endpoint == "search":
        params = {"near": near, "travel_mode": "walk", "max_minutes": "5"}
        response = await client.get("/v1/vacancies", params=params)
    elif endpoint == "isochrones":
        params = {"near": near, "travel_mode": "walk", "minutes": "5"}
        response = await client.get("/v1/isochrones", params=params)
    else:
        vacancy = await post(client, actors.a, title="Thợ điện")
        response = await client.get(f"/v1/vacancies/{vacancy['id']}/route", params={"near": near})
    assert_problem(response, 409)
    assert response.json()["errors"][0]["type"] == "no_street_network"


async def test_no_network_is_a_409_naming_the_command(
    no_network: AsyncEngine, client: AsyncClient
) -> None:
    del no_network
    response = await client.get(
        "/v1/vacancies", params={"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": 5}
    )
    assert_problem(response, 409)
    assert "street network" in response.json()["detail"]
    assert "jobmap osm load" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"near": "105.97,10.25", "travel_mode": "car", "max_minutes": 5},
        {"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": 0},
        {"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": 121},
        {"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": "x"},
        {"near": "105.97,10.25", "travel_mode": "walk"},
        {"near": "105.97,10.25", "max_minutes": 5},
        {"travel_mode": "walk", "max_minutes": 5},
        {"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": 5, "sort": "distance"},
        {"near": "105.97,10.25", "sort": "travel_time"},
        {"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": 5, "facets": "true"},
    ],
)
@pytest.mark.usefixtures("grid")
async def test_bad_parameters_are_422(client: AsyncClient, params: dict[str, Any]) -> None:
    assert_problem(await client.get("/v1/vacancies", params=params), 422)


@pytest.mark.usefixtures("grid")
async def test_geojson_does_not_pretend(client: AsyncClient) -> None:
    params: dict[str, Any] = {"near": "105.97,10.25", "travel_mode": "walk", "max_minutes": 5}
    assert_problem(await client.get("/v1/vacancies.geojson", params=params), 422)


@pytest.mark.usefixtures("grid")
async def test_origin_far_from_any_road_reaches_nothing(
    client: AsyncClient, actors: Actors
) -> None:
    await post(client, actors.a, title="Hai khối", sites=at(grid_point(1, 1)))
    body = await travel(client, "motorbike", 60, near=(LON0 - 0.01, LAT0))  # 1.1 km west
    assert body["items"] == []


# The river: west bank x = 0, east bank x = 0.003 (about 330 m); a bridge 0.02 degrees
# (2.2 km) south of the origin, a ferry 0.005 degrees (550 m) north of it.
RIVER_NODES = {
    1: (LON0, LAT0),  # the origin, on the west bank
    2: (LON0, LAT0 - 0.02),  # the bridge's west end
    3: (LON0 + 0.003, LAT0 - 0.02),  # its east end
    4: (LON0 + 0.003, LAT0),  # straight across from the origin
    5: (LON0, LAT0 + 0.005),  # the ferry's west landing
    6: (LON0 + 0.003, LAT0 + 0.005),  # its east landing
}
RIVER_WAYS: dict[int, tuple[list[int], Tags]] = {
    10: ([5, 1, 2], {"highway": "residential"}),
    11: ([2, 3], {"highway": "primary", "bridge": "yes"}),
    12: ([3, 4, 6], {"highway": "residential"}),
    13: ([5, 6], {"route": "ferry"}),
}


@pytest.fixture
async def river(no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path) -> None:
    del no_network
    xml = osm_xml(RIVER_NODES, RIVER_WAYS, {})
    await service.load(osm_settings, write(tmp_path, "river.osm", xml))


def river_m(a: int, b: int) -> float:
    return metres(RIVER_NODES[a], RIVER_NODES[b])


@pytest.mark.usefixtures("river")
async def test_river_bridge_and_ferry(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Bên kia sông", sites=at(RIVER_NODES[4]))
    await post(client, actors.a, title="Bến phà", sites=at(RIVER_NODES[6]))
    bike = RESIDENTIAL["motorbike"]
    # 330 m away, but the nearest crossing is far: not within 10 minutes.
    assert times(await travel(client, "motorbike", 10, near=RIVER_NODES[1])) == {}
    found = await travel(client, "motorbike", 20, near=RIVER_NODES[1])
    by_title = {item["title"]: item for item in found["items"]}
    by_bridge = river_m(1, 2) / bike + river_m(2, 3) / PRIMARY_MOTORBIKE + river_m(3, 4) / bike
    assert by_title["Bên kia sông"]["travel_s"] == pytest.approx(by_bridge, abs=1)
    # The ferry landing: across by ferry, its wait counted, beats the bridge.
    by_ferry = river_m(1, 5) / bike + river_m(5, 6) / FERRY + FERRY_WAIT_S
    assert by_ferry < by_bridge + river_m(4, 6) / bike
    assert by_title["Bến phà"]["travel_s"] == pytest.approx(by_ferry, abs=1)
    assert by_title["Bến phà"]["travel_m"] == pytest.approx(river_m(1, 5) + river_m(5, 6), abs=1)


async def contains(
    session: AsyncSession, geometry: dict[str, Any], point: tuple[float, float]
) -> bool:
    return bool(
        await session.scalar(
            text(
                "SELECT ST_Contains(ST_GeomFromGeoJSON(:g), ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"g": json.dumps(geometry), "x": point[0], "y": point[1]},
        )
    )


@pytest.mark.usefixtures("grid")
async def test_isochrones_follow_the_streets(client: AsyncClient, session: AsyncSession) -> None:
    lon, lat = grid_point(0, 0)
    response = await client.get(
        "/v1/isochrones", params={"near": f"{lon},{lat}", "travel_mode": "walk", "minutes": "10,5"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    five, ten = response.json()["features"]
    assert (five["properties"]["minutes"], ten["properties"]["minutes"]) == (5, 10)
    # Walking 5 minutes is 417 m: one block (219 m) but not two (440 m).
    assert await contains(session, five["geometry"], grid_point(1, 0))
    assert not await contains(session, five["geometry"], grid_point(1, 1))
    # 10 minutes, 833 m: three blocks (659 m), not four (880 m), nor the island.
    assert await contains(session, ten["geometry"], grid_point(2, 1))
    assert not await contains(session, ten["geometry"], grid_point(2, 2))
    assert not await contains(session, ten["geometry"], (LON0 + 0.0305, LAT0 + 0.01))
    # Every road wholly reached lies inside, all along (drawn from 50 m cells, simplified to
    # 12.5 m, widened by 25 m): points every 20 m on the streets between the nodes reached.
    reached = [(i, j) for i in range(3) for j in range(3) if i + j <= 3]
    streets = [(a, b) for a in reached for b in reached if a < b and math.dist(a, b) == 1]
    outside = await session.scalar(
        text(
            "SELECT count(*) FROM jsonb_array_elements(CAST(:streets AS jsonb)) AS s, "
            "generate_series(0, 10) AS k WHERE NOT ST_Contains(ST_GeomFromGeoJSON(:g), "
            "ST_LineInterpolatePoint(ST_SetSRID(ST_MakeLine(ST_MakePoint((s->>0)::float8, "
            "(s->>1)::float8), ST_MakePoint((s->>2)::float8, (s->>3)::float8)), 4326), k / 10.0))"
        ).bindparams(
            streets=json.dumps([[*grid_point(*a), *grid_point(*b)] for a, b in streets]),
            g=json.dumps(ten["geometry"]),
        )
    )
    assert len(streets) == 10
    assert outside == 0
    # The block between (0,0) and (1,1) is walled by streets reached in 10 minutes: its middle,
    # 110 m from them, is no hole in the area (holes under 0.1 km² are left out).
    middle = (LON0 + STEP / 2, LAT0 + STEP / 2)
    assert not await contains(session, five["geometry"], middle)
    assert await contains(session, ten["geometry"], middle)
    polygons = ten["geometry"]["coordinates"]
    if ten["geometry"]["type"] == "Polygon":
        polygons = [polygons]
    assert [len(rings) for rings in polygons] == [1] * len(polygons)


async def test_isochrones_without_network_are_409(
    no_network: AsyncEngine, client: AsyncClient
) -> None:
    del no_network
    response = await client.get(
        "/v1/isochrones", params={"near": "105.97,10.25", "travel_mode": "walk", "minutes": "5"}
    )
    assert_problem(response, 409)
    assert "jobmap osm load" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"near": "105.97,10.25", "travel_mode": "car", "minutes": "5"},
        {"near": "105.97,10.25", "travel_mode": "walk", "minutes": "0"},
        {"near": "105.97,10.25", "travel_mode": "walk", "minutes": "5,121"},
        {"near": "105.97,10.25", "travel_mode": "walk", "minutes": "a"},
        {"near": "105.97,10.25", "travel_mode": "walk", "minutes": "1,2,3,4,5,6,7"},
        {"near": "200,10.25", "travel_mode": "walk", "minutes": "5"},
        {"travel_mode": "walk", "minutes": "5"},
    ],
)
@pytest.mark.usefixtures("grid")
async def test_isochrones_bad_parameters_are_422(
    client: AsyncClient, params: dict[str, Any]
) -> None:
    assert_problem(await client.get("/v1/isochrones", params=params), 422)
