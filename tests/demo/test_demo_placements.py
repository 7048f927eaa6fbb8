"""`jobmap demo placements`: rows that obey the placement rules, plans, and figures to show."""

from __future__ import annotations

from datetime import date

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.placements import has_placements, load_placements
from tests.factories import Actors

TODAY = date(2026, 11, 28)


async def test_demo_placements_follow_the_rules(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    assert not await has_placements(session)
    report = await load_placements(session, 3_000, 86, TODAY)
    await session.commit()
    assert await has_placements(session)
    assert (report.first_day, report.last_day) == (date(2023, 11, 1), date(2026, 11, 27))
    assert report.plans == [2024, 2025, 2026]
    row = (
        await session.execute(
            text(
                """
                SELECT count(*), count(DISTINCT person_hash),
                       min(placed_on), max(placed_on), min(age),
                       count(*) FILTER (WHERE destination = 'abroad'),
                       count(*) FILTER (WHERE (destination = 'abroad')
                                          <> (destination_country IS NOT NULL)),
                       count(*) FILTER (WHERE r.id IS NOT NULL
                                          AND NOT r.validity @> p.placed_on),
                       count(*) FILTER (WHERE w.id IS NOT NULL
                                          AND NOT w.validity @> p.placed_on)
                FROM placement p
                LEFT JOIN area r ON r.id = p.residence_area_id
                LEFT JOIN area w ON w.id = p.work_area_id
                """
            )
        )
    ).one()
    count, people, first, last, youngest, abroad, bad_country, bad_home, bad_work = row
    assert count == 3_000
    assert people == 2_550  # 85% distinct
    assert first >= report.first_day
    assert last <= report.last_day
    assert youngest >= 15
    assert 100 < abroad < 350  # about 7%
    assert bad_country == bad_home == bad_work == 0

    again = await load_placements(session, 10, 86, TODAY)
    assert again.plans == []  # the plans exist already

    figures = await client.get(
        "/v1/stats/indicators",
        params={"year": 2025, "through": "2025-12-31"},
        headers=actors.department,
    )
    assert figures.status_code == 200, figures.text
    new_jobs = figures.json()["indicators"][0]
    assert new_jobs["indicator"] == "new_jobs"
    assert new_jobs["actual"] > 0
    assert new_jobs["pct_of_plan"] is not None
    ratio = next(
        i for i in figures.json()["indicators"] if i["indicator"] == "trained_labour_ratio"
    )
    assert (ratio["actual"], ratio["value_period"]) == (68.6, "2025-H2")


async def test_demo_placements_over_more_years(session: AsyncSession) -> None:
    """--years: history long enough for the projection's backtest."""
    report = await load_placements(session, 200, 86, TODAY, years=6)
    assert (report.first_day, report.last_day) == (date(2020, 11, 1), date(2026, 11, 27))
    assert report.plans == [2021, 2022, 2023, 2024, 2025, 2026]
    first, last = (
        await session.execute(text("SELECT min(placed_on), max(placed_on) FROM placement"))
    ).one()
    assert first >= report.first_day
    assert first < date(2021, 1, 1)
    assert last <= report.last_day
