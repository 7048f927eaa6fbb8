"""VSIC 2018 and VSIC 2025 held side by side: both lists loaded with their dates, a posting's
industry code read in the version in force on its posting date (a placement's on placed_on, or
in its vacancy's version), names from that version in the API, and unknown codes a 422."""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.classifications.versions import industry_version_on
from tests.factories import Actors, post_vacancy, vacancy_payload
from tests.placements.conftest import placement_payload
from tests.problems import assert_problem

FINANCE_2018 = "HOẠT ĐỘNG TÀI CHÍNH, NGÂN HÀNG VÀ BẢO HIỂM"
TELECOMS_2025 = (
    "HOẠT ĐỘNG VIỄN THÔNG; LẬP TRÌNH MÁY TÍNH, TƯ VẤN, CƠ SỞ HẠ TẦNG MÁY TÍNH VÀ CÁC DỊCH VỤ "
    "THÔNG TIN KHÁC"
)


async def test_both_versions_are_loaded_with_their_dates(session: AsyncSession) -> None:
    rows = await session.execute(
        text(
            "SELECT version, level, count(*), min(valid_from), max(valid_to), "
            "count(name_vi), count(name_en) FROM industry GROUP BY version, level "
            "ORDER BY version, level"
        )
    )
    switch = date(2025, 11, 15)
    assert [tuple(row) for row in rows] == [
        ("2018", 1, 21, None, switch, 21, 21),
        ("2018", 2, 88, None, switch, 88, 88),
        ("2025", 1, 22, switch, None, 22, 22),
        ("2025", 2, 87, switch, None, 87, 87),
    ]
    found = await session.execute(
        text(
            "SELECT version || ':' || code, name_vi FROM industry "
            "WHERE code IN ('K', '45', 'V', '95')"
        )
    )
    names: dict[str, str] = {str(key): str(name) for key, name in found}
    assert names["2018:K"] == FINANCE_2018
    assert names["2025:K"] == TELECOMS_2025
    assert "2025:45" not in names  # the sale and repair of vehicles moved to 46, 47 and 95
    assert "2018:V" not in names
    # Every division's section is in its own version.
    orphans = await session.scalar(
        text(
            "SELECT count(*) FROM industry d WHERE d.level = 2 AND NOT EXISTS (SELECT 1 FROM "
            "industry s WHERE s.version = d.version AND s.code = d.parent_code AND s.level = 1)"
        )
    )
    assert orphans == 0


def test_the_version_in_force_on_a_day() -> None:
    assert industry_version_on(date(2019, 1, 1)) == "2018"
    assert industry_version_on(date(2025, 11, 14)) == "2018"
    assert industry_version_on(date(2025, 11, 15)) == "2025"
    assert industry_version_on(date(2030, 1, 1)) == "2025"


def _industry(body: dict[str, Any]) -> tuple[str, str, str | None, str | None]:
    industry = body["industry"]
    return industry["code"], industry["version"], industry["name_vi"], industry["name_en"]


