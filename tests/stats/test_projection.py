"""The year-end projection and its backtest on constructed histories whose answers are known:
identical years (exact, no error), a missing year, leap days, too little history, an indicator
with no history, an area, and the requests that cannot be answered."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from itertools import count
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.stats.projection import PastYear, project, same_day_in
from tests.factories import Actors
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

# (month, day, people, of whom abroad)
Day = tuple[int, int, int, int]
# Identical years: 20 people on 15 January, 10 on 15 March, 70 on 1 September; of them 2, 3
# and 10 abroad. By 30 June a year has reached 30 of its 100 (abroad: 5 of 15).
SAME_EVERY_YEAR: list[Day] = [(1, 15, 20, 2), (3, 15, 10, 3), (9, 1, 70, 10)]


class History:
    """Writes people placed on given days; every person is new (numbers never reused)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.numbers = count(1, 1_000)

    async def year(self, year: int, days: list[Day]) -> None:
        for month, day, people, abroad in days:
            first = next(self.numbers)
            await add_people(
                self.session,
                first=first,
                count=people,
                start=date(year, month, day),
                days=1,
                abroad_below=first + abroad,
            )
        await self.session.commit()


async def figures(client: AsyncClient, actors: Actors, **params: Any) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/stats/indicators", params=params, headers=actors.department)
    assert response.status_code == 200, response.text
    return {figure["indicator"]: figure for figure in response.json()["indicators"]}


def projection(figure: dict[str, Any]) -> tuple[Any, ...]:
    return (
        figure["projected"],
        figure["projected_low"],
        figure["projected_high"],
        figure["projection_years"],
        figure["projection_reason"],
    )


async def accuracy(client: AsyncClient, actors: Actors) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/stats/projection-accuracy", headers=actors.department)
    assert response.status_code == 200, response.text
    return {item["indicator"]: item for item in response.json()["indicators"]}


