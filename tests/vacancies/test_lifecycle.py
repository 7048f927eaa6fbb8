"""Lifecycle: draft, open, closed (filled, withdrawn, expired); who sees what in each state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Employer, Vacancy, VacancyDue, VacancyEvent
from app.vacancies import sweep as sweep_module
from app.vacancies.sweep import sweep
from tests.factories import Actors, vacancy_payload
from tests.problems import assert_problem


async def create(client: AsyncClient, headers: dict[str, str], **overrides: Any) -> str:
    response = await client.post(
        "/v1/vacancies", json=vacancy_payload(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def status_for(client: AsyncClient, vacancy_id: str, headers: dict[str, str]) -> int:
    return (await client.get(f"/v1/vacancies/{vacancy_id}", headers=headers)).status_code


async def test_open_vacancy_is_public(client: AsyncClient, actors: Actors) -> None:
    vacancy_id = await create(client, actors.a)
    for who in ("anonymous", "a", "b", "department", "admin"):
        assert await status_for(client, vacancy_id, getattr(actors, who)) == 200, who


async def test_draft_is_seen_by_its_employer_and_staff_only(
    client: AsyncClient, actors: Actors
) -> None:
    vacancy_id = await create(client, actors.a, status="draft")
    assert await status_for(client, vacancy_id, actors.a) == 200
    assert await status_for(client, vacancy_id, actors.department) == 200
    for who in ("anonymous", "b"):
        assert_problem(
            await client.get(f"/v1/vacancies/{vacancy_id}", headers=getattr(actors, who)), 404
        )
    published = await client.patch(
        f"/v1/vacancies/{vacancy_id}", json={"status": "open"}, headers=actors.a
    )
    assert published.json()["status"] == "open"
    assert published.json()["published_at"] is not None
    assert await status_for(client, vacancy_id, actors.anonymous) == 200


async def test_unverified_employers_vacancies_are_not_public(
    client: AsyncClient, actors: Actors
) -> None:
    vacancy_id = await create(client, actors.unverified_key)
    assert await status_for(client, vacancy_id, actors.unverified_key) == 200
    assert_problem(await client.get(f"/v1/vacancies/{vacancy_id}"), 404)
    await client.post(f"/v1/employers/{actors.unverified.id}/verify", headers=actors.department)
    assert await status_for(client, vacancy_id, actors.anonymous) == 200


async def test_cross_employer_writes_are_404(client: AsyncClient, actors: Actors) -> None:
    vacancy_id = await create(client, actors.a)
    url = f"/v1/vacancies/{vacancy_id}"
    assert_problem(await client.patch(url, json={"title": "Đổi"}, headers=actors.b), 404)
    assert_problem(
        await client.post(f"{url}/close", json={"reason": "filled"}, headers=actors.b), 404
    )
    assert_problem(await client.patch(url, json={"title": "Đổi"}, headers=actors.department), 403)
    assert_problem(await client.patch(url, json={"title": "Đổi"}), 401)
    assert_problem(await client.patch(url, json={"title": "Đổi"}, headers=actors.revoked), 401)
    assert (await client.get(url)).json()["title"] == "Kế toán tổng hợp"


async def test_closed_is_410_for_the_public_with_contacts_masked(
    client: AsyncClient, actors: Actors
) -> None:
    vacancy_id = await create(client, actors.a)
    url = f"/v1/vacancies/{vacancy_id}"
    closed = await client.post(f"{url}/close", json={"reason": "filled"}, headers=actors.a)
    assert closed.json()["status"] == "closed"
    assert closed.json()["close_reason"] == "filled"
    body = assert_problem(await client.get(url), 410)
    assert body["vacancy"]["title"] == "Kế toán tổng hợp"
    contact = body["vacancy"]["contact"]
    assert contact["masked"] is True
    assert contact["phone"] == "+84******678"
    assert contact["email"] == "l***@example.vn"
    owner = (await client.get(url, headers=actors.a)).json()
    assert owner["contact"]["phone"] == "+84912345678"
    again = await client.post(f"{url}/close", json={"reason": "withdrawn"}, headers=actors.a)
    assert_problem(again, 409)
    assert_problem(await client.patch(url, json={"title": "Mở lại"}, headers=actors.a), 409)


async def test_department_withdraws_any_vacancy(client: AsyncClient, actors: Actors) -> None:
    vacancy_id = await create(client, actors.a)
    filled = await client.post(
        f"/v1/vacancies/{vacancy_id}/close", json={"reason": "filled"}, headers=actors.department
    )
    assert_problem(filled, 403)  # only the employer knows it is filled
    response = await client.post(
        f"/v1/vacancies/{vacancy_id}/close", json={"reason": "withdrawn"}, headers=actors.department
    )
    assert response.json()["close_reason"] == "withdrawn"
    bad = await client.post(
        f"/v1/vacancies/{vacancy_id}/close", json={"reason": "expired"}, headers=actors.a
    )
    assert_problem(bad, 422, "body.reason")


async def _set_valid_through(session: AsyncSession, vacancy_id: str, offset: timedelta) -> None:
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() + :offset WHERE id = CAST(:id AS uuid)"),
        {"offset": offset, "id": vacancy_id},
    )
    await session.commit()


@pytest.mark.parametrize(
    ("offset", "public_status"),
    [(timedelta(microseconds=1), 200), (timedelta(0), 410), (timedelta(days=-1), 410)],
)
async def test_expiry_takes_effect_at_valid_through(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    offset: timedelta,
    public_status: int,
) -> None:
    """now() is the transaction's start, the same instant the request reads the clock at."""
    vacancy_id = await create(client, actors.a)
    await _set_valid_through(session, vacancy_id, offset)
    assert (await client.get(f"/v1/vacancies/{vacancy_id}")).status_code == public_status
    owner = (await client.get(f"/v1/vacancies/{vacancy_id}", headers=actors.a)).json()
    if public_status == 410:
        assert (owner["status"], owner["close_reason"]) == ("closed", "expired")
        assert owner["closed_at"] == owner["valid_through"]
    else:
        assert owner["status"] == "open"


