"""The attack suite: fetch every public table of a year over HTTP (every month, quarter, half
and the year; the total and every grouping) and try to work out a hidden cell, by exact
linear algebra over all of them and by the attacks people try by hand (differences of
windows, the total minus the other areas, margins of another grouping, totals). Against the
service nothing is recovered; against the per-table suppression the service had before, the
same attacker recovers cells, among them the three people placed in one country."""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats.definitions import PUBLIC_GROUPINGS
from app.stats.periods import parse
from tests.factories import Actors
from tests.stats.attacker import Attacker, Published, named_attacks, periods_of, read_table
from tests.stats.conftest import add_people

YEAR = 2025  # old communes to 30 June, the merged province's from 1 July
GROUPINGS: list[str | None] = [None, *(d.value for d in PUBLIC_GROUPINGS)]
KOREA_IN_MARCH = ("2025-03", "destination_country", "KR")


async def _communes(session: AsyncSession, on: date, count: int) -> list[int]:
    found = await session.scalars(
        text(
            "SELECT id FROM area WHERE level = 'commune' AND validity @> CAST(:on AS date) "
            "ORDER BY code LIMIT :count"
        ),
        {"on": on, "count": count},
    )
    return list(found)


async def _year(session: AsyncSession) -> None:
    """About 125 people in 2025, with small groups in many tables: three people placed in
    Korea in March (the case of issue 20), 6 in Taiwan in June, 3 women of an old commune in
    May, 4 men of 65+ in a new commune in August, someone placed twice, a voided record."""
    old = await _communes(session, date(2025, 3, 1), 3)
    new = await _communes(session, date(2025, 9, 1), 3)
    groups: list[dict[str, Any]] = [
        {"count": 40, "start": date(2025, 1, 1), "days": 181, "residence": old[0]},
        {"count": 12, "start": date(2025, 2, 1), "days": 59, "residence": old[1], "sex": "male"},
        {"count": 3, "start": date(2025, 5, 5), "days": 20, "residence": old[2]},
        {"count": 30, "start": date(2025, 7, 1), "days": 184, "residence": new[0],
         "channel": "job_map", "occupation_code": "25"},
        {"count": 4, "start": date(2025, 8, 1), "days": 31, "residence": new[1], "sex": "male",
         "birth_year": 1958},
        {"count": 9, "start": date(2025, 10, 1), "days": 61, "residence": new[2], "sex": "male"},
        {"count": 3, "start": date(2025, 3, 10), "days": 15, "residence": old[0],
         "abroad_below": 10**9, "country": "KR"},
        {"count": 16, "start": date(2025, 1, 15), "days": 330, "abroad_below": 10**9},
        {"count": 6, "start": date(2025, 6, 10), "days": 1, "residence": old[0],
         "abroad_below": 10**9, "country": "TW"},
    ]  # fmt: skip
    first = 1
    for group in groups:
        await add_people(session, first=first, **group)
        first += group["count"]
    # Person 1 again in November (one person, two placements), and a voided record.
    await add_people(session, first=1, count=1, start=date(2025, 11, 20), days=1,
                     residence=new[0])  # fmt: skip
    await add_people(session, first=900, count=1, start=date(2025, 6, 1), days=1, voided=True)
    await session.commit()


async def _public(client: AsyncClient) -> Published:
    published: Published = {}
    for period in periods_of(YEAR):
        for grouping in GROUPINGS:
            params = {"period": period} | ({"group_by": grouping} if grouping else {})
            response = await client.get("/v1/public/stats/placements", params=params)
            assert response.status_code == 200, response.text
            read_table(published, period, grouping, response.json())
    return published


