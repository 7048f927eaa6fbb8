"""Demand against supply on hand-built vacancies and placements with known answers: the rows
per occupation group and per commune, the next quarter's outlook and its backtest, the
exports and the unhappy paths."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats.demand import next_quarter
from tests.factories import CITY_CENTRE, Actors
from tests.factories import post_vacancy as post
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

WINDOW = {"from": "2026-01-01", "to": "2026-03-31"}


async def _vacancy(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    *,
    occupation: str,
    positions: int,
    published: str,
    closed: str | None = None,
) -> None:
    posted = await post(
        client,
        actors.a,
        title=f"Việc {occupation} {published}",
        occupation_code=occupation,
        sites=[{"positions": positions, "coordinates": {"lon": CITY_CENTRE[0],
                                                        "lat": CITY_CENTRE[1]}}],
    )  # fmt: skip
    if closed is not None:
        response = await client.post(
            f"/v1/vacancies/{posted['id']}/close", json={"reason": "filled"}, headers=actors.a
        )
        assert response.status_code == 200, response.text
    # Published (and closed) on the days the history needs, at noon local time.
    await session.execute(
        text(
            "UPDATE vacancy SET published_at = CAST(CAST(:published AS text) AS timestamp) "
            "AT TIME ZONE 'Asia/Ho_Chi_Minh' + interval '12 hours', "
            "closed_at = coalesce(CAST(CAST(:closed AS text) AS timestamp) "
            "AT TIME ZONE 'Asia/Ho_Chi_Minh', closed_at) WHERE id = :id"
        ),
        {"published": published, "closed": closed, "id": posted["id"]},
    )


async def _seed(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    # Group 7 in the window: 5 + 3 positions, both open at its end; one more posted before the
    # window and still open at its end (open, not posted).
    await _vacancy(client, actors, session, occupation="72", positions=5, published="2026-02-01")
    await _vacancy(client, actors, session, occupation="72", positions=3, published="2026-03-10")
    await _vacancy(client, actors, session, occupation="72", positions=4, published="2025-12-20")
    # Group 2: 2 positions, filled on 1 March: posted, not open at the end.
    await _vacancy(client, actors, session, occupation="24", positions=2, published="2026-01-15",
                   closed="2026-03-01")  # fmt: skip
    # Group 7's history, closed long ago: 2025 had 10 by 31 March and 20 in the next quarter
    # (a share of 2), 2024 had 5 and 5 (a share of 1).
    for published, positions in (("2025-02-10", 10), ("2025-05-10", 20),
                                 ("2024-03-01", 5), ("2024-04-20", 5)):  # fmt: skip
        await _vacancy(client, actors, session, occupation="72", positions=positions,
                       published=published, closed="2025-12-01")  # fmt: skip
    residence = await commune_id(session, "28756", date(2026, 2, 1))
    start = date(2026, 1, 5)
    await add_people(session, first=1, count=4, start=start, days=60, occupation_code="72",
                     residence=residence)  # fmt: skip
    await add_people(session, first=11, count=4, start=start, days=60, occupation_code="24")
    await add_people(session, first=21, count=3, start=start, days=60, occupation_code="51")
    # Outside the window, and voided: not counted.
    await add_people(session, first=31, count=5, start=date(2026, 4, 1), days=10,
                     occupation_code="72")  # fmt: skip
    await add_people(session, first=41, count=5, start=start, days=10, occupation_code="72",
                     voided=True)  # fmt: skip
    await session.commit()


async def test_demand_against_supply_by_occupation_group(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _seed(client, actors, session)
    response = await client.get("/v1/stats/demand", params=WINDOW, headers=actors.department)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["group_by"]) == (
        "2026-01-01", "2026-03-31", "occupation_group",
    )  # fmt: skip
    rows = [
        (r["code"], r["positions_posted"], r["open_positions"], r["placements"],
         r["demand_supply_ratio"])
        for r in body["rows"]
    ]  # fmt: skip
    # Where demand outruns supply most first.
    assert rows == [("7", 8, 12, 4, 2), ("2", 2, 0, 4, 0.5), ("5", 0, 0, 3, 0)]
    total = body["total"]
    assert (total["positions_posted"], total["open_positions"], total["placements"]) == (10, 12, 11)
    assert total["demand_supply_ratio"] == 0.91
    assert body["next_quarter"] == {"from": "2026-04-01", "to": "2026-06-30"}
    outlook = {item["code"]: item for item in body["outlook"]}
    # 8 positions to 31 March times the mean share (2 and 1): 12. Left out in turn, each
    # year is projected from the other: |1 - 2| / 2 and |2 - 1| / 1, a mean of 75%.
    assert outlook["7"]["expected_positions"] == 12
    assert outlook["7"]["years"] == [2024, 2025]
    assert outlook["7"]["backtest_mape"] == 75
    assert outlook["2"]["expected_positions"] is None
    assert outlook["2"]["reason"] == "not_enough_history"


async def test_by_commune_demand_is_where_the_jobs_are_and_supply_where_people_live(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _seed(client, actors, session)
    response = await client.get(
        "/v1/stats/demand", params={**WINDOW, "group_by": "commune"}, headers=actors.department
    )
    assert response.status_code == 200, response.text
    rows = {r["code"]: r for r in response.json()["rows"]}
    # Every site is at the city centre; four of the people live in Phú Khương (28756), the
    # others' residence is not recorded (a row without a code).
    assert rows["28756"]["placements"] == 4
    assert rows[None]["placements"] == 7
    site_rows = [r for r in rows.values() if r["positions_posted"]]
    assert len(site_rows) == 1
    assert site_rows[0]["positions_posted"] == 10
    assert site_rows[0]["name"]


async def test_the_report_as_csv_and_xlsx(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _seed(client, actors, session)
    as_csv = await client.get(
        "/v1/stats/demand", params={**WINDOW, "format": "csv"}, headers=actors.department
    )
    assert as_csv.status_code == 200, as_csv.text
    assert "demand_occupation_group_20260101_20260331.csv" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    seven = next(row for row in rows if row and row[0] == "7")
    assert seven[2:8] == ["8", "12", "4", "2", "12", "75"]
    as_xlsx = await client.get(
        "/v1/stats/demand", params={**WINDOW, "format": "xlsx"}, headers=actors.department
    )
    assert as_xlsx.status_code == 200
    assert as_xlsx.content[:2] == b"PK"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2026-03-31", "to": "2026-01-01"}, 422),
        ({"from": "2020-01-01", "to": "2026-01-01"}, 422),  # more than three years
        ({**WINDOW, "group_by": "sex"}, 422),
        ({**WINDOW, "group_by": "1; DROP TABLE vacancy"}, 422),
        ({"from": "01/01/2026", "to": "2026-03-31"}, 422),
        ({"to": "2026-03-31"}, 422),
        ({**WINDOW, "area": "857"}, 400),
    ],
)
async def test_bad_parameters_are_refused(
    client: AsyncClient, actors: Actors, params: dict[str, Any], status: int
) -> None:
    response = await client.get("/v1/stats/demand", params=params, headers=actors.department)
    assert_problem(response, status)


async def test_only_the_department_sees_it(client: AsyncClient, actors: Actors) -> None:
    assert_problem(await client.get("/v1/stats/demand", params=WINDOW), 401)
    assert_problem(await client.get("/v1/stats/demand", params=WINDOW, headers=actors.a), 403)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 3, 31), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 5, 2), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 8, 31), (date(2026, 10, 1), date(2026, 12, 31))),
        (date(2026, 12, 31), (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2024, 2, 29), (date(2024, 4, 1), date(2024, 6, 30))),
    ],
)
def test_the_next_quarter(day: date, quarter: tuple[date, date]) -> None:
    assert next_quarter(day) == quarter
