"""Programme progress as the department downloads it: CSV (UTF-8 with BOM, column keys) and XLSX
(title, Vietnamese headings, date cells) with exactly the JSON's figures, and the share of each
target's days gone by."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.programmes.progress import elapsed_pct
from tests.factories import Actors
from tests.problems import assert_problem
from tests.programmes.test_progress import BEFORE, _history, by_target, progress, put
from tests.stats.conftest import commune_id

URL = "/v1/stats/programmes/term-2021-2025"
THROUGH = {"through": "2025-06-30"}
# The figures a row must carry as the JSON does (numbers, or null as an empty cell).
FIGURES = (
    "target",
    "actual",
    "pct_of_target",
    "elapsed_pct",
    "projected",
    "projected_low",
    "projected_high",
    "projected_pct_of_target",
)


async def _term(client: AsyncClient, actors: Actors, session: AsyncSession) -> dict[str, Any]:
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
    return await progress(client, actors, "term-2021-2025", **THROUGH)


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


async def test_the_share_of_each_target_s_days_gone_by(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    targets = by_target(await _term(client, actors, session))
    # 2021-01-01 to 2025-06-30 is 1,642 of the term's 1,826 days; 181 of 2025's 365.
    assert targets[("new_jobs", None)]["elapsed_pct"] == 89.92
    assert targets[("new_jobs", 2025)]["elapsed_pct"] == 49.59
    assert targets[("sent_abroad", None)]["elapsed_pct"] == 89.92
    # Before the first day nothing is gone; from the last day, all.
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert elapsed_pct(start, end, date(2025, 12, 31)) == 0
    assert elapsed_pct(start, end, start) == Decimal("0.27")  # 1 of 365 days
    assert elapsed_pct(start, end, end) == 100
    assert elapsed_pct(start, end, date(2027, 3, 1)) == 100


async def test_csv_and_xlsx_carry_the_json_s_figures(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    body = await _term(client, actors, session)
    as_csv = await client.get(URL, params={**THROUGH, "format": "csv"}, headers=actors.department)
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == (
        'attachment; filename="programme_term-2021-2025_20250630.csv"'
    )
    assert as_csv.headers["cache-control"] == "private, no-store"
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == len(body["targets"]) == 3
    for row, target in zip(rows, body["targets"], strict=True):
        assert (row["indicator"], row["year"]) == (
            target["indicator"],
            "" if target["year"] is None else str(target["year"]),
        )
        assert (row["period_from"], row["period_to"]) == (
            target["period_from"],
            target["period_to"],
        )
        assert {k: _number(row[k]) for k in FIGURES} == {k: target[k] for k in FIGURES}
        assert row["projected_through"] == (target["projected_through"] or "")
        assert row["projection_basis"] == ", ".join(map(str, target["projection_years"]))
    whole = rows[0]
    assert (whole["actual"], whole["projected"], whole["pct_of_target"]) == ("321", "370", "64.2")
    assert whole["by_year"] == "2021: 0; 2022: 100; 2023: 100; 2024: 100; 2025: 21"
    assert whole["unit"] == "người"

    as_xlsx = await client.get(URL, params={**THROUGH, "format": "xlsx"}, headers=actors.department)
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.headers["content-disposition"] == (
        'attachment; filename="programme_term-2021-2025_20250630.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0] == "Tiến độ thực hiện: Nhiệm kỳ 2021-2025, huyện Vũng Liêm"
    assert cells[1][0] == "Kỳ báo cáo: 01/01/2021 - 30/06/2025"
    header = cells.index(next(row for row in cells if row and row[0] == "Mã chỉ tiêu"))
    labels = list(cells[header])
    assert labels[:10] == [
        "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Năm (trống: cả giai đoạn)", "Từ ngày",
        "Đến ngày", "Mục tiêu", "Thực hiện (lũy kế)", "% mục tiêu", "% thời gian đã qua",
    ]  # fmt: skip
    keys = list(rows[0])
    data = cells[header + 1 : header + 1 + len(body["targets"])]
    for values, target in zip(data, body["targets"], strict=True):
        line = dict(zip(keys, values, strict=True))
        assert line["indicator"] == target["indicator"]
        assert line["name_vi"] == target["name_vi"]
        assert {k: line[k] for k in FIGURES} == {k: target[k] for k in FIGURES}
        assert line["period_from"] == datetime.fromisoformat(target["period_from"])
    notes = [str(row[0]) for row in cells[header + 1 + len(body["targets"]) :] if row and row[0]]
    assert any("Vũng Liêm (859" in note and "Trung Thành (29659)" in note for note in notes)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"format": "pdf"}, 422, "query.format"),
        ({"format": "CSV"}, 422, "query.format"),
        ({"format": "csv", "through": "2020-12-31"}, 422, "query.through"),
        ({"format": "xlsx", "through": "30/06/2025"}, 422, "query.through"),
        ({"format": "csv", "group_by": "area"}, 400, None),  # not a parameter of this report
    ],
)
async def test_bad_formats_and_days_are_problems(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    params: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    await _term(client, actors, session)
    response = await client.get(URL, params=params, headers=actors.department)
    assert_problem(response, status, *([field] if field else []))


async def test_no_such_programme_or_no_key(client: AsyncClient, actors: Actors) -> None:
    missing = await client.get(
        "/v1/stats/programmes/nothing-here", params={"format": "csv"}, headers=actors.department
    )
    assert_problem(missing, 404)
    assert_problem(await client.get(URL, params={"format": "xlsx"}), 401)
    employer = await client.get(URL, params={"format": "csv"}, headers=actors.a)
    assert_problem(employer, 403)
