"""The plain travel-time search answered before routing (app/search/travel_fast_path.py) answers
exactly what the route answers, byte for byte, on the network it routes on, and leaves the rest
to the route: filters, cursors, counts, bad input, keys, a network this worker has not fetched,
a page that needs the circle's statement, the database not answering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app
from app.osm import service
from app.search import reuse
from app.search import travel as travel_search
from tests.conftest import Live
from tests.factories import Actors, vacancy_payload
from tests.factories import post_vacancy as post
from tests.osm.osm_files import write
from tests.osm.test_travel_search import at, grid, grid_point, grid_town  # noqa: F401 (grid)
from tests.search.test_fast_path import answered, same_answer, the_route_answers_while_down

pytestmark = pytest.mark.usefixtures("grid")


def url(near: tuple[float, float], mode: str, minutes: int, extra: str = "") -> str:
    return f"/v1/vacancies?near={near[0]},{near[1]}&travel_mode={mode}&max_minutes={minutes}{extra}"


def travelled(result: str = "answered") -> float:
    return answered(result, search="travel")


@pytest.fixture
async def sites(grid: None, client: AsyncClient, actors: Actors) -> None:  # noqa: F811
    """Two sites at every node of the grid, one of them a tailor's (after the grid: it is
    dropped once the test's transaction has ended)."""
    del grid
    for i in range(3):
        for j in range(3):
            sites = at(grid_point(i, j)) + at(grid_point(i, j))
            code = "51" if (i, j) == (2, 2) else "24"
            await post(client, actors.a, title=f"Nút {i}{j}", occupation_code=code, sites=sites)


PLAIN = [
    url(grid_point(0, 0), "motorbike", 10),
    url(grid_point(0, 0), "motorbike", 1),  # nothing within a minute of the corner but one
    url(grid_point(1, 1), "walk", 30, "&limit=4"),
    url(grid_point(2, 0), "bicycle", 120, "&limit=100"),
    url(grid_point(0, 2), "walk", 5, "&limit=1"),
    url((grid_point(1, 0)[0], grid_point(1, 0)[1] + 0.0004), "motorbike", 3),  # off a street
    url((grid_point(0, 0)[0] + 0.03, grid_point(0, 0)[1] + 0.01), "motorbike", 20),  # island
    url((grid_point(0, 0)[0] + 0.2, grid_point(0, 0)[1]), "motorbike", 20),  # no road near
]


@pytest.mark.usefixtures("sites")
@pytest.mark.parametrize("path", PLAIN)
async def test_it_answers_as_the_route_does(
    client: AsyncClient, route_client: AsyncClient, path: str
) -> None:
    await route_client.get(path)  # the route fetches the graph and keeps the statement
    before = travelled()
    _, served = await same_answer(client, route_client, path)
    assert served.status_code == 200
    assert travelled() == before + 1
    page = served.json()
    if page["next_cursor"] is not None:  # its cursor takes the route to the next page
        following = f"{path}&cursor={page['next_cursor']}"
        await same_answer(client, route_client, following)
        ids = {item["site"]["id"] for item in page["items"]}
        later = (await client.get(following)).json()["items"]
        assert ids.isdisjoint(item["site"]["id"] for item in later)


@pytest.mark.usefixtures("sites")
async def test_pages_follow_each_other_from_the_fast_path(
    client: AsyncClient, route_client: AsyncClient
) -> None:
    everything = (await route_client.get(url(grid_point(1, 1), "walk", 30))).json()["items"]
    assert len(everything) == 18
    first = url(grid_point(1, 1), "walk", 30, "&limit=5")
    await route_client.get(first)
    before = travelled()
    page = (await client.get(first)).json()
    assert travelled() == before + 1
    seen = [item["site"]["id"] for item in page["items"]]
    while page["next_cursor"] is not None:
        page = (await client.get(f"{first}&cursor={page['next_cursor']}")).json()
        seen += [item["site"]["id"] for item in page["items"]]
    assert seen == [item["site"]["id"] for item in everything]
    assert travelled() == before + 1  # the later pages: the route (a cursor)


OTHERS = [
    "&occupation=51",
    "&count=exact",
    "&sort=travel_time",
    "&limit=3&limit=4",
    "&utm_source=x",
    "&limit=0",
    "&limit=101",
    "&facets=true",
]
# Values the route reads as others (a space before 10): left to it.
READ_OTHERWISE = [
    "/v1/vacancies?near=105.97,10.25&travel_mode=walk&max_minutes=%2010",
    "/v1/vacancies?near=105.97,10.25&travel_mode=walk&max_minutes=10&radius_m=5000",
]
BAD = [
    "/v1/vacancies?near=105.97,10.25&travel_mode=car&max_minutes=10",
    "/v1/vacancies?near=105.97,10.25&travel_mode=walk&max_minutes=0",
    "/v1/vacancies?near=105.97,10.25&travel_mode=walk&max_minutes=121",
    "/v1/vacancies?near=105.97,10.25&travel_mode=walk&max_minutes=1e1",
    "/v1/vacancies?near=105.97,10.25&travel_mode=walk",
    "/v1/vacancies?near=190,10.25&travel_mode=walk&max_minutes=10",
    "/v1/vacancies?travel_mode=walk&max_minutes=10",
]


@pytest.mark.usefixtures("sites")
async def test_everything_else_is_the_routes(
    client: AsyncClient, route_client: AsyncClient, actors: Actors
) -> None:
    plain = url(grid_point(0, 0), "walk", 10)
    await route_client.get(plain)
    before = travelled()
    for extra in OTHERS:
        await same_answer(client, route_client, plain + extra)
    for path in BAD:
        by_route, _ = await same_answer(client, route_client, path)
        assert by_route.status_code in (400, 422), path
    for path in READ_OTHERWISE:
        await same_answer(client, route_client, path)
    await same_answer(client, route_client, plain, accept="application/geo+json")
    with_key = await client.get(plain, headers=actors.a)
    assert with_key.status_code == 200
    assert travelled() == before  # every one answered by the route


