"""Progress against programmes, on placements whose answers are counted by hand: a pilot on the
old district of Vũng Liêm across the 2025 reorganisation, a term with past years to project
from, and a period that starts in the middle of a year."""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats.reached_cache import ReachedCache
from tests.factories import Actors
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

BEFORE = date(2025, 6, 30)  # the last day of the old units
AFTER = date(2025, 7, 1)


async def put(client: AsyncClient, actors: Actors, code: str, body: dict[str, Any]) -> None:
    response = await client.put(f"/v1/programmes/{code}", json=body, headers=actors.department)
    assert response.status_code == 201, response.text


async def progress(client: AsyncClient, actors: Actors, code: str, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"/v1/stats/programmes/{code}", params=params, headers=actors.department
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_target(body: dict[str, Any]) -> dict[tuple[str, int | None], dict[str, Any]]:
    return {(t["indicator"], t["year"]): t for t in body["targets"]}


async def test_a_pilot_on_an_old_district_across_the_reorganisation(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    # Tân Quới Trung, a commune of the district of Vũng Liêm until 2025-06-30; Đồng Phú, one of
    # Long Hồ. Trung Thành and Trung Hiệp: communes of 2025 lying mostly inside old Vũng Liêm;
    # Long Hồ (29602) inside old Long Hồ; Càng Long (29266) has 5% of its area in old Vũng Liêm.
    old_vung_liem = await commune_id(session, "29662", BEFORE)
    old_long_ho = await commune_id(session, "29578", BEFORE)
    trung_thanh = await commune_id(session, "29659", AFTER)
    trung_hiep = await commune_id(session, "29683", AFTER)
    new_long_ho = await commune_id(session, "29602", AFTER)
    cang_long = await commune_id(session, "29266", AFTER)

    async def people(first: int, count: int, on: date, residence: int, **kw: Any) -> None:
        await add_people(
            session, first=first, count=count, start=on, days=1, residence=residence, **kw
        )

    # 2024: 12 people in old Vũng Liêm (persons 1-3 abroad); 5 in Long Hồ.
    await people(1, 12, date(2024, 3, 1), old_vung_liem, abroad_below=4)
    await people(100, 5, date(2024, 3, 1), old_long_ho)
    # 2025, before the change: person 1 again (a new year: counts again), 8 people (200
    # abroad), 3 voided.
    await people(1, 1, date(2025, 2, 1), old_vung_liem)
    await people(200, 8, date(2025, 5, 10), old_vung_liem, abroad_below=201)
    await people(600, 3, date(2025, 6, 1), old_vung_liem, voided=True)
    # 2025, after: 6 people in Trung Thành (300, 301 abroad), person 200 again (the same year:
    # counts once), 4 in new Long Hồ, 1 in Càng Long.
    await people(300, 6, date(2025, 8, 1), trung_thanh, abroad_below=302)
    await people(200, 1, date(2025, 9, 1), trung_thanh)
    await people(400, 4, date(2025, 8, 1), new_long_ho)
    await people(500, 1, date(2025, 8, 1), cang_long)
    # 2026: 5 people in Trung Hiệp; 2 after `through`.
    await people(700, 5, date(2026, 2, 1), trung_hiep)
    await people(800, 2, date(2026, 7, 1), trung_hiep)
    await session.commit()

    await put(
        client,
        actors,
        "vung-liem-2024-2026",
        {
            "name": "Đề án Vũng Liêm 2024-2026",
            "period_from": "2024-01-01",
            "period_to": "2026-12-31",
            "areas": ["859"],
            "targets": [
                {"indicator": "new_jobs", "target": 100},
                {"indicator": "new_jobs", "year": 2024, "target": 30},
                {"indicator": "new_jobs", "year": 2025, "target": 40},
                {"indicator": "new_jobs", "year": 2026, "target": 8},
                {"indicator": "sent_abroad", "target": 10},
            ],
        },
    )
    body = await progress(client, actors, "vung-liem-2024-2026", through="2026-06-30")
    assert body["through"] == "2026-06-30"
    assert body["projection_from"] == "2026-06-30"
    targets = by_target(body)

    whole = targets[("new_jobs", None)]
    # 2024: 12; 2025: person 1, 8 before, 6 after (200 once) = 15; 2026 to 30 June: 5.
    assert [(y["year"], y["actual"], y["complete"]) for y in whole["by_year"]] == [
        (2024, 12, True),
        (2025, 15, True),
        (2026, 5, False),
    ]
    assert (whole["actual"], whole["target"], whole["pct_of_target"]) == (32, 100, 32.0)
    # The records begin in March 2024: 2025 is the only whole past year, one is not enough.
    assert whole["projected"] is None
    assert whole["projection_reason"] == "not_enough_history"
    assert whole["projection_years"] == [2025]

    assert (
        targets[("new_jobs", 2024)]["actual"],
        targets[("new_jobs", 2024)]["pct_of_target"],
    ) == (12, 40.0)
    year_2025 = targets[("new_jobs", 2025)]
    assert (year_2025["actual"], year_2025["pct_of_target"]) == (15, 37.5)
    # A year over is its own projection.
    assert (year_2025["projected"], year_2025["projected_through"]) == (15, "2025-12-31")
    year_2026 = targets[("new_jobs", 2026)]
    assert (year_2026["actual"], year_2026["pct_of_target"]) == (5, 62.5)
    assert year_2026["projection_reason"] == "not_enough_history"

    abroad = targets[("sent_abroad", None)]
    # 2024: persons 1-3; 2025: 200, 300, 301.
    assert [y["actual"] for y in abroad["by_year"]] == [3, 3, 0]
    assert (abroad["actual"], abroad["pct_of_target"]) == (6, 60.0)

    # Up to the last day before the change: only the old district's communes count.
    early = by_target(await progress(client, actors, "vung-liem-2024-2026", through="2025-06-30"))
    assert [y["actual"] for y in early[("new_jobs", None)]["by_year"]] == [12, 9, 0]
    assert early[("new_jobs", 2026)]["projection_reason"] == "not_started"
    assert early[("new_jobs", 2026)]["projected"] is None

    # The same programme on the communes of 2025 only: nothing before 2025-07-01.
    await put(
        client,
        actors,
        "trung-thanh",
        {
            "name": "Trung Thành",
            "period_from": "2025-07-01",
            "period_to": "2026-12-31",
            "areas": ["29659"],
            "targets": [{"indicator": "new_jobs", "target": 10}],
        },
    )
    new_only = by_target(await progress(client, actors, "trung-thanh", through="2026-06-30"))
    assert [y["actual"] for y in new_only[("new_jobs", None)]["by_year"]] == [7, 0]
    # 2025 is no whole year of a commune that began on 1 July: no past year to project from.
    assert new_only[("new_jobs", None)]["projection_years"] == []
    assert new_only[("new_jobs", None)]["projection_reason"] == "not_enough_history"


# (month, day, people, of whom abroad): by 30 June a year has 30 of its 100 (abroad 5 of 15);
# from 1 March to 30 June, 10 of the 80 from 1 March to 31 December.
SAME_EVERY_YEAR = [(1, 15, 20, 2), (3, 15, 10, 3), (9, 1, 70, 10)]


async def _history(session: AsyncSession, residence: int) -> None:
    first = 1
    for year in (2022, 2023, 2024):
        for month, day, count, abroad in SAME_EVERY_YEAR:
            await add_people(
                session,
                first=first,
                count=count,
                start=date(year, month, day),
                days=1,
                residence=residence,
                abroad_below=first + abroad,
            )
            first += 1000
    # 2025 to 30 June: 15 people on 15 January, 6 on 15 March (1 abroad).
    await add_people(
        session, first=first, count=15, start=date(2025, 1, 15), days=1, residence=residence
    )
    await add_people(
        session,
        first=first + 1000,
        count=6,
        start=date(2025, 3, 15),
        days=1,
        residence=residence,
        abroad_below=first + 1001,
    )
    await session.commit()


async def test_a_term_projects_this_year_onto_the_years_over(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _history(session, await commune_id(session, "29662", BEFORE))
    await put(
        client,
        actors,
        "term-2021-2025",
        {
            "name": "Nhiệm kỳ 2021-2025, huyện Vũng Liêm",
            "period_from": "2021-01-01",
            "period_to": "2025-12-31",
            "areas": ["859"],
            "targets": [
                {"indicator": "new_jobs", "target": 500},
                {"indicator": "new_jobs", "year": 2025, "target": 80},
                {"indicator": "sent_abroad", "target": 50},
            ],
        },
    )
    targets = by_target(await progress(client, actors, "term-2021-2025", through="2025-06-30"))
    whole = targets[("new_jobs", None)]
    assert [y["actual"] for y in whole["by_year"]] == [0, 100, 100, 100, 21]
    assert (whole["actual"], whole["pct_of_target"]) == (321, 64.2)
    # 2025: 21 by 30 June / 0.3 = 70, every past year alike; plus 300 in the years over.
    assert (whole["projected"], whole["projected_low"], whole["projected_high"]) == (370, 370, 370)
    assert whole["projected_pct_of_target"] == 74.0
    assert whole["projected_through"] == "2025-12-31"
    # The records begin in January 2022; the old district's territory is whole every year.
    assert whole["projection_years"] == [2022, 2023, 2024]
    year = targets[("new_jobs", 2025)]
    assert (year["actual"], year["pct_of_target"], year["projected"]) == (21, 26.25, 70)
    assert year["projected_pct_of_target"] == 87.5
    abroad = targets[("sent_abroad", None)]
    # 15 a year; 2025: 1 by 30 June / (5/15) = 3.
    assert (abroad["actual"], abroad["projected"]) == (46, 48)

    # Asked after the period: counted to its end, and what was counted is the projection.
    late = await progress(client, actors, "term-2021-2025", through="2026-03-01")
    assert late["through"] == "2025-12-31"
    assert by_target(late)[("new_jobs", None)]["projected"] == 321


async def test_a_period_from_march_compares_with_past_years_from_march(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _history(session, await commune_id(session, "29662", BEFORE))
    await put(
        client,
        actors,
        "from-march",
        {
            "name": "Từ tháng 3",
            "period_from": "2025-03-01",
            "period_to": "2025-12-31",
            "areas": ["859"],
            "targets": [{"indicator": "new_jobs", "target": 100}],
        },
    )
    [target] = (await progress(client, actors, "from-march", through="2025-06-30"))["targets"]
    # 6 people from 1 March (the 15 of January are before the period); past years had 10 of
    # their 80 from 1 March by 30 June: 6 / (1/8) = 48.
    assert (target["actual"], target["projected"]) == (6, 48)


async def test_through_before_the_start(client: AsyncClient, actors: Actors) -> None:
    await put(
        client,
        actors,
        "later",
        {
            "name": "Later",
            "period_from": "2026-01-01",
            "period_to": "2026-12-31",
            "targets": [{"indicator": "new_jobs", "target": 1}],
        },
    )
    early = await client.get(
        "/v1/stats/programmes/later", params={"through": "2025-12-31"}, headers=actors.department
    )
    assert_problem(early, 422, "query.through")
    bad = await client.get(
        "/v1/stats/programmes/later", params={"through": "31/12/2026"}, headers=actors.department
    )
    assert_problem(bad, 422, "query.through")


async def test_kept_counts_are_kept_per_communes_and_start(session: AsyncSession) -> None:
    """The projection's kept counts are filed under the communes and the start day too: a count
    of other communes, or from another day, is never served for them."""
    kept = ReachedCache(8)
    tan_quoi_trung = await commune_id(session, "29662", BEFORE)
    dong_phu = await commune_id(session, "29578", BEFORE)
    await add_people(
        session, first=1, count=3, start=date(2024, 1, 15), days=1, residence=tan_quoi_trung
    )
    await add_people(session, first=10, count=2, start=date(2024, 4, 1), days=1, residence=dong_phu)
    await session.commit()
    end = date(2024, 12, 31)

    async def people(communes: set[int], since: tuple[int, int] = (1, 1)) -> int:
        counts = await kept.people_reached(session, [end], area_ids=communes, since=since)
        return counts[end].new_jobs

    assert await people({tan_quoi_trung}) == 3
    assert await people({dong_phu}) == 2
    assert await people({tan_quoi_trung, dong_phu}) == 5
    assert await people({tan_quoi_trung, dong_phu}, since=(3, 1)) == 2
    assert await people({tan_quoi_trung, dong_phu}) == 5
