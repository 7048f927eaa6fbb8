"""Indicators against the plan, on hand-built data with known totals: the half-year report
"15,701 people, 78.51% of plan; 950 abroad, 55.88%; trained labour 68.67%, 100.2%"."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats.numbers import percent
from tests.factories import Actors
from tests.placements.conftest import placement_payload
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

# A commune of district 857 (Long Hồ) before the reorganisation.
LONG_HO_COMMUNE = "29578"


async def _report_data(session: AsyncSession) -> None:
    h1 = date(2024, 1, 1)
    # 15,701 people in the first half of 2024 (days 0..180: 1 January to 29 June) ...
    await add_people(session, first=1, count=15_700, start=h1, days=181, abroad_below=951)
    # ... the last on the last day of the half ...
    await add_people(session, first=15_701, count=1, start=date(2024, 6, 30), days=1)
    # ... 300 of them placed a second time (they count once) ...
    await add_people(session, first=1, count=300, start=date(2024, 3, 1), days=30)
    # ... and what must not count: voided records, the first day of the second half.
    await add_people(session, first=20_001, count=100, start=h1, days=100, voided=True)
    await add_people(session, first=30_001, count=50, start=date(2024, 7, 1), days=1)
    # The same half of 2023: 15,020 people, 900 abroad; 1 July 2023 is outside.
    await add_people(
        session, first=50_001, count=15_020, start=date(2023, 1, 1), days=181,
        abroad_below=50_901,
    )  # fmt: skip
    await add_people(session, first=70_001, count=10, start=date(2023, 7, 1), days=1)
    await session.commit()


async def _plan(client: AsyncClient, actors: Actors) -> None:
    plan = await client.put(
        "/v1/plans/2024",
        json=[
            {"indicator": "new_jobs", "target": 20_000},
            {"indicator": "sent_abroad", "target": 1_700},
            {"indicator": "trained_labour_ratio", "target": 68.53},
        ],
        headers=actors.department,
    )
    assert plan.status_code == 201, plan.text
    for period, value in (("2024-H1", 68.67), ("2024-Q1", 60), ("2023-H1", 66.0)):
        response = await client.put(
            f"/v1/indicators/trained_labour_ratio/values/{period}",
            json={"value": value},
            headers=actors.department,
        )
        assert response.status_code == 201, response.text


async def test_the_half_year_report(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _report_data(session)
    await _plan(client, actors)
    response = await client.get(
        "/v1/stats/indicators",
        params={"year": 2024, "through": "2024-06-30"},
        headers=actors.department,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["period_from"], report["through"]) == ("2024-01-01", "2024-06-30")
    figures = {f["indicator"]: f for f in report["indicators"]}

    new_jobs = figures["new_jobs"]
    assert new_jobs["actual"] == 15_701
    assert new_jobs["plan"] == 20_000
    assert new_jobs["pct_of_plan"] == 78.51  # 78.505 rounds half up
    assert new_jobs["same_period_last_year"] == 15_020
    assert new_jobs["change_pct"] == 4.53

    abroad = figures["sent_abroad"]
    assert (abroad["actual"], abroad["plan"], abroad["pct_of_plan"]) == (950, 1_700, 55.88)
    assert abroad["same_period_last_year"] == 900

    ratio = figures["trained_labour_ratio"]
    assert ratio["actual"] == 68.67  # H1 covers more of the year than Q1
    assert ratio["value_period"] == "2024-H1"
    assert ratio["pct_of_plan"] == 100.2
    assert ratio["same_period_last_year"] == 66
    assert figures["trained_labour_certified_ratio"]["actual"] is None

    xlsx = await client.get(
        "/v1/stats/indicators",
        params={"year": 2024, "through": "2024-06-30", "format": "xlsx"},
        headers=actors.department,
    )
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0] == "Kết quả thực hiện các chỉ tiêu năm 2024"
    new_jobs_row = next(row for row in cells if row[0] == "new_jobs")
    assert new_jobs_row[1:7] == (
        "Giải quyết việc làm mới", "người", 15_701, 20_000, 78.51, 15_020
    )  # fmt: skip
    csv_file = await client.get(
        "/v1/stats/indicators",
        params={"year": 2024, "through": "2024-06-30", "format": "csv"},
        headers=actors.department,
    )
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert lines[1].startswith("new_jobs,Giải quyết việc làm mới,người,15701,20000,78.51,15020")

    march = await client.get(
        "/v1/stats/indicators",
        params={"year": 2024, "through": "2024-03-31"},
        headers=actors.department,
    )
    figures = {f["indicator"]: f for f in march.json()["indicators"]}
    assert figures["trained_labour_ratio"]["value_period"] == "2024-Q1"
    assert figures["new_jobs"]["actual"] < 15_701


async def test_indicators_for_a_district(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    commune = await commune_id(session, LONG_HO_COMMUNE, date(2024, 1, 1))
    await add_people(
        session, first=1, count=200, start=date(2024, 2, 1), days=20, residence=commune
    )
    await add_people(session, first=1_000, count=500, start=date(2024, 2, 1), days=20)
    await session.commit()
    plan = await client.put(
        "/v1/plans/2024",
        json={"targets": [{"indicator": "new_jobs", "target": 400, "area_code": "857"}]},
        headers=actors.department,
    )
    assert plan.status_code == 201, plan.text
    assert plan.json()["targets"][0]["area"]["name"] == "Long Hồ"
    response = await client.get(
        "/v1/stats/indicators",
        params={"year": 2024, "through": "2024-06-30", "area": "857"},
        headers=actors.department,
    )
    assert response.status_code == 200, response.text
    assert response.json()["area"]["code"] == "857"
    figure = response.json()["indicators"][0]
    assert (figure["actual"], figure["plan"], figure["pct_of_plan"]) == (200, 400, 50)
    # No such district on a date after the reorganisation.
    assert_problem(
        await client.get(
            "/v1/stats/indicators",
            params={"year": 2025, "through": "2025-12-31", "area": "857"},
            headers=actors.department,
        ),
        422,
        "query.area",
    )


async def test_indicator_requests_that_cannot_be_answered(
    client: AsyncClient, actors: Actors
) -> None:
    url = "/v1/stats/indicators"
    assert_problem(await client.get(url, params={"year": 2024}), 401)
    assert_problem(await client.get(url, params={"year": 2024}, headers=actors.a), 403)
    cases: list[tuple[dict[str, str | int], str]] = [
        ({"year": 2024, "through": "2023-12-31"}, "query.through"),
        ({"year": 1999}, "query.year"),
        ({"year": "x"}, "query.year"),
        ({"year": 2024, "area": "99999"}, "query.area"),
        ({"year": 2024, "area": "1; DROP"}, "query.area"),
    ]
    for params, field in cases:
        assert_problem(await client.get(url, params=params, headers=actors.department), 422, field)


def test_percent_rounds_halves_up() -> None:
    assert percent(15_701, 20_000) == Decimal("78.51")
    assert percent(950, 1_700) == Decimal("55.88")
    assert percent(Decimal("68.67"), Decimal("68.53")) == Decimal("100.20")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 0) is None


async def test_figures_follow_every_write(client: AsyncClient, actors: Actors) -> None:
    """No rollup or cache: a placement, its correction and its void show at once."""
    params: dict[str, str | int] = {"year": 2026, "through": "2026-06-30", "area": "28756"}

    async def new_jobs() -> tuple[int, int | None]:
        report = await client.get("/v1/stats/indicators", params=params, headers=actors.department)
        assert report.status_code == 200, report.text
        figure = report.json()["indicators"][0]
        return figure["actual"], figure["same_period_last_year"]

    # 28756 is a commune of the 2025 reorganisation: nothing to compare with a year earlier.
    assert await new_jobs() == (0, None)
    created = await client.post(
        "/v1/placements",
        json=placement_payload(placed_on="2026-03-02"),
        headers=actors.department,
    )
    assert created.status_code == 201, created.text
    assert await new_jobs() == (1, None)
    url = f"/v1/placements/{created.json()['id']}"
    moved = await client.patch(
        url, json={"person": {"residence_commune_code": "29551"}}, headers=actors.department
    )
    assert moved.status_code == 200, moved.text
    assert await new_jobs() == (0, None)
    await client.patch(
        url, json={"person": {"residence_commune_code": "28756"}}, headers=actors.department
    )
    assert await new_jobs() == (1, None)
    voided = await client.post(f"{url}/void", json={"reason": "nhầm"}, headers=actors.department)
    assert voided.status_code == 200, voided.text
    assert await new_jobs() == (0, None)
