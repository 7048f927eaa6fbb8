"""Strict query parameters (app/query_params.py): a parameter an operation does not take is a
400 naming it and listing those it takes, on /v1 and /ogc; tracking parameters pass on GET
operations of /v1 only; the pages are not checked."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import create_app
from app.models import Vacancy
from app.query_params import TRACKING_PARAMS, accepted_names, is_tracking
from tests.factories import CITY_CENTRE, Actors, post_vacancy, vacancy_payload
from tests.problems import assert_problem

NEAR = f"{CITY_CENTRE[0]},{CITY_CENTRE[1]}"
TRACKING = {"utm_source": "zalo", "utm_campaign": "tet", "fbclid": "IwAR0x", "zarsrc": "30"}


async def test_a_misspelt_radius_is_400_naming_it_and_listing_radius_m(
    client: AsyncClient, actors: Actors
) -> None:
    await post_vacancy(client, actors.a)
    response = await client.get("/v1/vacancies", params={"near": NEAR, "radius": "5000"})
    body = assert_problem(response, 400, "query.radius")
    assert [error["field"] for error in body["errors"]] == ["query.radius"]
    assert "radius_m" in body["accepted"]
    assert "radius" not in body["accepted"]
    assert "Unknown parameter: radius." in body["detail"]
    assert "radius_m" in body["detail"]
    # Spelt right, the same request answers.
    good = await client.get("/v1/vacancies", params={"near": NEAR, "radius_m": "5000"})
    assert good.status_code == 200, good.text


async def test_every_unknown_parameter_is_named(client: AsyncClient) -> None:
    response = await client.get("/v1/areas", params={"levle": "commune", "att": "2026-01-01"})
    body = assert_problem(response, 400, "query.levle", "query.att")
    assert {"level", "at", "parent", "geometry"} <= set(body["accepted"])


async def test_an_operation_without_parameters_says_so(client: AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/indicators", params={"year": "2026"}), 400)
    assert body["accepted"] == []
    assert "takes: no query parameters" in body["detail"]


async def test_a_refused_write_stores_nothing(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    before = await session.scalar(select(func.count()).select_from(Vacancy))
    response = await client.post(
        "/v1/vacancies?dry_run=true", json=vacancy_payload(), headers=actors.a
    )
    assert_problem(response, 400, "query.dry_run")
    assert await session.scalar(select(func.count()).select_from(Vacancy)) == before


async def test_tracking_parameters_pass_on_get_only(client: AsyncClient, actors: Actors) -> None:
    await post_vacancy(client, actors.a)
    plain = await client.get("/v1/vacancies", params={"near": NEAR})
    tracked = await client.get("/v1/vacancies", params={"near": NEAR, **TRACKING})
    assert tracked.status_code == plain.status_code == 200
    assert tracked.json()["items"] == plain.json()["items"]
    # Not on writes: a program posting a vacancy adds none.
    response = await client.post(
        "/v1/vacancies?utm_source=zalo", json=vacancy_payload(), headers=actors.a
    )
    assert_problem(response, 400, "query.utm_source")
    # Nor on /ogc: the standard wants 400 for every parameter it does not define.
    assert_problem(await client.get("/ogc", params={"fbclid": "x"}), 400, "query.fbclid")
    # Only the listed names and the prefix: near misses are unknown.
    for name in ("utm", "utmsource", "fbclid_", "UTM_source"):
        assert not is_tracking(name)
        assert_problem(await client.get("/v1/areas", params={name: "x"}), 400, f"query.{name}")


async def test_pages_are_not_checked(client: AsyncClient) -> None:
    for path in ("/", "/dashboard"):
        response = await client.get(path, params={"utm_source": "zalo", "vacancy": "x"})
        assert response.status_code == 200, path


@pytest.mark.parametrize("name", sorted(TRACKING_PARAMS))
def test_no_operation_declares_a_tracking_name(name: str) -> None:
    # Otherwise a shared link's tracking value would be read as a filter.
    for route in _api_routes():
        assert not any(is_tracking(declared) for declared in accepted_names(route)), name


def _api_routes() -> list[APIRoute]:
    app = create_app(Settings())
    return [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and (context.path_format or "").startswith(("/v1/", "/ogc"))
    ]


def test_the_accepted_names_are_the_documented_query_parameters() -> None:
    """The check reads each route's own dependant; the document is built from the route as
    included (with the /v1 dependencies). They agree for every operation, so no dependency
    added at inclusion takes a parameter the check would refuse, and the 400 is documented."""
    app = create_app(Settings())
    spec: dict[str, Any] = app.openapi()
    checked = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path_format or ""
        if not isinstance(route, APIRoute) or not path.startswith(("/v1/", "/ogc")):
            continue
        for method in context.methods or ():
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is None:  # not in the document (the catch-all of /ogc's items)
                continue
            documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert accepted_names(route) == documented, f"{method} {path}"
            described = operation["responses"]["400"]["description"]
            assert "does not take" in described or "unknown parameter" in described, path
            checked += 1
    assert checked >= 40
