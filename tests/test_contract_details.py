"""What schemathesis found, pinned down: the document says what the service does."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app import cursors
from tests.factories import Actors, vacancy_payload
from tests.problems import assert_problem


async def test_a_key_is_optional_where_public_and_required_where_a_role_is(
    client: AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    public = paths["/v1/vacancies"]["get"]
    assert public["security"] == [{}, {"apiKey": []}]
    assert {"401", "422", "503"} <= set(public["responses"])
    assert "403" not in public["responses"]
    staff = paths["/v1/placements"]["post"]
    assert staff["security"] == [{"apiKey": []}]
    assert {"401", "403", "413", "503"} <= set(staff["responses"])
    assert "security" not in paths["/healthz"]["get"]
    assert "503" not in paths["/healthz"]["get"]["responses"]


async def test_every_error_is_documented_as_a_problem(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert set(response["content"]) == {"application/problem+json"}, (
                        path, method, status,
                    )  # fmt: skip
    assert "HTTPValidationError" not in document["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/vacancies/bulk", "POST"),
        ("PATCH", "/v1/vacancies/bulk", "POST"),
        ("PUT", "/v1/vacancies/00000000-0000-0000-0000-000000000000", "GET, PATCH"),
        ("DELETE", "/v1/placements", "GET, POST"),
        ("OPTIONS", "/v1/plans/2026", "GET, PUT"),
    ],
)
async def test_405_names_every_method_of_the_resource(
    client: AsyncClient, actors: Actors, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, headers=actors.department)
    assert_problem(response, 405)
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("until", ["0.5", "1700000000", "2026-03-01", "2026-03-01T08:00:00"])
async def test_instants_are_rfc3339_with_an_offset_never_numbers(
    client: AsyncClient, actors: Actors, until: str
) -> None:
    response = await client.get("/v1/audit", params={"until": until}, headers=actors.department)
    assert_problem(response, 422, "query.until")
    ok = await client.get(
        "/v1/audit", params={"until": "2026-03-01T08:00:00+07:00"}, headers=actors.department
    )
    assert ok.status_code == 200


async def test_valid_through_as_a_number_is_refused(client: AsyncClient, actors: Actors) -> None:
    response = await client.post(
        "/v1/vacancies", json=vacancy_payload(valid_through=1893456000), headers=actors.a
    )
    assert_problem(response, 422, "body.valid_through")


async def test_a_vacancy_id_that_is_not_a_uuid_is_no_resource(client: AsyncClient) -> None:
    assert_problem(await client.get("/v1/vacancies/not-a-uuid"), 404)


async def test_a_forged_cursor_with_a_huge_number_names_the_cursor(
    client: AsyncClient, actors: Actors
) -> None:
    forged = cursors.encode({"t": 2**70, "i": 1})
    response = await client.get(
        "/v1/vacancies/changes", params={"after": forged}, headers=actors.department
    )
    assert_problem(response, 422, "query.after")


@pytest.mark.parametrize("query", ["=0.0", "=false&limit=5", "limit=5&=x"])
async def test_a_query_parameter_without_a_name_is_malformed(
    client: AsyncClient, actors: Actors, query: str
) -> None:
    response = await client.get(f"/v1/placements?{query}", headers=actors.department)
    assert_problem(response, 400, "query.")
    # An empty pair (a stray '&') is harmless.
    fine = await client.get("/v1/placements?&limit=5&", headers=actors.department)
    assert fine.status_code == 200
