"""Caching headers for a CDN in front of the service (issue 18): every GET route of the
OpenAPI document has a policy (app/http_cache.py) and answers by it. Public answers carry
`public`, `s-maxage`, `stale-while-revalidate` and an ETag, and revalidate to a 304 with the
same headers; keyed answers, errors and 429s are never kept by a shared cache."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Headers
from sqlalchemy.ext.asyncio import AsyncSession

from app import http_cache
from app.config import Settings
from app.db import committing, get_session
from app.main import create_app
from tests.factories import CITY_CENTRE, Actors, vacancy_payload
from tests.osm.conftest import no_network, osm_settings, town
from tests.placements.conftest import placement_payload
from tests.programmes.test_programmes import pilot
from tests.tiles.test_tiles import tile_of
from tests.windows import fresh_window

# The street-network fixtures of tests/osm, for isochrones, routes and basemap tiles.
__all__ = ["no_network", "osm_settings", "town"]

TOWN = (106.002, 10.001)  # tests/osm/osm_files.py
SHARED_PARTS = ("public", "s-maxage=", "stale-while-revalidate=")


@dataclass
class World:
    """Rows the requests name: one of each, made through the API."""

    actors: Actors
    vacancy_id: str
    placement_id: str
    area_feature_id: str


@pytest.fixture
async def world(client: AsyncClient, actors: Actors) -> World:
    posted = await client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=actors.a
    )
    assert posted.status_code == 201, posted.text
    vacancy_id = posted.json()["id"]
    placement = await client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=vacancy_id, channel="job_map"),
        headers=actors.a,
    )
    assert placement.status_code == 201, placement.text
    plan = await client.put(
        "/v1/plans/2026",
        json=[{"indicator": "new_jobs", "target": 20000}],
        headers=actors.department,
    )
    assert plan.status_code in (200, 201), plan.text
    programme = await client.put("/v1/programmes/cdn", json=pilot(), headers=actors.department)
    assert programme.status_code == 201, programme.text
    areas = await client.get("/ogc/collections/areas/items", params={"limit": 1})
    return World(actors, vacancy_id, placement.json()["id"], str(areas.json()["features"][0]["id"]))


def calls(w: World) -> dict[str, str]:
    """A URL with real parameters for every GET route template (the OpenAPI paths)."""
    x, y = tile_of(*CITY_CENTRE, 10)
    bx, by = tile_of(*TOWN, 14)
    near = f"{TOWN[0]},{TOWN[1]}"
    period = "from=2026-01-01&to=2026-06-30"
    return {
        "/healthz": "/healthz",
        "/readyz": "/readyz",
        "/v1/areas": "/v1/areas?level=province",
        "/v1/areas/lookup": f"/v1/areas/lookup?lon={CITY_CENTRE[0]}&lat={CITY_CENTRE[1]}",
        "/v1/areas/{code}": "/v1/areas/86?geometry=none",
        "/v1/employers/{employer_id}": f"/v1/employers/{w.actors.employer_a.id}",
        "/v1/employers/{employer_id}/keys": f"/v1/employers/{w.actors.employer_a.id}/keys",
        "/v1/vacancies": "/v1/vacancies?q=ke%20toan",
        "/v1/vacancies.geojson": "/v1/vacancies.geojson?bbox=105.9,10.2,106.0,10.3",
        "/v1/isochrones": f"/v1/isochrones?near={near}&travel_mode=motorbike&minutes=5",
        "/v1/vacancies/{vacancy_id}/route": f"/v1/vacancies/{w.vacancy_id}/route?near={near}",
        "/v1/tiles/vacancies/{z}/{x}/{y}.mvt": f"/v1/tiles/vacancies/10/{x}/{y}.mvt",
        "/v1/vacancies/clusters": "/v1/vacancies/clusters?bbox=105.9,10.2,106.0,10.3&zoom=10",
        "/v1/tiles/vacancies.json": "/v1/tiles/vacancies.json",
        "/v1/tiles/basemap/{z}/{x}/{y}.mvt": f"/v1/tiles/basemap/14/{bx}/{by}.mvt",
        "/v1/tiles/basemap.json": "/v1/tiles/basemap.json",
        "/v1/vacancies/changes": "/v1/vacancies/changes",
        "/v1/vacancies/{vacancy_id}": f"/v1/vacancies/{w.vacancy_id}",
        "/v1/placements": "/v1/placements",
        "/v1/placements/{placement_id}": f"/v1/placements/{w.placement_id}",
        "/v1/indicators": "/v1/indicators",
        "/v1/plans/{year}": "/v1/plans/2026",
        "/v1/indicators/{indicator}/values": "/v1/indicators/new_jobs/values",
        "/v1/stats/placements": f"/v1/stats/placements?{period}",
        "/v1/public/stats/placements": "/v1/public/stats/placements?period=2026-H1",
        "/v1/stats/indicators": "/v1/stats/indicators?year=2026",
        "/v1/stats/projection-accuracy": "/v1/stats/projection-accuracy",
        "/v1/stats/vacancies": f"/v1/stats/vacancies?{period}",
        "/v1/audit": "/v1/audit",
        "/v1/programmes": "/v1/programmes",
        "/v1/programmes/{code}": "/v1/programmes/cdn",
        "/v1/stats/programmes/{code}": "/v1/stats/programmes/cdn?through=2026-06-30",
        "/v1/stats/areas/attention": "/v1/stats/areas/attention?year=2026",
        "/v1/stats/demand": f"/v1/stats/demand?{period}",
        "/ogc": "/ogc",
        "/ogc/conformance": "/ogc/conformance",
        "/ogc/api": "/ogc/api",
        "/ogc/collections": "/ogc/collections",
        "/ogc/collections/{collection_id}": "/ogc/collections/vacancies",
        "/ogc/collections/{collection_id}/queryables": "/ogc/collections/areas/queryables",
        "/ogc/collections/vacancies/items": "/ogc/collections/vacancies/items",
        "/ogc/collections/areas/items": "/ogc/collections/areas/items?limit=2",
        "/ogc/collections/{collection_id}/items/{feature_id}": (
            f"/ogc/collections/areas/items/{w.area_feature_id}"
        ),
    }


def get_paths(app: FastAPI) -> set[str]:
    return {path for path, item in app.openapi()["paths"].items() if "get" in item}


def vary(headers: Headers) -> list[str]:
    return [token.strip().lower() for token in headers.get("vary", "").split(",") if token.strip()]


def test_every_get_route_has_a_policy(app: FastAPI) -> None:
    missing = get_paths(app) - set(http_cache.ROUTE_POLICIES)
    assert missing == set(), f"GET routes without a cache policy in app/http_cache.py: {missing}"
    gone = set(http_cache.ROUTE_POLICIES) - get_paths(app)
    assert gone == set(), f"policies of routes that are gone: {gone}"


@pytest.mark.usefixtures("town")
async def test_every_get_route_answers_by_its_policy(
    app: FastAPI, client: AsyncClient, world: World
) -> None:
    urls = calls(world)
    assert get_paths(app) <= set(urls), "a GET route the test does not call"
    for template, url in urls.items():
        policy = http_cache.ROUTE_POLICIES[template]
        if policy.shared:
            await _assert_shared(client, url, policy)
        else:
            await _assert_not_shared(client, url, world.actors.admin, policy)
        # A key never makes an answer public, whatever the route.
        keyed = await client.get(url, headers=world.actors.admin)
        assert keyed.status_code == 200, (url, keyed.text)
        control = keyed.headers["cache-control"]
        assert "public" not in control, (url, control)
        assert "s-maxage" not in control, (url, control)
        assert "private" in control or "no-store" in control, (url, control)


async def _assert_shared(client: AsyncClient, url: str, policy: http_cache.CachePolicy) -> None:
    first = await client.get(url)
    assert first.status_code == 200, (url, first.text)
    control = first.headers["cache-control"]
    assert control == policy.cache_control, url
    assert all(part in control for part in SHARED_PARTS), (url, control)
    assert first.headers["etag"].startswith(('W/"', '"')), url
    assert "accept-encoding" in vary(first.headers), url
    assert {name.lower() for name in policy.vary} <= set(vary(first.headers)), url
    again = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304, (url, again.status_code)
    assert again.content == b""
    for name in ("etag", "cache-control", "vary"):
        assert again.headers.get(name) == first.headers.get(name), (url, name)


async def _assert_not_shared(
    client: AsyncClient, url: str, key: dict[str, str], policy: http_cache.CachePolicy
) -> None:
    keyed = policy is http_cache.PRIVATE
    response = await client.get(url, headers=key if keyed else {})
    assert response.status_code == 200, (url, response.text)
    assert response.headers["cache-control"] == policy.cache_control, url
    if keyed:  # without the key: a 401, not kept either
        anonymous = await client.get(url)
        assert anonymous.status_code == 401, url
        assert anonymous.headers["cache-control"] == "no-store", url


async def test_a_route_without_a_policy_is_not_kept(app: FastAPI, client: AsyncClient) -> None:
    async def new_route() -> dict[str, str]:
        return {"new": "yes"}

    app.add_api_route("/v1/new-route", new_route, methods=["GET"])
    app.openapi_schema = None
    response = await client.get("/v1/new-route")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    assert "/v1/new-route" in get_paths(app) - set(http_cache.ROUTE_POLICIES)


async def test_with_counts_areas_are_kept_briefly(client: AsyncClient) -> None:
    counts = await client.get("/v1/areas?level=province&geometry=none&with=vacancies")
    assert counts.headers["cache-control"] == http_cache.MAP.cache_control
    again = await client.get(
        "/v1/areas?level=province&geometry=none&with=vacancies",
        headers={"If-None-Match": counts.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == http_cache.MAP.cache_control


async def test_a_key_makes_a_public_route_private(client: AsyncClient, actors: Actors) -> None:
    """Every public route takes an optional key; its answer is then the caller's own."""
    for url in ("/v1/areas?level=province&geometry=none", "/v1/vacancies?q=may", "/ogc"):
        public = await client.get(url)
        assert public.headers["cache-control"].startswith("public")
        keyed = await client.get(url, headers=actors.department)
        assert keyed.status_code == 200
        assert keyed.headers["cache-control"] == http_cache.PRIVATE.cache_control
        # Its 304 too.
        again = await client.get(
            url, headers={**actors.department, "If-None-Match": public.headers["etag"]}
        )
        assert again.headers["cache-control"] == http_cache.PRIVATE.cache_control
    revoked = await client.get("/v1/areas?level=province", headers=actors.revoked)
    assert revoked.status_code == 401
    assert revoked.headers["cache-control"] == "no-store"