async def test_no_statement_kept_is_the_routes(
    client: AsyncClient,
    route_client: AsyncClient,
    actors: Actors,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await post(client, actors.a, title="Góc xa", sites=at(grid_point(2, 2)))
    plain = url(grid_point(0, 0), "motorbike", 10)
    reuse.clear()
    before = travelled("unbuilt")
    await same_answer(client, route_client, plain)  # the route builds the statement
    assert travelled("unbuilt") == before
    reuse.clear()
    first = await client.get(plain)  # nothing kept in this worker: the route answers
    assert travelled("unbuilt") == before + 1
    answered_before = travelled()
    assert (await client.get(plain)).content == first.content
    assert travelled() == answered_before + 1
    # A page the rings cannot fill needs the circle's statement, which only the route builds:
    # here the route has built the rings' alone (its page filled on the first ring).
    await post(client, actors.a, title="Hai chỗ", sites=at(grid_point(2, 1)) * 2)
    monkeypatch.setattr(travel_search, "RINGS", (4,))
    reuse.clear()
    near = url(grid_point(2, 1), "motorbike", 10)
    assert len((await route_client.get(f"{near}&limit=1")).json()["items"]) == 1
    served = await client.get(near)  # first: the route would keep the circle's statement
    assert served.content == (await route_client.get(near)).content
    assert len(served.json()["items"]) == 3
    assert travelled("unbuilt") == before + 2


async def test_after_a_reload_the_route_fetches_the_network_first(
    live: Live, settings: Settings, osm_settings: Settings, tmp_path: Path
) -> None:
    posted = await live.client.post(
        "/v1/vacancies",
        json={**vacancy_payload(), "sites": at(grid_point(2, 2))},
        headers=live.actors.a,
    )
    assert posted.status_code == 201, posted.text
    plain = url(grid_point(0, 0), "motorbike", 10)
    first = await live.client.get(plain)
    assert first.status_code == 200
    assert len(first.json()["items"]) == 1
    answered_before = travelled()
    assert (await live.client.get(plain)).content == first.content
    assert travelled() == answered_before + 1
    # This worker has not fetched the new network: the route does, then the fast path answers.
    await service.load(osm_settings, write(tmp_path, "again.osm", grid_town()))
    before = travelled("unbuilt")
    assert (await live.client.get(plain)).content == first.content  # the same town again
    assert travelled("unbuilt") == before + 1
    assert (await live.client.get(plain)).content == first.content
    assert travelled() == answered_before + 2
    del settings


async def test_the_route_answers_while_its_connections_cannot(
    app: FastAPI, client: AsyncClient, route_client: AsyncClient, actors: Actors
) -> None:
    await post(client, actors.a, title="Góc xa", sites=at(grid_point(2, 2)))
    plain = url(grid_point(0, 0), "motorbike", 10)
    await the_route_answers_while_down(app, client, route_client, plain, search="travel")


async def post_at_every_node(live: Live) -> None:
    """A vacancy at every node of the grid, committed."""
    for i in range(3):
        for j in range(3):
            payload = {**vacancy_payload(), "title": f"Nút {i}{j}", "sites": at(grid_point(i, j))}
            posted = await live.client.post("/v1/vacancies", json=payload, headers=live.actors.a)
            assert posted.status_code == 201, posted.text


async def test_on_its_own_connections(live: Live, settings: Settings) -> None:
    """The worker's own connections (not the test's transaction): the same answers as the
    route, also while others run at once."""
    await post_at_every_node(live)
    route_only = create_app(settings.model_copy(update={"search_fast_path": False}))
    async with (
        route_only.router.lifespan_context(route_only),
        AsyncClient(transport=ASGITransport(app=route_only), base_url="http://test") as by_route,
    ):
        paths = [url(grid_point(i, 0), mode, 10, "&limit=4") for i in range(3) for mode in
                 ("motorbike", "walk")]  # fmt: skip
        expected = [(await by_route.get(path)).content for path in paths]
        await asyncio.gather(*(live.client.get(path) for path in paths))  # the route, once
        before = travelled()
        served = await asyncio.gather(*(live.client.get(path) for path in paths * 3))
        assert [response.content for response in served] == expected * 3
        assert travelled() == before + len(paths) * 3


async def test_a_reload_while_it_answers_gives_one_network_or_the_other(
    live: Live, osm_settings: Settings, tmp_path: Path
) -> None:
    """Searches run while a reload swaps the network in: each answer is the old network's or
    the new one's, never an error or a mix (its statements run in one transaction)."""
    await post_at_every_node(live)
    plain = url(grid_point(0, 0), "motorbike", 10)
    old = await live.client.get(plain)
    assert (await live.client.get(plain)).content == old.content
    before = travelled()
    # Without the street north from (0,0), a motorbike there goes nowhere (one-way, motorway).
    smaller = write(tmp_path, "smaller.osm", grid_town(without=frozenset({106})))
    loading = asyncio.create_task(service.load(osm_settings, smaller))
    seen = []
    while not loading.done():
        seen.append(await live.client.get(plain))
    await loading
    new = await live.client.get(plain)
    assert len(new.json()["items"]) < len(old.json()["items"])
    assert {response.status_code for response in seen} == {200}
    assert {response.content for response in seen} <= {old.content, new.content}
    assert travelled() > before  # the fast path answered some of them
