"""Places that need attention, on hand-built placements with known answers: districts in 2024
(before the reorganisation), communes in 2026, the order of the reasons, the exports and the
unhappy paths."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Actors
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

H1_2024 = date(2024, 1, 1)
H1_2023 = date(2023, 1, 1)
# A commune of each of four districts of the old province, valid in 2023 and 2024.
CITY, LONG_HO, MANG_THIT, VUNG_LIEM = "29542", "29578", "29623", "29659"


async def _districts_2024(session: AsyncSession, client: AsyncClient, actors: Actors) -> None:
    async def people(code: str, first: int, count: int, **extra: Any) -> None:
        start = extra.pop("start", H1_2024)
        residence = await commune_id(session, code, start)
        await add_people(
            session, first=first, count=count, start=start, days=150, residence=residence, **extra
        )

    # Long Hồ: 100 people, none through the job map, against a plan of 1,000.
    await people(LONG_HO, 1, 100)
    # Mang Thít: 40 people (20 through the job map); 50 in the same half of 2023.
    await people(MANG_THIT, 1_001, 20)
    await people(MANG_THIT, 1_101, 20, channel="job_map")
    await people(MANG_THIT, 2_001, 50, start=H1_2023)
    # Vũng Liêm: 30 people, all through the job map; 30 a year earlier.
    await people(VUNG_LIEM, 3_001, 30, channel="job_map")
    await people(VUNG_LIEM, 3_101, 30, start=H1_2023)
    # The city: 60 people (30 through the job map) against a plan of 100.
    await people(CITY, 4_001, 30)
    await people(CITY, 4_101, 30, channel="job_map")
    # Not counted: voided, and after `through`.
    await people(LONG_HO, 5_001, 40, voided=True)
    await people(CITY, 6_001, 25, start=date(2024, 7, 1))
    await session.commit()
    plan = await client.put(
        "/v1/plans/2024",
        json={
            "targets": [
                {"indicator": "new_jobs", "target": 20_000},
                {"indicator": "new_jobs", "target": 1_000, "area_code": "857"},
                {"indicator": "new_jobs", "target": 100, "area_code": "855"},
            ]
        },
        headers=actors.department,
    )
    assert plan.status_code == 201, plan.text


async def test_districts_are_ranked_by_the_first_reason_that_flags_them(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _districts_2024(session, client, actors)
    response = await client.get(
        "/v1/stats/areas/attention",
        params={"year": 2024, "through": "2024-06-30"},
        headers=actors.department,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["level"] == "district"
    assert body["year_elapsed_pct"] == 49.73  # 182 of 366 days
    assert body["province_people"] == 230
    assert body["province_job_map_share_pct"] == 34.78  # 80 of 230
    units = body["units"]
    assert [u["code"] for u in units] == ["857", "858", "855", "859", "860", "861", "862", "863"]
    assert [u["rank"] for u in units] == list(range(1, 9))
    long_ho, mang_thit, city, vung_liem = units[:4]
    # Against its own plan: 10% of it with half the year gone (pace 0.201), and none of its
    # people through the job map (under half the province's 34.78%).
    assert long_ho["people"] == 100
    assert long_ho["plan"] == 1000
    assert long_ho["pct_of_plan"] == 10
    assert long_ho["pace"] == 0.201
    assert [f["reason"] for f in long_ho["flags"]] == ["behind_plan", "few_via_job_map"]
    assert "Đạt 10.00% kế hoạch năm" in long_ho["flags"][0]["detail"]
    # No plan: 40 against 50 a year earlier, a fall of 20%.
    assert mang_thit["plan"] is None
    assert (mang_thit["people"], mang_thit["same_period_last_year"]) == (40, 50)
    assert mang_thit["change_pct"] == -20
    assert [f["reason"] for f in mang_thit["flags"]] == ["fewer_than_last_year"]
    assert mang_thit["job_map_share_pct"] == 50
    # On pace (60% of its plan: pace 1.207), half through the job map: not flagged.
    assert (city["people"], city["pct_of_plan"], city["pace"]) == (60, 60, 1.207)
    assert city["flags"] == []
    # As many as a year earlier: not flagged, though it has no plan.
    assert (vung_liem["change_pct"], vung_liem["flags"]) == (0, [])
    # Districts with nobody placed: no share, no change, nothing to flag.
    assert all(u["people"] == 0 and u["flags"] == [] for u in units[4:])
    assert units[4]["job_map_share_pct"] is None


async def test_after_the_reorganisation_the_units_are_communes(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    """In 2026 there are no districts: the communes are ranked; a commune created in 2025
    has no same period a year earlier before 1 July 2025, so only its channel can flag it."""
    residence = await commune_id(session, "28756", date(2026, 3, 1))  # Phú Khương
    await add_people(session, first=1, count=20, start=date(2026, 1, 1), days=60,
                     residence=residence)  # fmt: skip
    other = await commune_id(session, "28777", date(2026, 3, 1))  # An Hội
    await add_people(session, first=101, count=20, start=date(2026, 1, 1), days=60,
                     residence=other, channel="job_map")  # fmt: skip
    await session.commit()
    response = await client.get(
        "/v1/stats/areas/attention",
        params={"year": 2026, "through": "2026-03-31"},
        headers=actors.department,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["level"] == "commune"
    assert len(body["units"]) == 124
    first = body["units"][0]
    assert first["code"] == "28756"
    assert [f["reason"] for f in first["flags"]] == ["few_via_job_map"]
    assert first["same_period_last_year"] is None
    assert sum(1 for u in body["units"] if u["flags"]) == 1


async def test_the_report_as_csv_and_xlsx(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _districts_2024(session, client, actors)
    params: dict[str, Any] = {"year": 2024, "through": "2024-06-30"}
    as_csv = await client.get(
        "/v1/stats/areas/attention", params={**params, "format": "csv"}, headers=actors.department
    )
    assert as_csv.status_code == 200, as_csv.text
    assert "attention_2024_20240630.csv" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    found = [row for row in rows if row and row[0] == "1"]
    assert found, rows
    assert found[0][1] == "857"
    assert "Đạt 10.00% kế hoạch năm" in found[0][-1]
    as_xlsx = await client.get(
        "/v1/stats/areas/attention", params={**params, "format": "xlsx"}, headers=actors.department
    )
    assert as_xlsx.status_code == 200
    assert as_xlsx.content[:2] == b"PK"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"year": 2024, "through": "2023-12-31"}, 422),  # not a day of the year
        ({"year": 1999}, 422),
        ({"year": "2024'; DROP TABLE placement; --"}, 422),
        ({"year": 2024, "through": "30/06/2024"}, 422),
        ({"year": 2024, "format": "pdf"}, 422),
        ({"year": 2024, "area": "857"}, 400),  # not a parameter of this report
    ],
)
async def test_bad_parameters_are_refused(
    client: AsyncClient, actors: Actors, params: dict[str, Any], status: int
) -> None:
    response = await client.get(
        "/v1/stats/areas/attention", params=params, headers=actors.department
    )
    assert_problem(response, status)


async def test_only_the_department_sees_it(client: AsyncClient, actors: Actors) -> None:
    params = {"year": 2024}
    assert_problem(await client.get("/v1/stats/areas/attention", params=params), 401)
    employer = await client.get("/v1/stats/areas/attention", params=params, headers=actors.a)
    assert_problem(employer, 403)