async def test_errors_are_never_kept(client: AsyncClient) -> None:
    for url, status in (
        ("/v1/areas/99999", 404),
        ("/v1/areas/lookup?lon=200&lat=10", 422),
        ("/v1/areas?nonsense=1", 400),
        ("/v1/nowhere", 404),
        ("/v1/tiles/vacancies/3/99/99.mvt", 422),
    ):
        response = await client.get(url)
        assert response.status_code == status, url
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["cache-control"] == "no-store", url


async def test_a_vacancy_no_longer_listed_is_not_kept(client: AsyncClient, actors: Actors) -> None:
    posted = await client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=actors.a
    )
    vacancy_id = posted.json()["id"]
    listed = await client.get(f"/v1/vacancies/{vacancy_id}")
    assert listed.headers["cache-control"] == http_cache.MAP.cache_control
    closed = await client.post(
        f"/v1/vacancies/{vacancy_id}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert closed.status_code == 200, closed.text
    assert "public" not in closed.headers["cache-control"]
    gone = await client.get(f"/v1/vacancies/{vacancy_id}")
    assert gone.status_code == 410
    assert gone.headers["cache-control"] == "no-store"


@pytest.fixture
async def limited(settings: Settings, session: AsyncSession) -> AsyncIterator[AsyncClient]:
    """The app with one read a minute per address."""
    app = create_app(
        settings.model_copy(update={"rate_limits_enabled": True, "rate_limits": {"read": 1}})
    )

    async def test_session() -> AsyncIterator[AsyncSession]:
        async with committing(session):
            yield session

    app.dependency_overrides[get_session] = test_session
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_a_429_is_never_kept(limited: AsyncClient) -> None:
    await fresh_window(60, 15)  # both reads in one minute
    assert (await limited.get("/v1/areas?level=province&geometry=none")).status_code == 200
    refused = await limited.get("/v1/areas?level=province&geometry=none")
    assert refused.status_code == 429
    assert refused.headers["cache-control"] == "no-store"


async def test_one_etag_and_one_vary_whatever_the_encoding(client: AsyncClient) -> None:
    """The ETag is weak and of the bytes before compression: the gzip and identity answers
    share it, and a 304 to either says Vary: Accept-Encoding once, as the 200 does."""
    plain = await client.get("/v1/areas?level=commune", headers={"Accept-Encoding": "identity"})
    zipped = await client.get("/v1/areas?level=commune", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] == zipped.headers["etag"]
    assert plain.headers["etag"].startswith('W/"')
    for response in (plain, zipped):
        assert vary(response.headers) == ["accept-encoding"]
    again = await client.get(
        "/v1/areas?level=commune",
        headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]},
    )
    assert again.status_code == 304
    assert vary(again.headers) == ["accept-encoding"]
    assert gzip.compress(b"") != again.content  # nothing sent, not an empty gzip stream


