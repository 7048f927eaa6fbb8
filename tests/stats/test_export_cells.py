"""Exported cells never run as formulas in Excel, whatever text reaches them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from app.stats.export import Column, Table, to_csv, to_xlsx

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "Phú Khương"]


def table() -> Table:
    return Table(
        title="Thử",
        period="2026",
        generated_at=datetime(2026, 11, 28, tzinfo=UTC),
        units="người",
        columns=[Column("area_name", "Xã"), Column("people", "Số người", "int")],
        rows=[{"area_name": text, "people": -1} for text in HOSTILE],
    )


def test_csv_cells_that_look_like_formulas_stay_text() -> None:
    lines = to_csv(table()).decode("utf-8-sig").splitlines()[1:]
    names = [line.rsplit(",", 1)[0].strip('"') for line in lines]
    assert all(name.startswith("'") for name in names[:5]), names
    assert names[5] == "Phú Khương"
    assert all(line.endswith(",-1") for line in lines)  # numbers are numbers


@pytest.mark.parametrize("text", HOSTILE[:5])
def test_xlsx_cells_are_never_formulas(text: str) -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(table()))).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + text in [cell.value for cell in cells]
