"""Posting vacancies: roles, fields, sites placed in communes, and every kind of bad input."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vacancy, VacancySite
from tests.factories import Actors, vacancy_payload
from tests.problems import assert_problem


async def post(client: AsyncClient, headers: dict[str, str], **overrides: Any) -> Any:
    return await client.post("/v1/vacancies", json=vacancy_payload(**overrides), headers=headers)


async def test_employer_posts_a_vacancy(client: AsyncClient, actors: Actors) -> None:
    response = await post(client, actors.a)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/vacancies/{body['id']}"
    assert response.headers["etag"].startswith('"')
    assert body["status"] == "open"
    assert body["employer"]["id"] == str(actors.employer_a.id)
    assert body["occupation"] == {
        "code": "24",
        "name": "Nhà chuyên môn về kinh doanh và quản lý",
        "name_vi": "Nhà chuyên môn về kinh doanh và quản lý",
        "name_en": "Business and Administration Professionals",
    }
    # Posted today: read in VSIC 2025, in force since 2025-11-15.
    assert body["industry"] == {
        "code": "14",
        "name": "Sản xuất trang phục",
        "name_vi": "Sản xuất trang phục",
        "name_en": "Manufacture of wearing apparel",
        "version": "2025",
    }
    assert body["contact"]["phone"] == "+84912345678"
    assert body["positions"] == 2
    (site,) = body["sites"]
    assert site["commune"]["code"] == "29551"
    assert site["approximate"] is False
    assert (site["lon"], site["lat"]) == (105.9723, 10.2537)
    assert body["salary"]["monthly_min"] == 8_000_000
    assert body["published_at"] is not None


@pytest.mark.parametrize(
    ("salary", "monthly"),
    [
        ({"min": 25_000, "max": 30_000, "period": "hour"}, (5_200_000, 6_240_000)),
        ({"min": 300_000, "period": "day"}, (7_800_000, None)),
        ({"min": 120_000_000, "max": 180_000_000, "period": "year"}, (10_000_000, 15_000_000)),
        ({"negotiable": True}, (None, None)),
    ],
)
async def test_salary_is_kept_as_posted_and_per_month(
    client: AsyncClient, actors: Actors, salary: dict[str, Any], monthly: tuple[Any, Any]
) -> None:
    body = (await post(client, actors.a, salary=salary)).json()
    assert (body["salary"]["monthly_min"], body["salary"]["monthly_max"]) == monthly
    assert body["salary"]["min"] == salary.get("min")
    assert body["salary"]["period"] == salary.get("period", "month")


async def test_site_by_commune_code_is_approximate(client: AsyncClient, actors: Actors) -> None:
    sites = [
        {"positions": 3, "commune_code": "29557", "address": "Khu công nghiệp Hòa Phú"},
        {"positions": 1, "coordinates": {"lon": 106.3756, "lat": 10.2415}},
    ]
    body = (await post(client, actors.a, sites=sites)).json()
    first, second = body["sites"]
    assert first["approximate"] is True
    assert first["commune"]["code"] == "29557"
    assert first["address"] == "Khu công nghiệp Hòa Phú"
    assert second["commune"]["code"] == "28777"  # old Bến Tre: part of the province since 2025
    assert body["positions"] == 4


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("revoked", 401), ("department", 403), ("admin", 403)],
)
async def test_only_employers_post(
    client: AsyncClient, actors: Actors, who: str, status: int
) -> None:
    assert_problem(await post(client, getattr(actors, who)), status)


BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"occupation_code": "99"}, "body.occupation_code"),
    ({"occupation_code": "24'; DROP TABLE vacancy; --"}, "body.occupation_code"),
    ({"industry_code": "Z"}, "body.industry_code"),
    ({"industry_code": "00"}, "body.industry_code"),
    ({"sites": []}, "body.sites"),
    ({"sites": [{"positions": 1, "commune_code": "29557"}] * 21}, "body.sites"),
    (
        {"sites": [{"positions": 1, "coordinates": {"lon": 105.85, "lat": 21.03}}]},
        "body.sites.0.coordinates",
    ),
    (
        {"sites": [{"positions": 1, "coordinates": {"lon": 200, "lat": 10}}]},
        "body.sites.0.coordinates.lon",
    ),
    (
        {"sites": [{"positions": 1, "coordinates": {"lon": 10.25, "lat": 105.97}}]},
        "body.sites.0.coordinates.lat",
    ),
    ({"sites": [{"positions": 1, "commune_code": "99999"}]}, "body.sites.0.commune_code"),
    ({"sites": [{"positions": 1, "commune_code": "855"}]}, "body.sites.0.commune_code"),
    ({"sites": [{"positions": 0, "commune_code": "29557"}]}, "body.sites.0.positions"),
    ({"sites": [{"positions": 1}]}, "body.sites.0"),
    (
        {
            "sites": [
                {"positions": 1, "commune_code": "29557", "coordinates": {"lon": 106, "lat": 10}}
            ]
        },
        "body.sites.0",
    ),
    ({"title": "Kế\x00toán"}, "body.title"),
    ({"title": "Kế toán\u202e"}, "body.title"),
    ({"title": "x" * 201}, "body.title"),
    ({"title": "   "}, "body.title"),
    ({"title": 42}, "body.title"),
    ({"description": "a" * 20_001}, "body.description"),
    ({"salary": {"min": 10, "max": 5}}, "body.salary"),
    ({"salary": {"min": -1}}, "body.salary.min"),
    ({"salary": {"min": 1, "currency": "USD"}}, "body.salary.currency"),
    ({"salary": {}}, "body.salary"),
    ({"salary": {"min": 1, "period": "week"}}, "body.salary.period"),
    ({"requirements": {"age_min": 40, "age_max": 30}}, "body.requirements"),
    ({"requirements": {"age_min": 12}}, "body.requirements.age_min"),
    ({"contact": {"name": "Lan"}}, "body.contact"),
    ({"contact": {"name": "Lan", "phone": "12345"}}, "body.contact.phone"),
    ({"contact": {"name": "Lan", "email": "not-an-email"}}, "body.contact.email"),
    ({"employment_type": "freelance"}, "body.employment_type"),
    ({"valid_through": "2020-01-01T00:00:00+07:00"}, "body.valid_through"),
    ({"valid_through": "2099-01-01T00:00:00+07:00"}, "body.valid_through"),
    ({"valid_through": "2027-01-01T00:00:00"}, "body.valid_through"),  # no time zone
    ({"status": "closed"}, "body.status"),
    ({"unknown_field": 1}, "body.unknown_field"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_INPUTS)
async def test_bad_input_is_422_naming_the_field(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = await post(client, actors.a, **overrides)
    body = assert_problem(response, 422)
    fields = [error["field"] for error in body.get("errors", [])]
    assert any(f.startswith(field) for f in fields), fields
    assert await session.scalar(select(func.count()).select_from(Vacancy)) == 0


async def test_outside_the_province_says_so(client: AsyncClient, actors: Actors) -> None:
    response = await post(
        client, actors.a, sites=[{"positions": 1, "coordinates": {"lon": 105.85, "lat": 21.03}}]
    )
    body = assert_problem(response, 422)
    assert "outside" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"title": "\xff\xfe"}', b"[]", b'"text"', b"null", b"{}" + b" " * 10],
)
async def test_malformed_bodies_are_422(client: AsyncClient, actors: Actors, raw: bytes) -> None:
    response = await client.post(
        "/v1/vacancies", content=raw, headers={**actors.a, "Content-Type": "application/json"}
    )
    assert_problem(response, 422)


async def test_deeply_nested_json_is_a_4xx(client: AsyncClient, actors: Actors) -> None:
    raw = b"[" * 100_000 + b"]" * 100_000
    response = await client.post(
        "/v1/vacancies", content=raw, headers={**actors.a, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


async def test_text_is_stored_nfc_and_sql_looking_text_verbatim(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    decomposed = unicodedata.normalize("NFD", "Kế toán  tổng hợp")
    assert decomposed != "Kế toán  tổng hợp"
    sneaky = "Robert'); DROP TABLE vacancy;--"
    body = (await post(client, actors.a, title=decomposed, description=sneaky)).json()
    assert body["title"] == "Kế toán tổng hợp"  # NFC, whitespace collapsed
    assert body["description"] == sneaky
    stored = await session.scalar(select(Vacancy.title).where(Vacancy.id == body["id"]))
    assert stored == unicodedata.normalize("NFC", "Kế toán tổng hợp")


async def test_external_ref_is_unique_per_employer(client: AsyncClient, actors: Actors) -> None:
    first = await post(client, actors.a, external_ref="HR-1")
    assert first.status_code == 201
    taken = await post(client, actors.a, external_ref="HR-1", title="Thủ kho")
    body = assert_problem(taken, 409)
    assert body["existing"] == first.headers["location"]
    other_employer = await post(client, actors.b, external_ref="HR-1")
    assert other_employer.status_code == 201


async def test_sites_are_stored_with_their_commune_row(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    body = (await post(client, actors.a)).json()
    row = (
        await session.execute(
            select(VacancySite.commune_code, VacancySite.area_id).where(
                VacancySite.vacancy_id == body["id"]
            )
        )
    ).one()
    assert row.commune_code == "29551"
    assert row.area_id is not None