async def test_sweep_records_expiry_once(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    expired_id = await create(client, actors.a)
    open_id = await create(client, actors.a, title="Thủ kho")
    await _set_valid_through(session, expired_id, timedelta(hours=-1))
    before = (await client.get(f"/v1/vacancies/{expired_id}", headers=actors.a)).json()
    first = await sweep(session)
    second = await sweep(session)
    assert (first.expired, second.expired) == (1, 0)
    kinds = (
        await session.scalars(
            select(VacancyEvent.kind)
            .where(VacancyEvent.vacancy_id == expired_id)
            .order_by(VacancyEvent.id)
        )
    ).all()
    assert list(kinds) == ["created", "expired"]
    queued = set(await session.scalars(select(VacancyDue.vacancy_id)))
    assert {str(v) for v in queued} == {open_id}
    # The row is not rewritten: what owners read, and its ETag, are what they were before.
    owner = await client.get(f"/v1/vacancies/{expired_id}", headers=actors.a)
    assert owner.json() == before
    assert (before["status"], before["close_reason"]) == ("closed", "expired")
    assert (await session.scalar(select(Vacancy.status).where(Vacancy.id == open_id))) == "open"


async def test_sweep_works_off_a_backlog_in_batches(
    client: AsyncClient, actors: Actors, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep_module, "SWEEP_BATCH", 2)
    ids = [await create(client, actors.a, title=f"Tồn đọng {i}") for i in range(5)]
    for vacancy_id in ids:
        await _set_valid_through(session, vacancy_id, timedelta(hours=-1))
    # A batch with only an unverified employer's vacancy (no event) must not end the sweep.
    await session.execute(
        update(Employer).where(Employer.id == actors.employer_a.id).values(verified_at=None)
    )
    assert (await sweep(session)).expired == 5
    assert await session.scalar(select(func.count()).select_from(VacancyDue)) == 0
    expired = await session.scalar(
        select(func.count()).select_from(VacancyEvent).where(VacancyEvent.kind == "expired")
    )
    assert expired == 0  # unverified: nobody saw them


async def test_valid_through_defaults_to_30_days(client: AsyncClient, actors: Actors) -> None:
    body = (await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)).json()
    lifetime = datetime.fromisoformat(body["valid_through"]) - datetime.fromisoformat(
        body["created_at"]
    )
    assert lifetime == timedelta(days=30)


async def test_json_ld_job_posting(client: AsyncClient, actors: Actors) -> None:
    vacancy_id = await create(
        client,
        actors.a,
        salary={"min": 25_000, "max": 30_000, "period": "hour"},
        sites=[
            {
                "positions": 2,
                "coordinates": {"lon": 105.9723, "lat": 10.2537},
                "address": "1 Đường 2/9",
            },
            {"positions": 3, "commune_code": "29557"},
        ],
    )
    response = await client.get(
        f"/v1/vacancies/{vacancy_id}", headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    doc = response.json()
    assert doc["@context"] == "https://schema.org/"
    assert doc["@type"] == "JobPosting"
    assert doc["title"] == "Kế toán tổng hợp"
    assert doc["employmentType"] == "FULL_TIME"
    assert doc["totalJobOpenings"] == 5
    assert doc["hiringOrganization"]["name"] == actors.employer_a.name
    assert doc["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "VND",
        "value": {
            "@type": "QuantitativeValue",
            "unitText": "HOUR",
            "minValue": 25_000,
            "maxValue": 30_000,
        },
    }
    assert doc["occupationalCategory"]["codeValue"] == "24"
    first, second = doc["jobLocation"]
    assert first["geo"] == {"@type": "GeoCoordinates", "longitude": 105.9723, "latitude": 10.2537}
    assert first["address"]["streetAddress"] == "1 Đường 2/9"
    assert first["address"]["addressLocality"] == "Phường Long Châu"
    assert second["address"]["addressCountry"] == "VN"
    assert doc["datePosted"]
    assert doc["validThrough"]
    json_etag = (await client.get(f"/v1/vacancies/{vacancy_id}")).headers["etag"]
    assert response.headers["etag"] != json_etag


async def test_a_draft_past_its_date_is_published_only_with_a_new_date(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy_id = await create(client, actors.a, status="draft")
    await _set_valid_through(session, vacancy_id, timedelta(hours=-1))
    url = f"/v1/vacancies/{vacancy_id}"
    refused = await client.patch(url, json={"status": "open"}, headers=actors.a)
    assert_problem(refused, 422, "body.valid_through")
    future = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    ok = await client.patch(url, json={"status": "open", "valid_through": future}, headers=actors.a)
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "open"


async def test_accept_header_q_values(client: AsyncClient, actors: Actors) -> None:
    url = f"/v1/vacancies/{await create(client, actors.a)}"
    cases = {
        "application/ld+json": "application/ld+json",
        "application/json;q=1, application/ld+json;q=0": "application/json",
        "application/json;q=0.5, application/ld+json": "application/ld+json",
        "*/*": "application/json",
        "text/html": "application/json",
    }
    for accept, expected in cases.items():
        response = await client.get(url, headers={"Accept": accept})
        assert response.headers["content-type"] == expected, accept