async def test_identical_years_project_exactly_and_backtest_without_error(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    history = History(session)
    for year in range(2019, 2026):
        await history.year(year, SAME_EVERY_YEAR)
    plan = await client.put(
        "/v1/plans/2025",
        json=[{"indicator": "new_jobs", "target": 80}, {"indicator": "sent_abroad", "target": 20}],
        headers=actors.department,
    )
    assert plan.status_code == 201, plan.text

    shown = await figures(client, actors, year=2025, through="2025-06-30")
    # 30 people by 30 June, as every year had reached 30 of 100: the year will be 100.
    assert shown["new_jobs"]["actual"] == 30
    assert projection(shown["new_jobs"]) == (100, 100, 100, [2020, 2021, 2022, 2023, 2024], None)
    assert shown["new_jobs"]["projected_pct_of_plan"] == 125
    assert shown["new_jobs"]["projection_from"] == "2025-06-30"
    assert projection(shown["sent_abroad"]) == (15, 15, 15, [2020, 2021, 2022, 2023, 2024], None)
    assert shown["sent_abroad"]["projected_pct_of_plan"] == 75
    # The existing figures keep their meaning.
    assert (shown["new_jobs"]["plan"], shown["new_jobs"]["pct_of_plan"]) == (80, 37.5)
    assert shown["new_jobs"]["same_period_last_year"] == 30
    # Manual indicators are not projected.
    ratio = shown["trained_labour_ratio"]
    assert projection(ratio) == (None, None, None, [], "not_counted")
    # The report's files carry the same figures.
    csv_file = await client.get(
        "/v1/stats/indicators",
        params={"year": 2025, "through": "2025-06-30", "format": "csv"},
        headers=actors.department,
    )
    rows = list(csv.DictReader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert {key: rows[0][key] for key in ("indicator", "actual", "projected_pct_of_plan")} == {
        "indicator": "new_jobs", "actual": "30", "projected_pct_of_plan": "125"
    }  # fmt: skip
    assert (rows[0]["projected_low"], rows[0]["projected_high"]) == ("100", "100")
    assert rows[0]["projection_basis"] == "2020, 2021, 2022, 2023, 2024"
    # On 31 December the year is complete: the projection is the year itself.
    december = await figures(client, actors, year=2024, through="2024-12-31")
    assert projection(december["new_jobs"])[:3] == (100, 100, 100)

    report = await accuracy(client, actors)
    for indicator, total in (("new_jobs", 100), ("sent_abroad", 15)):
        months = report[indicator]["months"]
        assert [m["month"] for m in months] == list(range(1, 13))
        # 2021 onwards have two past years or more (2019 is the first recorded from January).
        assert {m["years"] for m in months} == {5}
        assert {m["mape"] for m in months} == {0}
        assert {m["in_range_pct"] for m in months} == {100}
        backtests = report[indicator]["backtests"]
        assert {row["year"] for row in backtests} == {2021, 2022, 2023, 2024, 2025}
        assert {row["projected"] for row in backtests} == {total}
        assert {row["error_pct"] for row in backtests} == {0}
    first = report["new_jobs"]["backtests"][0]
    assert (first["year"], first["month"], first["through"]) == (2021, 1, "2021-01-31")
    assert (first["year_to_date"], first["actual"], first["years_used"]) == (20, 100, [2019, 2020])


async def test_a_missing_year_is_left_out_and_the_range_spans_the_shares(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    history = History(session)
    # Outside the five years before 2024: must not count.
    await history.year(2018, [(1, 2, 99, 0), (12, 1, 1, 0)])
    # By 30 June these years had reached 20%, 25%, 40% and 50% of their people; 2021 is
    # missing (nobody recorded).
    for year, reached in ((2019, 20), (2020, 25), (2022, 40), (2023, 50)):
        await history.year(year, [(1, 10, reached, 0), (8, 1, 100 - reached, 0)])
    await history.year(2024, [(2, 1, 27, 0)])

    shown = await figures(client, actors, year=2024, through="2024-06-30")
    # 27 / mean(0.2, 0.25, 0.4, 0.5) = 27 / 0.3375 = 80; low 27 / 0.5; high 27 / 0.2.
    assert projection(shown["new_jobs"]) == (80, 54, 135, [2019, 2020, 2022, 2023], None)
    # Nobody abroad in any year: an indicator without history.
    assert projection(shown["sent_abroad"]) == (None, None, None, [], "not_enough_history")
    assert shown["sent_abroad"]["projected_pct_of_plan"] is None

    # The backtest projects 2024 from its June the same way as the indicator report does.
    report = await accuracy(client, actors)
    june = next(
        row for row in report["new_jobs"]["backtests"] if (row["year"], row["month"]) == (2024, 6)
    )
    assert (june["projected"], june["projected_low"], june["projected_high"]) == (80, 54, 135)
    assert (june["actual"], june["error_pct"]) == (27, 196.3)  # |80 - 27| / 27
    assert report["sent_abroad"]["backtests"] == []
    assert {m["mape"] for m in report["sent_abroad"]["months"]} == {None}


async def test_leap_days_compare_by_month_and_day(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    history = History(session)
    # Each year 40 people, 10 of them by 28 February; 2024 has 10 more on 29 February.
    for year in (2022, 2023):
        await history.year(year, [(1, 5, 5, 0), (2, 28, 5, 0), (7, 1, 30, 0)])
    await history.year(2024, [(1, 5, 5, 0), (2, 28, 5, 0), (2, 29, 10, 0), (7, 1, 20, 0)])
    await history.year(2025, [(2, 10, 15, 0)])

    # 2025 is a common year: its 28 February meets 2024's 28 February (share 1/4, not 1/2).
    common = await figures(client, actors, year=2025, through="2025-02-28")
    assert projection(common["new_jobs"]) == (60, 60, 60, [2022, 2023, 2024], None)
    # 29 February 2024 meets 28 February of the common years before it (share 1/4).
    leap = await figures(client, actors, year=2024, through="2024-02-29")
    assert leap["new_jobs"]["actual"] == 20
    assert projection(leap["new_jobs"]) == (80, 80, 80, [2022, 2023], None)
    day_before = await figures(client, actors, year=2024, through="2024-02-28")
    assert projection(day_before["new_jobs"])[:3] == (40, 40, 40)

    # The backtest from the end of February 2025 uses the same days.
    report = await accuracy(client, actors)
    february = next(
        row for row in report["new_jobs"]["backtests"] if (row["year"], row["month"]) == (2025, 2)
    )
    assert (february["through"], february["projected"]) == ("2025-02-28", 60)


async def test_fewer_than_two_past_years_is_not_enough_history(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    history = History(session)
    # 2022 is recorded from March only: not a whole year, so not history.
    await history.year(2022, [(3, 1, 10, 1), (9, 1, 10, 1)])
    await history.year(2023, SAME_EVERY_YEAR)
    await history.year(2024, [(1, 15, 20, 2)])
    shown = await figures(client, actors, year=2024, through="2024-06-30")
    assert projection(shown["new_jobs"]) == (None, None, None, [2023], "not_enough_history")
    assert projection(shown["sent_abroad"]) == (None, None, None, [2023], "not_enough_history")
    assert shown["new_jobs"]["actual"] == 20  # the year to date is still there

    report = await accuracy(client, actors)
    assert report["new_jobs"]["backtests"] == []
    assert {m["years"] for m in report["new_jobs"]["months"]} == {0}


async def test_nobody_yet_by_the_day_in_past_years(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    history = History(session)
    await history.year(2022, [(1, 20, 10, 0), (6, 1, 30, 0)])
    await history.year(2023, [(1, 2, 10, 0), (6, 1, 30, 0)])
    await history.year(2024, [(1, 3, 4, 0)])
    # By 10 January 2023 had a quarter of its year, 2022 nobody yet: no upper bound.
    shown = await figures(client, actors, year=2024, through="2024-01-10")
    assert projection(shown["new_jobs"]) == (32, 16, None, [2022, 2023], None)
    # By 1 January nobody in either year: nothing to scale by.
    first_day = await figures(client, actors, year=2024, through="2024-01-01")
    assert projection(first_day["new_jobs"]) == (
        None, None, None, [2022, 2023], "none_by_this_date"
    )  # fmt: skip


async def test_an_area_projects_from_its_own_residents_and_whole_years(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    # A commune of district 857 (Long Hồ) before the reorganisation, and the rest elsewhere.
    for year in (2022, 2023, 2024):
        long_ho = await commune_id(session, "29578", date(year, 1, 1))
        await add_people(
            session, first=year * 1_000, count=10, start=date(year, 3, 1), days=1,
            residence=long_ho,
        )  # fmt: skip
        # Elsewhere in the province: not counted for the district.
        await add_people(
            session, first=year * 1_000 + 100, count=30, start=date(year, 1, 2), days=1
        )
    for year in (2022, 2023):
        long_ho = await commune_id(session, "29578", date(year, 1, 1))
        await add_people(
            session, first=year * 1_000 + 500, count=30, start=date(year, 10, 1), days=1,
            residence=long_ho,
        )  # fmt: skip
    await session.commit()
    district = await figures(client, actors, year=2024, through="2024-06-30", area="857")
    # Long Hồ reached 10 of 40 by 30 June in 2022 and 2023: 10 / 0.25 = 40.
    assert district["new_jobs"]["actual"] == 10
    assert projection(district["new_jobs"]) == (40, 40, 40, [2022, 2023], None)
    # A commune of the merged province has no whole year before 2026.
    commune = await figures(client, actors, year=2026, through="2026-03-31", area="28756")
    assert projection(commune["new_jobs"]) == (None, None, None, [], "not_enough_history")


async def test_a_through_ahead_of_today_projects_from_today(
    client: AsyncClient, actors: Actors, session: AsyncSession, settings: Settings
) -> None:
    today = datetime.now(settings.tz).date()
    history = History(session)
    for year in (today.year - 2, today.year - 1):
        await history.year(year, [(1, 1, 10, 0)])
    shown = await figures(client, actors, year=today.year, through=f"{today.year}-12-31")
    # The share of 31 December would be 1, and the year to date taken for the whole year.
    assert shown["new_jobs"]["projection_from"] == today.isoformat()
    assert shown["new_jobs"]["projection_years"] == [today.year - 2, today.year - 1]


async def test_requests_that_cannot_be_answered(client: AsyncClient, actors: Actors) -> None:
    url = "/v1/stats/indicators"
    for through in ("2024-02-30", "2024-13-01", "yesterday", "2023-12-31", "2025-01-01"):
        assert_problem(
            await client.get(
                url, params={"year": 2024, "through": through}, headers=actors.department
            ),
            422,
            "query.through",
        )
    accuracy_url = "/v1/stats/projection-accuracy"
    assert_problem(await client.get(accuracy_url), 401)
    assert_problem(await client.get(accuracy_url, headers=actors.a), 403)
    empty = await client.get(accuracy_url, headers=actors.admin)
    assert empty.status_code == 200, empty.text
    assert (empty.json()["first_full_year"], empty.json()["years_in_data"]) == (None, [])


def test_the_method_on_plain_numbers() -> None:
    assert same_day_in(2023, date(2024, 2, 29)) == date(2023, 2, 28)
    assert same_day_in(2020, date(2024, 2, 29)) == date(2020, 2, 29)
    assert same_day_in(2020, date(2023, 2, 28)) == date(2020, 2, 28)
    # Halves round up: 7 / 0.4 = 17.5 -> 18.
    result = project(7, [PastYear(2022, 2, 5), PastYear(2023, 4, 10)])
    assert (result.projected, result.low, result.high, result.years) == (18, 18, 18, (2022, 2023))
    assert project(5, [PastYear(2022, 0, 0), PastYear(2023, 1, 2)]).reason == "not_enough_history"