async def test_with_cors_public_answers_vary_by_origin(
    settings: Settings, session: AsyncSession
) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://map.example.vn"]}))

    async def test_session() -> AsyncIterator[AsyncSession]:
        async with committing(session):
            yield session

    app.dependency_overrides[get_session] = test_session
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            without = await client.get("/v1/indicators")
            with_origin = await client.get(
                "/v1/indicators", headers={"Origin": "https://map.example.vn"}
            )
    assert vary(without.headers) == ["accept-encoding", "origin"]
    assert vary(with_origin.headers) == ["accept-encoding", "origin"]


@pytest.mark.usefixtures("no_network")
async def test_without_a_network_the_basemap_is_kept_briefly(client: AsyncClient) -> None:
    """A network loaded soon must show soon, not after a CDN's hour."""
    x, y = tile_of(*TOWN, 14)
    tile = await client.get(f"/v1/tiles/basemap/14/{x}/{y}.mvt")
    assert tile.status_code == 204
    tilejson = await client.get("/v1/tiles/basemap.json")
    assert tilejson.json()["x-loaded"] is False
    for response in (tile, tilejson):
        assert response.headers["cache-control"] == http_cache.MAP.cache_control


def test_the_openapi_document_names_each_policy(app: FastAPI) -> None:
    document = app.openapi()
    headers = document["components"]["headers"]
    for path, policy in http_cache.ROUTE_POLICIES.items():
        responses = document["paths"][path]["get"]["responses"]
        named = responses["200"]["headers"]["Cache-Control"]["$ref"].rsplit("/", 1)[1]
        assert policy.cache_control in headers[named]["description"], path
        if policy.shared:
            assert responses["304"]["headers"]["ETag"] == {"$ref": "#/components/headers/ETag"}
            assert (
                responses["304"]["headers"]["Cache-Control"]
                == responses["200"]["headers"]["Cache-Control"]
            )
        else:
            assert "ETag" not in responses["200"]["headers"], path