async def test_a_vacancy_reads_its_code_in_the_version_of_its_posting_date(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    # Posted today: VSIC 2025, where K is telecoms and IT and 45 does not exist.
    today = await post_vacancy(client, actors.a, title="Lập trình viên", industry_code="K")
    assert _industry(today) == (
        "K",
        "2025",
        TELECOMS_2025,
        "Telecommunications, computer programming, consultancy, computing infrastructure, "
        "and other information service activities",
    )
    assert today["industry"]["name"] == TELECOMS_2025
    refused = await client.post(
        "/v1/vacancies", json=vacancy_payload(industry_code="45"), headers=actors.a
    )
    problem = assert_problem(refused, 422)
    (error,) = problem["errors"]
    assert error["field"] == "body.industry_code"
    assert "VSIC 2025" in error["message"]

    # Posted on 1 October 2025: its codes are read in VSIC 2018, before and after the change.
    older = await post_vacancy(client, actors.a, title="Kỹ thuật viên tài chính")
    await session.execute(
        text("UPDATE vacancy SET created_at = TIMESTAMPTZ '2025-10-01 09:00+07' WHERE id = :id"),
        {"id": older["id"]},
    )
    url = f"/v1/vacancies/{older['id']}"
    patched = await client.patch(url, json={"industry_code": "K"}, headers=actors.a)
    assert patched.status_code == 200, patched.text
    assert _industry(patched.json()) == (
        "K",
        "2018",
        FINANCE_2018,
        "Financial and insurance activities",
    )
    patched = await client.patch(url, json={"industry_code": "45"}, headers=actors.a)
    assert patched.status_code == 200, patched.text
    assert _industry(patched.json())[:3] == (
        "45",
        "2018",
        "Bán, sửa chữa ô tô, mô tô, xe máy và xe có động cơ khác",
    )
    read = await client.get(url, headers=actors.a)
    assert _industry(read.json())[:2] == ("45", "2018")
    # V (international organisations) is a 2025 section only.
    refused = await client.patch(url, json={"industry_code": "V"}, headers=actors.a)
    assert "VSIC 2018" in assert_problem(refused, 422)["errors"][0]["message"]
    cleared = await client.patch(url, json={"industry_code": None}, headers=actors.a)
    assert cleared.json()["industry"] is None


async def test_a_placement_reads_its_code_by_placed_on_or_in_its_vacancys_version(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    def payload(placed_on: str, code: str) -> dict[str, Any]:
        return placement_payload(placed_on=placed_on, industry_code=code, occupation_code="72")

    before = await client.post(
        "/v1/placements", json=payload("2025-11-14", "45"), headers=actors.department
    )
    assert before.status_code == 201, before.text
    assert (before.json()["industry_code"], before.json()["industry_version"]) == ("45", "2018")
    after = await client.post(
        "/v1/placements", json=payload("2025-11-15", "45"), headers=actors.department
    )
    (error,) = assert_problem(after, 422)["errors"]
    assert error["field"] == "body.industry_code"
    assert "VSIC 2025" in error["message"]
    after = await client.post(
        "/v1/placements", json=payload("2025-11-15", "V"), headers=actors.department
    )
    assert after.status_code == 201, after.text
    assert after.json()["industry_version"] == "2025"

    # A hire for a vacancy posted before the change keeps the vacancy's code and version.
    vacancy = await post_vacancy(client, actors.a, title="Thợ sửa xe máy", occupation_code="72")
    await session.execute(
        text("UPDATE vacancy SET created_at = TIMESTAMPTZ '2025-10-01 09:00+07' WHERE id = :id"),
        {"id": vacancy["id"]},
    )
    patched = await client.patch(
        f"/v1/vacancies/{vacancy['id']}", json={"industry_code": "45"}, headers=actors.a
    )
    assert patched.status_code == 200, patched.text
    hire = await client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=vacancy["id"], channel="job_map"),
        headers=actors.a,
    )
    assert hire.status_code == 201, hire.text
    assert (hire.json()["industry_code"], hire.json()["industry_version"]) == ("45", "2018")


async def test_demand_by_industry_names_sections_in_the_version_in_force(
    client: AsyncClient, actors: Actors
) -> None:
    for placed_on in ("2025-11-10", "2026-03-02"):
        response = await client.post(
            "/v1/placements",
            json=placement_payload(placed_on=placed_on, industry_code="64", occupation_code="24"),
            headers=actors.department,
        )
        assert response.status_code == 201, response.text

    async def names(start: str, end: str) -> dict[str, str]:
        response = await client.get(
            "/v1/stats/demand",
            params={"from": start, "to": end, "group_by": "industry"},
            headers=actors.department,
        )
        assert response.status_code == 200, response.text
        return {row["code"]: row["name"] for row in response.json()["rows"] if row["code"]}

    # Division 64 (financial services) is in section K in 2018 and in section L in 2025.
    assert (await names("2025-11-01", "2025-11-14")) == {"K": FINANCE_2018}
    assert (await names("2026-03-01", "2026-03-31")) == {"L": FINANCE_2018}
