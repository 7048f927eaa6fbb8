"""The route to a vacancy's site (`GET /v1/vacancies/{id}/route`) on the towns of the
travel-time search's tests: the same times the search gives, a line from the start to the site
along the streets, one-way streets, the same road, a river's bridge and ferry, and every way it
cannot be answered."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import Actors
from tests.factories import post_vacancy as post

# The towns' fixtures (grid, river) come with the names they are used by.
from tests.osm.test_travel_search import (  # noqa: F401
    FERRY,
    FERRY_WAIT_S,
    LAT0,
    LON0,
    PRIMARY_MOTORBIKE,
    RESIDENTIAL,
    RIVER_NODES,
    STEP,
    at,
    block,
    grid,
    grid_point,
    metres,
    river,
    river_m,
    travel,
)
from tests.problems import assert_problem

GEOJSON = "application/geo+json"


async def get_route(
    client: AsyncClient, vacancy_id: str, near: tuple[float, float], **params: Any
) -> Response:
    return await client.get(
        f"/v1/vacancies/{vacancy_id}/route", params={"near": f"{near[0]},{near[1]}", **params}
    )


async def route_of(
    client: AsyncClient, vacancy_id: str, near: tuple[float, float], **params: Any
) -> dict[str, Any]:
    response = await get_route(client, vacancy_id, near, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(GEOJSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == "Feature"
    return body


def passes(line: dict[str, Any], point: tuple[float, float]) -> bool:
    return any(
        abs(x - point[0]) < 1e-6 and abs(y - point[1]) < 1e-6 for x, y in line["coordinates"]
    )


def ends(line: dict[str, Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    first, last = line["coordinates"][0], line["coordinates"][-1]
    return (first[0], first[1]), (last[0], last[1])


def line_m(line: dict[str, Any]) -> float:
    points = [(x, y) for x, y in line["coordinates"]]
    return sum(metres(a, b) for a, b in itertools.pairwise(points))


@pytest.mark.usefixtures("grid")
async def test_the_route_takes_the_searchs_time_along_the_streets(
    client: AsyncClient, actors: Actors
) -> None:
    corner = await post(client, actors.a, title="Góc xa", sites=at(grid_point(2, 2)))
    start = grid_point(0, 0)
    found = await route_of(client, corner["id"], start)
    east, north = block((0, 0), (1, 0)), block((0, 0), (0, 1))
    speed = RESIDENTIAL["motorbike"]
    properties = found["properties"]
    assert properties["travel_mode"] == "motorbike"  # the default
    assert properties["reason"] is None
    assert properties["travel_s"] == pytest.approx((2 * east + 2 * north) / speed, abs=1)
    assert properties["travel_m"] == pytest.approx(2 * east + 2 * north, abs=2)
    # The search gives the same site the same time.
    searched = await travel(client, "motorbike", 10)
    assert searched["items"][0]["travel_s"] == pytest.approx(properties["travel_s"], abs=0.5)
    assert searched["items"][0]["travel_m"] == pytest.approx(properties["travel_m"], abs=1)
    assert properties["site_id"] == searched["items"][0]["site"]["id"]
    line = found["geometry"]
    assert line["type"] == "LineString"
    first, last = ends(line)
    assert first == pytest.approx(start)
    assert last == pytest.approx(grid_point(2, 2))
    assert line_m(line) == pytest.approx(properties["travel_m"], abs=2)
    # Along the streets: every vertex of the line is a node of the grid here.
    for x, y in line["coordinates"]:
        i, j = (x - LON0) / STEP, (y - LAT0) / STEP
        assert min(abs(i - round(i)), abs(j - round(j))) < 1e-6, (x, y)


@pytest.mark.usefixtures("grid")
async def test_one_way_streets_bind_the_motorbike_not_the_walker(
    client: AsyncClient, actors: Actors
) -> None:
    vacancy = await post(client, actors.a, title="Một khối", sites=at(grid_point(1, 0)))
    start = grid_point(0, 0)
    east, north = block((0, 0), (1, 0)), block((0, 0), (0, 1))
    ride = await route_of(client, vacancy["id"], start, travel_mode="motorbike")
    assert ride["properties"]["travel_s"] == pytest.approx(
        (north + east + north) / RESIDENTIAL["motorbike"], abs=1
    )
    assert passes(ride["geometry"], grid_point(1, 1))
    walk = await route_of(client, vacancy["id"], start, travel_mode="walk")
    assert walk["properties"]["travel_s"] == pytest.approx(east / RESIDENTIAL["walk"], abs=1)
    assert not passes(walk["geometry"], grid_point(1, 1))


@pytest.mark.usefixtures("grid")
async def test_start_and_site_on_the_same_street(client: AsyncClient, actors: Actors) -> None:
    # Both on the street (0,1)-(1,1): a quarter and three quarters of the way along it.
    a, b = grid_point(0, 1), grid_point(1, 1)
    start = (a[0] + (b[0] - a[0]) / 4, a[1])
    there = (a[0] + 3 * (b[0] - a[0]) / 4, a[1])
    vacancy = await post(client, actors.a, title="Cùng phố", sites=at(there))
    found = await route_of(client, vacancy["id"], start)
    half = block((0, 1), (1, 1)) / 2
    assert found["properties"]["travel_s"] == pytest.approx(half / RESIDENTIAL["motorbike"], abs=1)
    assert found["properties"]["travel_m"] == pytest.approx(half, abs=2)
    assert not passes(found["geometry"], a)
    assert not passes(found["geometry"], b)
    # The search rides straight along the street too, rather than round by a corner.
    searched = (await travel(client, "motorbike", 5, near=start))["items"][0]
    assert searched["title"] == "Cùng phố"
    assert searched["travel_s"] == pytest.approx(found["properties"]["travel_s"], abs=0.5)
    assert searched["travel_m"] == pytest.approx(found["properties"]["travel_m"], abs=1)


@pytest.mark.usefixtures("grid")
async def test_the_nearest_site_unless_one_is_named(client: AsyncClient, actors: Actors) -> None:
    vacancy = await post(
        client, actors.a, title="Hai nơi", sites=at(grid_point(2, 2)) + at(grid_point(0, 1))
    )
    sites = {(site["lon"], site["lat"]): site["id"]
             for site in vacancy["sites"]}  # fmt: skip
    found = await route_of(client, vacancy["id"], grid_point(0, 0))
    assert ends(found["geometry"])[1] == pytest.approx(grid_point(0, 1))
    far_site = found["properties"]["site_id"]
    others = [site_id for site_id in sites.values() if site_id != far_site]
    assert len(others) == 1
    named = await route_of(client, vacancy["id"], grid_point(0, 0), site=others[0])
    assert named["properties"]["site_id"] == others[0]
    assert ends(named["geometry"])[1] == pytest.approx(grid_point(2, 2))


@pytest.mark.usefixtures("river")
async def test_across_the_river_by_bridge_or_ferry(client: AsyncClient, actors: Actors) -> None:
    across = await post(client, actors.a, title="Bên kia sông", sites=at(RIVER_NODES[4]))
    landing = await post(client, actors.a, title="Bến phà", sites=at(RIVER_NODES[6]))
    bike = RESIDENTIAL["motorbike"]
    by_bridge = await route_of(client, across["id"], RIVER_NODES[1])
    expected = river_m(1, 2) / bike + river_m(2, 3) / PRIMARY_MOTORBIKE + river_m(3, 4) / bike
    assert by_bridge["properties"]["travel_s"] == pytest.approx(expected, abs=1)
    assert passes(by_bridge["geometry"], RIVER_NODES[2])
    assert passes(by_bridge["geometry"], RIVER_NODES[3])
    by_ferry = await route_of(client, landing["id"], RIVER_NODES[1])
    expected = river_m(1, 5) / bike + river_m(5, 6) / FERRY + FERRY_WAIT_S
    assert by_ferry["properties"]["travel_s"] == pytest.approx(expected, abs=1)
    assert passes(by_ferry["geometry"], RIVER_NODES[5])
    assert not passes(by_ferry["geometry"], RIVER_NODES[2])


@pytest.mark.usefixtures("grid")
async def test_no_route_says_why(client: AsyncClient, actors: Actors) -> None:
    island = await post(client, actors.a, title="Cù lao", sites=at((LON0 + 0.0305, LAT0 + 0.01)))
    corner = await post(client, actors.a, title="Góc", sites=at(grid_point(2, 2)))
    cut_off = await route_of(client, island["id"], grid_point(0, 0))
    assert cut_off["geometry"] is None
    assert cut_off["properties"]["reason"] == "no_route"
    assert cut_off["properties"]["travel_s"] is None
    far_start = await route_of(client, corner["id"], (LON0 - 0.01, LAT0))  # 1.1 km west
    assert far_start["properties"]["reason"] == "start_off_network"
    assert far_start["geometry"] is None
    off_road = await post(client, actors.a, title="Đồng", sites=at((LON0, LAT0 + 0.02)))
    assert (await route_of(client, off_road["id"], grid_point(0, 0)))["properties"][
        "reason"
    ] == "site_off_network"


@pytest.mark.usefixtures("grid")
async def test_what_cannot_be_routed_is_4xx(client: AsyncClient, actors: Actors) -> None:
    mine = await post(client, actors.a, title="Của tôi", sites=at(grid_point(1, 1)))
    other = await post(client, actors.b, title="Của người khác", sites=at(grid_point(2, 1)))
    start = grid_point(0, 0)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_problem(await get_route(client, unknown, start), 404)
    other_site = other["sites"][0]["id"]
    assert_problem(await get_route(client, mine["id"], start, site=other_site), 404)
    for bad in (
        {"near": "200,10"},
        {"near": "105.9"},
        {"near": "x,y"},
        {"travel_mode": "car"},
        {"site": "0"},
        {"site": "abc"},
    ):
        params = {"near": f"{start[0]},{start[1]}", **bad}
        response = await client.get(f"/v1/vacancies/{mine['id']}/route", params=params)
        assert_problem(response, 422)
    assert_problem(await get_route(client, "not-a-uuid", start), 422)
    # A search's parameter is not this one's: refused, not ignored.
    misspelt = await get_route(client, mine["id"], start, radius_m="5000")
    assert_problem(misspelt, 400)
    assert misspelt.json()["accepted"] == ["near", "site", "travel_mode"]
    # A closed vacancy is not listed: no route to it.
    closed = await client.post(
        f"/v1/vacancies/{mine['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert closed.status_code == 200, closed.text
    assert_problem(await get_route(client, mine["id"], start), 404)


async def test_without_a_network_it_is_409(
    no_network: AsyncEngine, client: AsyncClient, actors: Actors
) -> None:
    del no_network
    vacancy = await post(client, actors.a)
    site = vacancy["sites"][0]
    response = await get_route(client, vacancy["id"], (site["lon"] + 0.001, site["lat"]))
    assert_problem(response, 409)
    assert "jobmap osm load" in response.json()["detail"]
