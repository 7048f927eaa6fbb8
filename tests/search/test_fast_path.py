"""The plain nearest search answered before routing (app/search/fast_path.py) answers exactly
what the route answers, byte for byte, counts against the same rate limit, and leaves
everything else to the route: bad input, keys, text, cursors, ties, the database down."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from prometheus_client import REGISTRY
from sqlalchemy import func, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import ServiceUnavailableError
from app.main import create_app
from app.search.params import search_params
from app.tiles.cache import MapConnection
from tests.conftest import Live
from tests.factories import CITY_CENTRE, Actors, vacancy_payload
from tests.factories import post_vacancy as post
from tests.problems import assert_problem
from tests.search.test_search import at, projected
from tests.windows import fresh_window

LON, LAT = CITY_CENTRE
NEAR = f"{LON},{LAT}"
# The same request id on both sides, so that even problem bodies compare byte for byte.
SAME_ID = {"X-Request-ID": "fast-path-test-0001"}


def answered(result: str = "answered", search: str = "nearest") -> float:
    """Plain searches answered by the fast path (or handed to the route, and why)."""
    labels = {"search": search, "result": result}
    return REGISTRY.get_sample_value("jobmap_search_fast_path_total", labels) or 0.0


async def same_answer(
    client: AsyncClient, route_client: AsyncClient, url: str, **headers: str
) -> tuple[Response, Response]:
    """The route's answer, then the service's; they are equal in status, type and bytes."""
    by_route = await route_client.get(url, headers={**SAME_ID, **headers})
    served = await client.get(url, headers={**SAME_ID, **headers})
    assert served.status_code == by_route.status_code, url
    assert served.headers["content-type"] == by_route.headers["content-type"], url
    assert served.content == by_route.content, url
    return by_route, served


@pytest.fixture
async def neighbourhood(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    """Sites around the centre, one exactly 1,000 m away, and hidden ones among them: expired,
    a draft, closed, and an unverified employer's."""
    for metres, azimuth in ((0, 0), (150, 30), (400, 200), (999, 45), (2500, 300), (7000, 120)):
        await post(client, actors.a, title=f"Cách {metres} m", sites=at(*await projected(
            session, metres, azimuth)))  # fmt: skip
    edge = await post(client, actors.b, title="Đúng 1000 m", sites=at(*await projected(
        session, 1000, 90)))  # fmt: skip
    assert edge["id"]
    two_sites = [*at(*await projected(session, 300, 10)), *at(*await projected(session, 3000, 10))]
    await post(client, actors.b, title="Hai địa điểm", sites=two_sites)
    await post_hidden(client, actors, session)


HIDDEN = ("Bản nháp", "Đã đóng", "Hết hạn", "Chưa duyệt")


