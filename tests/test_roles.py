"""Every endpoint against every kind of caller: the access matrix in one place."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Actors, tax_code, vacancy_payload
from tests.placements.conftest import placement_payload

WHO = ("anonymous", "a", "b", "department", "admin", "revoked")
PERIOD = "from=2026-01-01&to=2026-01-31&group_by=sex"
DEMAND = "from=2026-01-01&to=2026-01-31&group_by=month"


async def _vacancy(client: AsyncClient, actors: Actors, **overrides: Any) -> str:
    response = await client.post(
        "/v1/vacancies", json=vacancy_payload(**overrides), headers=actors.a
    )
    return str(response.headers["location"])


# (method, path template, body, expected status per caller in WHO order)
MATRIX: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("GET", "{open}", None, (200, 200, 200, 200, 200, 401)),
    ("GET", "{draft}", None, (404, 200, 404, 200, 200, 401)),
    ("PATCH", "{open}", {"description": "Mô tả mới."}, (401, 200, 404, 403, 403, 401)),
    ("POST", "{open}/close", {"reason": "withdrawn"}, (401, 200, 404, 200, 200, 401)),
    ("POST", "/v1/vacancies", "vacancy", (401, 201, 201, 403, 403, 401)),
    ("POST", "/v1/vacancies/bulk", ["vacancy"], (401, 200, 200, 403, 403, 401)),
    ("GET", "/v1/vacancies/changes", None, (200, 200, 200, 200, 200, 401)),
    ("POST", "/v1/employers", "employer", (401, 403, 403, 201, 201, 401)),
    ("GET", "/v1/employers/{a_id}", None, (401, 200, 404, 200, 200, 401)),
    ("PATCH", "/v1/employers/{a_id}", {"website": "https://a.vn"}, (401, 200, 404, 200, 200, 401)),
    ("POST", "/v1/employers/{a_id}/verify", None, (401, 403, 403, 200, 200, 401)),
    ("POST", "/v1/employers/{a_id}/keys", None, (401, 201, 404, 201, 201, 401)),
    ("GET", "/v1/employers/{a_id}/keys", None, (401, 200, 404, 200, 200, 401)),
    ("GET", "/v1/areas/lookup?lon=105.97&lat=10.25", None, (200, 200, 200, 200, 200, 401)),
    # Placements: employers only for their own vacancies (this one names none: 422).
    ("POST", "/v1/placements", "placement", (401, 422, 422, 201, 201, 401)),
    ("GET", "/v1/placements", None, (401, 200, 200, 200, 200, 401)),
    ("GET", "/v1/audit", None, (401, 403, 403, 200, 200, 401)),
    ("GET", "/v1/indicators", None, (200, 200, 200, 200, 200, 401)),
    ("PUT", "/v1/plans/2026", [], (401, 403, 403, 201, 201, 401)),
    ("GET", "/v1/plans/2026", None, (401, 403, 403, 404, 404, 401)),
    (
        "PUT",
        "/v1/indicators/trained_labour_ratio/values/2026",
        {"value": 60},
        (401, 403, 403, 201, 201, 401),
    ),
    ("GET", "/v1/stats/indicators?year=2026", None, (401, 403, 403, 200, 200, 401)),
    ("GET", f"/v1/stats/placements?{PERIOD}", None, (401, 403, 403, 200, 200, 401)),
    ("GET", "/v1/stats/projection-accuracy", None, (401, 403, 403, 200, 200, 401)),
    (
        "GET",
        f"/v1/stats/vacancies?{PERIOD}".replace("sex", "month"),
        None,
        (401, 403, 403, 200, 200, 401),
    ),
    ("GET", "/v1/public/stats/placements?period=2026-01", None, (200, 200, 200, 200, 200, 401)),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX)
@pytest.mark.parametrize("who", range(len(WHO)), ids=WHO)
async def test_access(
    client: AsyncClient,
    actors: Actors,
    method: str,
    path: str,
    body: Any,
    expected: tuple[int, ...],
    who: int,
) -> None:
    values: dict[str, object] = {"a_id": actors.employer_a.id}
    if "{open}" in path:
        values["open"] = await _vacancy(client, actors)
    if "{draft}" in path:
        values["draft"] = await _vacancy(client, actors, status="draft", title="Bản nháp")
    url = path.format(**values)
    if body == "vacancy":
        body = vacancy_payload(title=f"Tin {WHO[who]}")
    elif body == ["vacancy"]:
        body = [vacancy_payload(title=f"Tin loạt {WHO[who]}")]
    elif body == "employer":
        body = {"name": "Công ty Mới", "tax_code": tax_code()}
    elif body == "placement":
        body = placement_payload()
    response = await client.request(method, url, json=body, headers=getattr(actors, WHO[who]))
    assert response.status_code == expected[who], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
