"""Grouped placement totals: zero rows, filters, areas across the reorganisation, files, and
the requests that cannot be answered (the public tables: test_public_stats.py)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, get_args

from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats.definitions import AGE_GROUPS
from app.stats.router import AgeGroup
from tests.factories import Actors
from tests.problems import assert_problem
from tests.stats.conftest import add_people, commune_id

URL = "/v1/stats/placements"


async def _data(session: AsyncSession) -> dict[str, int]:
    """2023: January 10 women and 3 men in Phường 1 (old 29551); nothing in February; March
    7 women abroad with no known residence; one voided record."""
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
    return {"ward": ward}


def _rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


async def test_grouped_totals_with_zero_rows(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _data(session)
    response = await client.get(
        URL,
        params={"from": "2023-01-01", "to": "2023-04-30", "group_by": "month,sex"},
        headers=actors.department,
    )
    rows = _rows(response)
    table = {(r["month"], r["sex"]): (r["people"], r["placements"]) for r in rows}
    assert table == {
        ("2023-01", "male"): (3, 3),
        ("2023-01", "female"): (10, 10),
        ("2023-02", "male"): (0, 0),  # the voided record does not count
        ("2023-02", "female"): (0, 0),
        ("2023-03", "male"): (0, 0),
        ("2023-03", "female"): (7, 7),
        ("2023-04", "male"): (0, 0),
        ("2023-04", "female"): (0, 0),
    }
    assert set(rows[0]) == {"month", "sex", "people", "placements"}
    assert response.json()["total"] == {"people": 20, "placements": 20}

    abroad = await client.get(
        URL,
        params={"from": "2023-01-01", "to": "2023-12-31", "group_by": "destination_country",
                "destination": "abroad"},
        headers=actors.department,
    )  # fmt: skip
    assert [(r["destination_country"], r["people"]) for r in _rows(abroad)] == [("JP", 7)]

    nothing = await client.get(
        URL, params={"from": "2023-01-01", "to": "2023-12-31"}, headers=actors.department
    )
    assert nothing.json()["rows"] == []
    assert nothing.json()["total"]["people"] == 20


async def test_areas_by_commune_and_district(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _data(session)
    response = await client.get(
        URL,
        params={"from": "2023-01-01", "to": "2023-03-31", "group_by": "area"},
        headers=actors.department,
    )
    rows = _rows(response)
    assert len(rows) == 102 + 1  # every pre-2025 commune, and the unknown residence
    ward = next(r for r in rows if r["area_code"] == "29551")
    assert (ward["area_name"], ward["people"], ward["area_valid_to"]) == ("1", 13, "2025-07-01")
    assert rows[-1]["area_code"] is None
    assert rows[-1]["people"] == 7
    assert sum(r["people"] for r in rows) == 20

    districts = await client.get(
        URL,
        params={"from": "2023-01-01", "to": "2023-03-31", "group_by": "area",
                "area_level": "district", "area": "855"},
        headers=actors.department,
    )  # fmt: skip
    assert [(r["area_code"], r["people"]) for r in _rows(districts)] == [("855", 13)]

    both_sides = await client.get(
        URL,
        params={"from": "2025-06-01", "to": "2025-07-31", "group_by": "area", "area": "29551"},
        headers=actors.department,
    )
    validity = [(r["area_valid_from"], r["area_valid_to"]) for r in _rows(both_sides)]
    assert validity == [(None, "2025-07-01"), ("2025-07-01", None)]


async def test_csv_and_xlsx(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    await _data(session)
    params = {"from": "2023-01-01", "to": "2023-03-31", "group_by": "area", "area": "29551"}
    response = await client.get(URL, params={**params, "format": "csv"}, headers=actors.department)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:2] == ["area_code", "area_name"]
    assert lines[1][0] == "29551"
    assert lines[1][-2:] == ["13", "13"]

    named = await client.get(
        URL,
        params={"from": "2025-07-01", "to": "2025-07-31", "group_by": "area", "area": "28756",
                "format": "csv"},
        headers=actors.department,
    )  # fmt: skip
    assert "Phú Khương" in named.content.decode("utf-8-sig")

    xlsx = await client.get(URL, params={**params, "format": "xlsx"}, headers=actors.department)
    assert xlsx.status_code == 200, xlsx.text
    assert 'filename="placements_20230101_20230331.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Kết quả giải quyết việc làm"
    assert "01/01/2023 - 31/03/2023" in str(values[1][0])
    header = values[5]
    assert header[:2] == ("Mã đơn vị hành chính", "Tên đơn vị hành chính")
    assert values[6][0] == "29551"
    assert values[6][-2:] == (13, 13)
    assert values[7][0] == "Tổng cộng"
    assert values[7][-2:] == (13, 13)


async def test_requests_that_cannot_be_answered(client: AsyncClient, actors: Actors) -> None:
    base = {"from": "2023-01-01", "to": "2023-12-31"}
    assert_problem(await client.get(URL, params=base), 401)
    assert_problem(await client.get(URL, params=base, headers=actors.a), 403)
    cases: list[tuple[dict[str, str], str]] = [
        ({"to": "2023-12-31"}, "query.from"),
        ({**base, "to": "2022-12-31"}, "query.to"),
        ({"from": "2001-01-01", "to": "2023-12-31"}, "query.to"),
        ({**base, "group_by": "colour"}, "query.group_by"),
        ({**base, "group_by": "month,quarter"}, "query.group_by"),
        ({**base, "group_by": "sex,sex"}, "query.group_by"),
        ({"from": "2025-01-01", "to": "2025-12-31", "area_level": "district"},
         "query.area_level"),
        ({**base, "format": "pdf"}, "query.format"),
        ({**base, "sex": "other"}, "query.sex.0"),
        ({**base, "age_group": "10-14"}, "query.age_group.0"),
        ({**base, "area": "' OR 1=1 --"}, "query.area.0"),
        ({**base, "destination_country": "japan"}, "query.destination_country.0"),
        ({**base, "from": "2023-02-30"}, "query.from"),
    ]  # fmt: skip
    for params, field in cases:
        assert_problem(await client.get(URL, params=params, headers=actors.department), 422, field)
    huge = {"from": "2015-01-01", "to": "2024-12-31",
            "group_by": "month,area,age_group,channel,destination_country"}  # fmt: skip
    assert_problem(await client.get(URL, params=huge, headers=actors.department), 422)


async def test_dates_outside_the_statistics_range(client: AsyncClient, actors: Actors) -> None:
    for params, field in (
        ({"from": "1999-12-31", "to": "2000-01-31"}, "query.from"),
        ({"from": "9990-01-01", "to": "9999-12-31", "group_by": "month"}, "query.to"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "query.from"),
    ):
        assert_problem(await client.get(URL, params=params, headers=actors.department), 422, field)


async def test_every_period_and_age_group_label(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _data(session)
    year = {"from": "2023-01-01", "to": "2023-12-31"}

    async def grouped(**params: str) -> list[tuple[Any, ...]]:
        response = await client.get(URL, params={**year, **params}, headers=actors.department)
        return [tuple(row.values()) for row in _rows(response)]

    assert await grouped(group_by="half") == [("2023-H1", 20, 20), ("2023-H2", 0, 0)]
    assert await grouped(group_by="quarter") == [
        ("2023-Q1", 20, 20), ("2023-Q2", 0, 0), ("2023-Q3", 0, 0), ("2023-Q4", 0, 0)
    ]  # fmt: skip
    assert await grouped(group_by="year") == [("2023", 20, 20)]
    ages = await grouped(group_by="age_group")  # born 1995: 28 in 2023
    assert ages == [
        ("15-24", 0, 0), ("25-34", 20, 20), ("35-44", 0, 0), ("45-54", 0, 0), ("55-64", 0, 0),
        ("65+", 0, 0),
    ]  # fmt: skip
    assert await grouped(group_by="year", age_group="25-34") == [("2023", 20, 20)]
    assert await grouped(group_by="year", age_group="15-24") == [("2023", 0, 0)]
    assert await grouped(group_by="trained,destination", sex="male") == [
        (True, "domestic", 2, 2), (True, "abroad", 0, 0),
        (False, "domestic", 1, 1), (False, "abroad", 0, 0),
    ]  # fmt: skip


async def test_unknown_area_codes_are_refused(client: AsyncClient, actors: Actors) -> None:
    for url in (URL, "/v1/stats/vacancies"):
        for params in (
            {"from": "2026-01-01", "to": "2026-01-31", "area": ["28756", "99999"]},
            # 29542 existed only before the reorganisation; there never was a district 856.
            {"from": "2026-01-01", "to": "2026-01-31", "area": "29542"},
            {"from": "2024-01-01", "to": "2024-01-31", "area": "856", "area_level": "district"},
        ):
            response = await client.get(url, params=params, headers=actors.department)
            problem = assert_problem(response, 422)
            assert problem["errors"][0]["type"] == "unknown_code", problem
        assert_problem(
            await client.get(
                url,
                params={"from": "9990-01-01", "to": "9999-12-31", "group_by": "month"},
                headers=actors.department,
            ),
            422,
            "query.to",
        )
    known = await client.get(
        URL,
        params={"from": "2024-01-01", "to": "2024-01-31", "area": "857", "area_level": "district"},
        headers=actors.department,
    )
    assert known.status_code == 200, known.text


def test_the_age_group_parameter_lists_every_age_group() -> None:
    assert list(get_args(AgeGroup)) == [label for label, _, _ in AGE_GROUPS]