async def post_hidden(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    """At the centre, vacancies no search shows (HIDDEN): a draft, a closed one, an expired
    one and an unverified employer's."""
    await post(client, actors.a, title="Bản nháp", status="draft", sites=at(LON, LAT))
    closed = await post(client, actors.a, title="Đã đóng", sites=at(LON, LAT))
    await client.post(
        f"/v1/vacancies/{closed['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    expired = await post(client, actors.a, title="Hết hạn", sites=at(LON, LAT))
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() WHERE id = CAST(:id AS uuid)"),
        {"id": expired["id"]},
    )
    await session.commit()
    await post(client, actors.unverified_key, title="Chưa duyệt", sites=at(LON, LAT))


PLAIN = [
    f"/v1/vacancies?near={NEAR}",
    f"/v1/vacancies?near={NEAR}&radius_m=1000",  # the edge site is in (ST_DWithin: at most)
    f"/v1/vacancies?near={NEAR}&radius_m=999.5&limit=3",
    f"/v1/vacancies?near={NEAR}&radius_m=1000.0&limit=2",
    f"/v1/vacancies?limit=1&near={LON + 0.01},{LAT - 0.01}&radius_m=100000",
    f"/v1/vacancies?near={LON}%2C{LAT}&limit=100",
    f"/v1/vacancies?near={NEAR}&radius_m=0.5",
    "/v1/vacancies?near=106.5,9.5",  # nothing within 10 km
    "/v1/vacancies?near=-180,90&radius_m=100000&limit=5",
]


@pytest.mark.usefixtures("neighbourhood")
@pytest.mark.parametrize("url", PLAIN)
async def test_the_fast_path_answers_as_the_route_does(
    client: AsyncClient, route_client: AsyncClient, url: str
) -> None:
    await route_client.get(url)  # the route keeps the statement; the fast path builds none
    before = answered()
    by_route, served = await same_answer(client, route_client, url)
    assert served.status_code == 200
    assert answered() == before + 1
    page = served.json()
    assert by_route.json() == page
    if page["next_cursor"] is not None:  # its cursor takes the route to the next page
        after = await client.get(f"{url}&cursor={page['next_cursor']}")
        assert after.status_code == 200
        ids = {item["site"]["id"] for item in page["items"]}
        assert ids.isdisjoint(item["site"]["id"] for item in after.json()["items"])


@pytest.mark.usefixtures("neighbourhood")
async def test_hidden_vacancies_and_the_edge(
    client: AsyncClient, route_client: AsyncClient, session: AsyncSession
) -> None:
    # The edge site's distance as stored (coordinates are rounded when posted), on the spheroid.
    edge_m = (
        await session.execute(
            text(
                "SELECT ST_Distance(s.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), "
                "4326)::geography) FROM vacancy_site s JOIN vacancy v ON v.id = s.vacancy_id "
                "WHERE v.title = 'Đúng 1000 m'"
            ),
            {"lon": LON, "lat": LAT},
        )
    ).scalar_one()
    within = "Cách 0 m", "Cách 150 m", "Hai địa điểm", "Cách 400 m", "Cách 999 m"
    # Radii a millimetre either side of it (ST_DWithin and ST_Distance may differ in their
    # last digits), and the rounded 1000 the site was placed at.
    for radius, titles in (
        (f"{edge_m + 0.001:.3f}", [*within, "Đúng 1000 m"]),
        (f"{edge_m - 0.001:.3f}", list(within)),
        ("1000", None),
    ):
        url = f"/v1/vacancies?near={NEAR}&radius_m={radius}&limit=100"
        await route_client.get(url)
        before = answered()
        _, served = await same_answer(client, route_client, url)
        assert answered() == before + 1
        page = served.json()
        if titles is not None:
            # (KNN orders by the sphere's distance: 999 m and 1000 m may swap.)
            assert sorted(item["title"] for item in page["items"]) == sorted(titles), radius


@pytest.mark.usefixtures("neighbourhood")
@pytest.mark.parametrize(
    "query",
    [
        "near=abc",
        "near=200,10",
        f"near={LON}",
        "near=",
        f"near={NEAR}&near={NEAR}",
        f"near={NEAR}&radius_m=0",
        f"near={NEAR}&radius_m=-5",
        f"near={NEAR}&radius_m=100001",
        f"near={NEAR}&radius_m=1e3",  # the route takes it; the fast path leaves it
        f"near={NEAR}&radius_m=",
        f"near={NEAR}&radius_m=inf",
        f"near={NEAR}&limit=0",
        f"near={NEAR}&limit=101",
        f"near={NEAR}&limit=1.5",
        f"near={NEAR}&limit=020",
        f"near=%20{LON},{LAT}",  # float() takes the space
        f"near=+{LON},{LAT}",
        f"near={NEAR}&radius=1000",  # misspelt: 400
        f"near={NEAR}&utm_source=zalo",  # a tracking parameter: ignored by the route
        f"near={NEAR}&bbox=105.9,10.2,106.0,10.3",
        f"near={NEAR}&sort=distance",
    ],
)
async def test_anything_unusual_is_answered_by_the_route(
    client: AsyncClient, route_client: AsyncClient, query: str
) -> None:
    url = f"/v1/vacancies?{query}"
    await route_client.get(f"/v1/vacancies?near={NEAR}")  # the plain statement is kept
    before = answered()
    by_route, _ = await same_answer(client, route_client, url)
    assert answered() == before
    if by_route.status_code != 200:
        assert_problem(by_route, by_route.status_code)


def route_out_of_order(app: FastAPI) -> None:
    """From here on, a search that reaches the route fails with 503."""

    async def broken() -> None:
        raise ServiceUnavailableError("the route was reached")

    app.dependency_overrides[search_params] = broken


@pytest.mark.usefixtures("neighbourhood")
async def test_keys_text_cursors_and_options_take_the_route(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    plain = f"/v1/vacancies?near={NEAR}&limit=2"
    first = await client.get(plain)  # (the route when no statement is kept yet)
    cursor = first.json()["next_cursor"]
    assert cursor
    route_out_of_order(app)
    assert (await client.get(plain)).status_code == 200  # the fast path
    for url, headers in (
        (plain, actors.a),
        (plain, {"X-Commit-LSN": "0/0"}),
        (plain, {"Accept": "application/geo+json"}),
        (f"{plain}&cursor={cursor}", {}),
        (f"{plain}&q=ke%20toan", {}),
        (f"{plain}&facets=true", {}),
        (f"{plain}&count=exact", {}),
        (f"{plain}&occupation=24", {}),
        ("/v1/vacancies", {}),
        ("/v1/vacancies.geojson?near=" + NEAR, {}),
    ):
        before = answered()
        response = await client.get(url, headers=headers)
        assert_problem(response, 503)  # the route was reached
        assert answered() == before, url
    assert (await client.head(plain)).status_code == 405  # as the route answers HEAD


async def test_a_tie_across_the_candidates_end_is_ordered_by_the_route(
    client: AsyncClient, route_client: AsyncClient, actors: Actors
) -> None:
    # 40 sites at one point: a page of 1 takes 1 + 1 + KNN_TIE_MARGIN candidates, all at one
    # distance.
    items = [vacancy_payload(title=f"Cùng chỗ {i}", sites=at(LON, LAT)) for i in range(40)]
    created = await client.post("/v1/vacancies/bulk", json=items, headers=actors.a)
    assert created.json()["created"] == 40
    url = f"/v1/vacancies?near={NEAR}&limit=1"
    await route_client.get(url)
    before = answered("tie")
    await same_answer(client, route_client, url)
    assert answered("tie") == before + 1
    more = f"/v1/vacancies?near={NEAR}&limit=50"
    before = answered()
    _, served = await same_answer(client, route_client, more)
    assert answered() == before + 1  # fewer than the candidates: exact from the KNN walk
    assert len(served.json()["items"]) == 40


@pytest.mark.usefixtures("neighbourhood")
async def test_the_route_answers_while_the_map_connection_cannot(
    app: FastAPI, client: AsyncClient, route_client: AsyncClient
) -> None:
    await the_route_answers_while_down(app, client, route_client, f"/v1/vacancies?near={NEAR}")


async def the_route_answers_while_down(
    app: FastAPI, client: AsyncClient, route_client: AsyncClient, url: str, search: str = "nearest"
) -> None:
    """`url` answered as the route answers it while the fast path's connections reach a port
    nobody listens on (a real connection, refused), counted as `database`."""
    await route_client.get(url)  # the route keeps its statements
    settings: Settings = app.state.settings
    nowhere = make_url(settings.database_url).set(port=9).render_as_string(hide_password=False)
    down = MapConnection(settings.model_copy(update={"db_connect_timeout_s": 1}), url=nowhere)
    app.state.search_queries = down
    before = answered("database", search)
    await same_answer(client, route_client, url)
    assert answered("database", search) == before + 1
    await down.close()


async def test_the_fast_path_can_be_turned_off(
    route_client: AsyncClient, actors: Actors, client: AsyncClient
) -> None:
    await post(client, actors.a, sites=at(LON, LAT))
    url = f"/v1/vacancies?near={NEAR}"
    await route_client.get(url)
    before = {result: answered(result) for result in ("answered", "other", "unbuilt")}
    assert (await route_client.get(url)).status_code == 200
    assert {result: answered(result) for result in before} == before


# On the live database: the worker's own asyncpg connection and the rate limit ------------------


def without_seconds(problem: dict[str, object]) -> dict[str, object]:
    """A 429 problem without the seconds it tells to wait."""
    return {**problem, "detail": re.sub(r"\d+ s\b", "N s", str(problem["detail"]))}


async def test_on_its_own_connection_it_answers_as_the_route_and_counts_the_same_limit(
    live: Live, settings: Settings
) -> None:
    for metres in (0, 350, 1200):
        lon, lat = LON + metres / 110_000, LAT
        posted = await live.client.post(
            "/v1/vacancies", json=vacancy_payload(sites=at(lon, lat)), headers=live.actors.a
        )
        assert posted.status_code == 201
    expected = await the_same_limit(settings, f"/v1/vacancies?near={NEAR}&radius_m=5000&limit=2")
    assert len(expected.json()["items"]) == 2
    assert expected.json()["next_cursor"]


async def the_same_limit(
    settings: Settings, url: str, answered: Callable[[], float] = answered
) -> Response:
    """`url` answered by the live database's fast path (`answered` counts it) as by the route,
    on its own connection, and refused past the `search` limit with the route's own problem.
    The route's answer."""
    await fresh_window(60, 20)  # the four searches and the refusals in one minute
    route_only = create_app(settings.model_copy(update={"search_fast_path": False}))
    limited = create_app(
        settings.model_copy(update={"rate_limits_enabled": True, "rate_limits": {"search": 3}})
    )
    async with (
        route_only.router.lifespan_context(route_only),
        limited.router.lifespan_context(limited),
        AsyncClient(transport=ASGITransport(app=route_only), base_url="http://test") as by_route,
        AsyncClient(transport=ASGITransport(app=limited), base_url="http://test") as served,
    ):
        expected = await by_route.get(url)
        assert expected.status_code == 200
        assert (await served.get(url)).content == expected.content  # the route (unbuilt)
        before = answered()
        for _ in range(2):
            response = await served.get(url)
            assert response.content == expected.content
            assert response.headers["content-type"] == expected.headers["content-type"]
        assert answered() == before + 2
        refused = await served.get(url, headers=SAME_ID)  # the 4th search from this address
        body = assert_problem(refused, 429)
        assert "search" in body["detail"]
        assert refused.headers["retry-after"]
        # The route's own 429, for the same address and limit, is the same problem.
        by_the_route = await served.get(f"{url}&utm_source=x", headers=SAME_ID)
        assert_problem(by_the_route, 429)
        # The same problem; its "retry in N s" may have counted down a second in between.
        assert without_seconds(by_the_route.json()) == without_seconds(body)
    return expected


async def test_its_connections_run_several_statements_at_once(settings: Settings) -> None:
    # Each worker's fast path may run APP_SEARCH_FAST_PATH_CONNECTIONS statements at once, on
    # connections of its own; the map's connection stays one at a time.
    statement = select(func.pg_backend_pid(), func.pg_sleep(0.2))
    for size, expected in ((3, 3), (1, 1)):
        connections = MapConnection(settings, connections=size)
        try:
            rows = await asyncio.gather(*(connections.fetch(statement, {}) for _ in range(3)))
            assert len({row[0][0] for row in rows}) == expected
            again = await connections.fetch(statement, {})  # an idle one is used again
            assert again[0][0] in {row[0][0] for row in rows}
        finally:
            await connections.close()
