"""The public placement tables: standard periods that have ended, the listed groupings only,
small cells hidden with their partners, files, and everything else refused in the problem
format. Whether a hidden cell can be worked out: test_public_disclosure.py."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, get_args

from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app import http_cache
from app.config import Settings
from app.stats.definitions import PUBLIC_GROUPINGS
from app.stats.public_router import PublicGrouping
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

URL = "/v1/public/stats/placements"


async def _data(session: AsyncSession) -> None:
    """2023: January 10 women and 3 men in Phường 1 (old 29551); March 7 women abroad (Japan)
    with no known residence; one voided record in February."""
    ward = await commune_id(session, "29551", date(2023, 1, 1))
    await add_people(session, first=1, count=10, start=date(2023, 1, 5), days=20, residence=ward)
    await add_people(
        session, first=100, count=3, start=date(2023, 1, 31), days=1, residence=ward, sex="male"
    )
    await add_people(
        session, first=200, count=7, start=date(2023, 3, 1), days=31, abroad_below=1_000
    )
    await add_people(session, first=300, count=1, start=date(2023, 2, 1), days=1, voided=True)
    await session.commit()


def _table(response: Any, column: str) -> dict[Any, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {row[column]: row for row in response.json()["rows"]}


async def test_small_cells_and_their_partners_are_hidden(
    client: AsyncClient, session: AsyncSession
) -> None:
    await _data(session)
    response = await client.get(URL, params={"period": "2023-01", "group_by": "sex"})
    body = response.json()
    assert (body["period"], body["from"], body["to"]) == ("2023-01", "2023-01-01", "2023-01-31")
    assert body["group_by"] == ["sex"]
    sexes = _table(response, "sex")
    hidden = {"people": None, "placements": None, "suppressed": True}
    assert sexes["male"] == {"sex": "male", **hidden}
    # 3 men = the total minus the women: the women are hidden with them.
    assert sexes["female"] == {"sex": "female", **hidden}
    assert body["total"] == {"people": 13, "placements": 13, "suppressed": False}
    assert response.headers["cache-control"] == http_cache.STATS.cache_control

    quarter = await client.get(URL, params={"period": "2023-Q1", "group_by": "destination"})
    destinations = _table(quarter, "destination")
    # 7 abroad: shown, and so is the quarter, so domestic (13) can be worked out: fine, 13
    # is no small cell, and January's split by sex is not in it.
    assert destinations["abroad"]["people"] == 7
    assert destinations["domestic"]["people"] == 13
    february = await client.get(URL, params={"period": "2023-02"})
    assert february.json()["rows"] == []
    assert february.json()["total"] == {"people": 0, "placements": 0, "suppressed": False}

    total = await client.get(URL, params={"period": "2023"})
    assert total.json()["total"]["people"] == 20
    areas = _table(
        await client.get(URL, params={"period": "2023", "group_by": "area"}), "area_code"
    )
    assert areas["29551"]["people"] == 13
    assert areas["29551"]["area_valid_to"] == "2025-07-01"
    assert areas[None]["people"] == 7  # no known residence
    assert len(areas) == 103  # the 102 communes of 2023 as zero rows, and the unknown


async def test_a_year_of_few_people_shows_nothing_but_zeros(
    client: AsyncClient, session: AsyncSession
) -> None:
    ward = await commune_id(session, "29551", date(2022, 1, 1))
    await add_people(session, first=1, count=4, start=date(2022, 5, 1), days=10, residence=ward)
    await session.commit()
    year = await client.get(URL, params={"period": "2022", "group_by": "area"})
    assert year.json()["total"] == {"people": None, "placements": None, "suppressed": True}
    shown = [row for row in year.json()["rows"] if not row["suppressed"]]
    assert {row["people"] for row in shown} == {0}
    may = await client.get(URL, params={"period": "2022-05", "group_by": "sex"})
    assert _table(may, "sex")["female"]["suppressed"] is True
    assert _table(may, "sex")["male"]["people"] == 0


async def test_files(client: AsyncClient, session: AsyncSession) -> None:
    await _data(session)
    params = {"period": "2023-Q1", "group_by": "sex"}
    response = await client.get(URL, params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    assert 'filename="placements_public_2023-Q1_sex.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["sex"]: row["suppressed"] for row in rows} == {"female": "true", "male": "true"}
    assert rows[0]["people"] == ""
    xlsx = await client.get(URL, params={**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Kết quả giải quyết việc làm (công khai)"
    assert "2023-Q1" in str(values[1][0])


async def test_only_standard_periods_that_have_ended(client: AsyncClient) -> None:
    today = datetime.now(Settings().tz).date()
    running = [f"{today:%Y-%m}", str(today.year), "2099-Q1"]
    cases: list[tuple[dict[str, str], str]] = [
        ({}, "query.period"),
        ({"period": "2024-01-01"}, "query.period"),  # a day is no standard period
        ({"period": "last-week"}, "query.period"),
        ({"period": "2024-13"}, "query.period"),
        ({"period": "2024-Q5"}, "query.period"),
        ({"period": "2024-H3"}, "query.period"),
        ({"period": "1999"}, "query.period"),
        ({"period": "2024", "group_by": "month"}, "query.group_by"),
        ({"period": "2024", "group_by": "sex,area"}, "query.group_by"),
        ({"period": "2024", "group_by": "employer"}, "query.group_by"),
        ({"period": "2024", "format": "pdf"}, "query.format"),
        *(({"period": label}, "query.period") for label in running),
    ]
    for params, field in cases:
        assert_problem(await client.get(URL, params=params), 422, field)
    # What the department's report takes (any days, filters, levels) is not a parameter here.
    for extra in ({"from": "2024-01-01", "to": "2024-01-02"}, {"area": "29551"},
                  {"area_level": "district"}, {"sex": "male"}, {"employer_id": "x"}):  # fmt: skip
        assert_problem(await client.get(URL, params={"period": "2024", **extra}), 400)
    problem = (await client.get(URL, params={"period": running[0]})).json()
    assert "has not ended" in problem["errors"][0]["message"]


async def test_tables_follow_writes(client: AsyncClient, session: AsyncSession) -> None:
    await _data(session)
    params = {"period": "2023-03", "group_by": "destination_country"}
    before = _table(await client.get(URL, params=params), "destination_country")
    assert before["JP"]["people"] == 7
    await add_people(session, first=500, count=2, start=date(2023, 3, 10), days=1,
                     abroad_below=10_000, country="KR")  # fmt: skip
    await session.commit()
    after = _table(await client.get(URL, params=params), "destination_country")
    assert after["KR"]["suppressed"] is True
    assert after["JP"]["suppressed"] is True  # else 9 - 7 = the 2 in Korea


def test_the_groupings_are_those_the_docs_list() -> None:
    assert get_args(PublicGrouping) == tuple(d.value for d in PUBLIC_GROUPINGS)
