"""The plain viewport answered before routing (app/search/fast_path.py): the GeoJSON collection
of `GET /v1/vacancies.geojson?bbox=...&limit=...`, exactly what the route answers, counted
against the same rate limit; everything else is left to the route."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.conftest import Live
from tests.factories import CITY_CENTRE, Actors, vacancy_payload
from tests.factories import post_vacancy as post
from tests.problems import assert_problem
from tests.search.test_fast_path import (
    HIDDEN,
    answered,
    post_hidden,
    route_out_of_order,
    same_answer,
    the_same_limit,
)
from tests.search.test_search import at

LON, LAT = CITY_CENTRE
BOX = f"{LON - 0.02},{LAT - 0.02},{LON + 0.02},{LAT + 0.02}"


def viewport_answered(result: str = "answered") -> float:
    return answered(result, search="viewport")


@pytest.fixture
async def sites(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    """Open sites in and around the box, and hidden ones inside it: expired, a draft, closed,
    an unverified employer's."""
    for i, (dx, dy) in enumerate(((0, 0), (0.005, 0.003), (-0.012, 0.01), (0.019, -0.019))):
        await post(client, actors.a, title=f"Trong khung {i}", sites=at(LON + dx, LAT + dy))
    await post(client, actors.b, title="Ngoài khung", sites=at(LON + 0.03, LAT))
    await post_hidden(client, actors, session)


PLAIN = [
    f"/v1/vacancies.geojson?bbox={BOX}",
    f"/v1/vacancies.geojson?bbox={BOX}&limit=2",
    f"/v1/vacancies.geojson?limit=2000&bbox={BOX}",
    f"/v1/vacancies.geojson?bbox={BOX.replace(',', '%2C')}&limit=1",
    f"/v1/vacancies.geojson?bbox={LON - 1},{LAT - 1},{LON + 1},{LAT + 1}",  # 2 degrees a side
    "/v1/vacancies.geojson?bbox=106.5,9.5,106.6,9.6",  # nothing there
    "/v1/vacancies.geojson?bbox=-180,-90,-179,-89&limit=5",
]


@pytest.mark.usefixtures("sites")
@pytest.mark.parametrize("url", PLAIN)
async def test_the_fast_path_answers_the_viewport_as_the_route_does(
    client: AsyncClient, route_client: AsyncClient, url: str
) -> None:
    await route_client.get(url)  # the route keeps the statement; the fast path builds none
    before = viewport_answered()
    _, served = await same_answer(client, route_client, url)
    assert served.status_code == 200
    assert viewport_answered() == before + 1
    collection = served.json()
    assert collection["type"] == "FeatureCollection"
    titles = {feature["properties"]["title"] for feature in collection["features"]}
    assert not titles & set(HIDDEN)


@pytest.mark.usefixtures("sites")
async def test_the_viewport_shows_the_sites_nearest_its_centre_first(client: AsyncClient) -> None:
    url = f"/v1/vacancies.geojson?bbox={BOX}"
    await client.get(url)  # built by the route
    before = viewport_answered()
    collection = (await client.get(url)).json()
    assert viewport_answered() == before + 1
    titles = [feature["properties"]["title"] for feature in collection["features"]]
    assert titles == [f"Trong khung {i}" for i in range(4)]
    assert (collection["numberMatched"], collection["numberReturned"]) == (4, 4)
    first = (await client.get(f"{url}&limit=1")).json()
    assert [f["properties"]["title"] for f in first["features"]] == ["Trong khung 0"]
    assert (first["numberMatched"], first["numberReturned"]) == (4, 1)


@pytest.mark.usefixtures("sites")
@pytest.mark.parametrize(
    "query",
    [
        "bbox=abc",
        "bbox=",
        f"bbox={LON},{LAT}",
        f"bbox={BOX}&bbox={BOX}",
        f"bbox={LON + 0.02},{LAT - 0.02},{LON - 0.02},{LAT + 0.02}",  # min > max
        f"bbox={LON - 1.5},{LAT - 1.5},{LON + 1.5},{LAT + 1.5}",  # over 2 degrees
        "bbox=-181,10,-179,11",
        "bbox=105.9,10.2,106.0,1e1",  # the route takes it; the fast path leaves it
        "bbox=%20105.9,10.2,106.0,10.3",  # float() takes the space
        "bbox=+105.9,10.2,106.0,10.3",
        f"bbox={BOX}&limit=0",
        f"bbox={BOX}&limit=2001",
        f"bbox={BOX}&limit=05",
        f"bbox={BOX}&limit=1.5",
        f"bbox={BOX}&limt=5",  # misspelt: 400
        f"bbox={BOX}&utm_source=zalo",  # a tracking parameter: ignored by the route
        f"bbox={BOX}&near={LON},{LAT}",
        f"bbox={BOX}&sort=newest",
        f"bbox={BOX}&occupation=24",
        f"bbox={BOX}&q=ke%20toan",
    ],
)
async def test_anything_unusual_in_a_viewport_is_answered_by_the_route(
    client: AsyncClient, route_client: AsyncClient, query: str
) -> None:
    await route_client.get(f"/v1/vacancies.geojson?bbox={BOX}")  # the plain statement is kept
    before = viewport_answered()
    by_route, _ = await same_answer(client, route_client, f"/v1/vacancies.geojson?{query}")
    assert viewport_answered() == before
    if by_route.status_code != 200:
        assert_problem(by_route, by_route.status_code)


@pytest.mark.usefixtures("sites")
async def test_keys_and_read_positions_take_the_route(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    plain = f"/v1/vacancies.geojson?bbox={BOX}"
    assert (await client.get(plain)).status_code == 200  # the route builds the statement
    route_out_of_order(app)
    for accept in ("application/geo+json", "application/json", "*/*"):
        assert (await client.get(plain, headers={"Accept": accept})).status_code == 200
    for headers in (actors.a, {"X-Commit-LSN": "0/0"}):
        before = viewport_answered()
        assert_problem(await client.get(plain, headers=headers), 503)  # the route was reached
        assert viewport_answered() == before
    assert (await client.head(plain)).status_code == 405  # as the route answers HEAD


async def test_on_its_own_connection_the_viewport_counts_the_same_limit(
    live: Live, settings: Settings
) -> None:
    for dx in (0, 0.004, 0.011):
        posted = await live.client.post(
            "/v1/vacancies", json=vacancy_payload(sites=at(LON + dx, LAT)), headers=live.actors.a
        )
        assert posted.status_code == 201
    url = f"/v1/vacancies.geojson?bbox={BOX}&limit=2"
    expected = await the_same_limit(settings, url, viewport_answered)
    assert expected.json()["numberReturned"] == 2
