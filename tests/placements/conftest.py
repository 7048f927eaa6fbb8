"""Helpers for placement tests: payloads and a published vacancy to hire for."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import Actors, vacancy_payload

# Communes: 29542 existed only before 2025-07-01 (district 855), 28756 only after, and 29551
# in both periods (two different units with one code).
OLD_ONLY, NEW_ONLY, BOTH = "29542", "28756", "29551"


def placement_payload(**overrides: Any) -> dict[str, Any]:
    person = {
        "person_ref": "086201001234",
        "sex": "female",
        "birth_year": 1999,
        "trained": True,
        "residence_commune_code": NEW_ONLY,
    }
    person.update(overrides.pop("person", {}))
    payload: dict[str, Any] = {
        "placed_on": "2026-03-02",
        "person": person,
        "destination": "domestic",
        "channel": "job_fair",
    }
    payload.update(overrides)
    return payload


async def post_vacancy(
    client: AsyncClient, actors: Actors, *, positions: int = 2, **overrides: Any
) -> dict[str, Any]:
    sites = overrides.pop(
        "sites",
        [{"positions": positions, "coordinates": {"lon": 105.9723, "lat": 10.2537}}],
    )
    response = await client.post(
        "/v1/vacancies",
        json=vacancy_payload(sites=sites, status="open", **overrides),
        headers=actors.a,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