async def test_an_owners_304_says_what_its_200_says(client: AsyncClient, actors: Actors) -> None:
    posted = await client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=actors.a
    )
    url = f"/v1/vacancies/{posted.json()['id']}"
    for accept in ("application/json", "application/ld+json"):
        first = await client.get(url, headers={**actors.a, "Accept": accept})
        assert first.status_code == 200
        again = await client.get(
            url, headers={**actors.a, "Accept": accept, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        for name in ("etag", "cache-control", "vary"):
            assert again.headers.get(name) == first.headers.get(name), (accept, name)
        assert "private" in first.headers["cache-control"]


async def test_etags_change_with_the_data_and_only_with_it(
    client: AsyncClient, actors: Actors
) -> None:
    """Same data, same ETag (whatever time the body states); new data, a new ETag."""
    urls = (
        "/v1/public/stats/placements?period=2026-Q1&group_by=sex",
        "/v1/areas?level=province&geometry=none&with=vacancies",
        "/ogc/collections/vacancies/items",
        "/v1/vacancies.geojson?bbox=105.9,10.2,106.0,10.3",
    )

    async def etags() -> list[str]:
        return [(await client.get(url)).headers["etag"] for url in urls]

    before = await etags()
    assert await etags() == before  # generated_at and timeStamp moved meanwhile
    posted = await client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=actors.a
    )
    placement = await client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=posted.json()["id"], channel="job_map"),
        headers=actors.a,
    )
    assert placement.status_code == 201, placement.text
    after = await etags()
    changed = [url for url, old, new in zip(urls, before, after, strict=True) if old != new]
    assert changed == list(urls)