def _per_table(rows: list[dict[str, Any]], total: dict[str, Any]) -> None:
    """The suppression the public tables had before: each table on its own (cells under 5,
    then the smallest other cell when one is hidden alone, or the total)."""
    hidden = [row for row in rows if 0 < row["people"] < 5]
    if len(hidden) == 1:
        shown = sorted((r for r in rows if r["people"] >= 5), key=lambda r: r["people"])
        hidden += shown[:1]
    hide_total = 0 < total["people"] < 5 or (len(hidden) == 1 and total["people"] > 0)
    if hide_total:
        hidden = [row for row in rows if row["people"] > 0]
    for row in rows:
        row["suppressed"] = any(row is h for h in hidden)
    total["suppressed"] = hide_total


async def _per_table_suppressed(client: AsyncClient, actors: Actors) -> Published:
    """The same tables from the department's report, each suppressed on its own."""
    published: Published = {}
    for period in periods_of(YEAR):
        start, end = _bounds(period)
        for grouping in GROUPINGS:
            params = {"from": start, "to": end} | ({"group_by": grouping} if grouping else {})
            response = await client.get(
                "/v1/stats/placements", params=params, headers=actors.department
            )
            assert response.status_code == 200, response.text
            body = response.json()
            _per_table(body["rows"], body["total"])
            read_table(published, period, grouping, body)
    return published


def _bounds(period: str) -> tuple[str, str]:
    start, end = parse(period)
    return start.isoformat(), end.isoformat()


async def _truth(client: AsyncClient, actors: Actors) -> Published:
    truth: Published = {}
    for period in periods_of(YEAR):
        start, end = _bounds(period)
        for grouping in GROUPINGS:
            params = {"from": start, "to": end} | ({"group_by": grouping} if grouping else {})
            response = await client.get(
                "/v1/stats/placements", params=params, headers=actors.department
            )
            body = response.json()
            for row in body["rows"]:
                row["suppressed"] = False
            body["total"]["suppressed"] = False
            read_table(truth, period, grouping, body)
    return truth


async def test_no_hidden_cell_can_be_worked_out(client: AsyncClient, session: AsyncSession) -> None:
    await _year(session)
    published = await _public(client)
    hidden = [key for key, figure in published.items() if figure is None]
    assert KOREA_IN_MARCH in hidden
    assert ("2025-05", "area", None) not in hidden  # nobody without a residence in May
    assert len(hidden) > 20  # small cells and their partners, in many tables

    assert Attacker(published).recovered() == {}
    assert named_attacks(published) == {}


async def test_the_same_attacks_break_per_table_suppression(
    client: AsyncClient, session: AsyncSession, actors: Actors
) -> None:
    """The suite can fail: on tables suppressed one by one it recovers hidden cells, with
    their true values (the three in Korea among them)."""
    await _year(session)
    published = await _per_table_suppressed(client, actors)
    truth = await _truth(client, actors)
    assert published[KOREA_IN_MARCH] is None  # hidden in its table...

    recovered = Attacker(published).recovered()
    assert recovered[KOREA_IN_MARCH] == 3  # ...and worked out from the others
    assert all(truth[key] == value for key, value in recovered.items())

    by_hand = named_attacks(published)
    assert by_hand, "the attacks by hand found nothing"
    assert all(truth[key] == value for key, (value, _) in by_hand.items())
    names = {name.split(" (")[0] for _, name in by_hand.values()}
    assert "difference of windows" in names


async def test_the_attacker_is_exact() -> None:
    """A hidden cell is found only when the figures fix it: 3 = 10 - 7, but two hidden cells
    that only sum to a shown figure stay hidden."""
    table: Published = {
        ("2024-01", None, None): 10,
        ("2024-01", "sex", "female"): 7,
        ("2024-01", "sex", "male"): None,
    }
    assert Attacker(table).recovered() == {("2024-01", "sex", "male"): 3}
    assert named_attacks(table) == {("2024-01", "sex", "male"): (3, "total minus the other rows")}
    table[("2024-01", "sex", "female")] = None
    assert Attacker(table).recovered() == {}
    assert named_attacks(table) == {}
