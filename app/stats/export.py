"""Statistics as files: CSV that Excel opens with Vietnamese intact (UTF-8 with BOM), and XLSX
reports with a title, the period, when generated, units, a header row and a totals row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import BaseModel
from starlette.responses import Response

from app.errors import Problem
from app.stats.definitions import Dimension

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The formats every report is served in, and how OpenAPI documents the two files and the
# errors of a staff report.
Format = Literal["json", "csv", "xlsx"]
REPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key."},
    403: {"model": Problem, "description": "Not a department or admin key."},
    422: {"model": Problem, "description": "Invalid parameter; `errors` names it."},
}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


# Vietnamese headings of the grouping columns, shared by every statistics report.
DIMENSION_LABELS = {
    "month": "Tháng",
    "quarter": "Quý",
    "half": "Sáu tháng",
    "year": "Năm",
    "area_code": "Mã đơn vị hành chính",
    "area_name": "Tên đơn vị hành chính",
    "area_valid_from": "Hiệu lực từ",
    "area_valid_to": "Hiệu lực đến",
    "sex": "Giới tính",
    "age_group": "Nhóm tuổi",
    "trained": "Qua đào tạo",
    "destination": "Trong nước / nước ngoài",
    "destination_country": "Nước đến",
    "channel": "Kênh",
    "occupation_major": "Nhóm nghề (cấp 1)",
    "industry_section": "Ngành kinh tế (cấp 1)",
}
TOTAL_LABEL = "Tổng cộng"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Vietnamese, for the XLSX header
    kind: Literal["text", "int", "number", "bool", "date"] = "text"


@dataclass
class Table:
    title: str
    period: str
    generated_at: datetime
    units: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def dimension_columns(dims: tuple[Dimension, ...]) -> list[Column]:
    """The grouping columns of a report: an area is four (code, name, validity)."""
    columns = []
    for dimension in dims:
        if dimension is Dimension.area:
            columns += [
                Column("area_code", DIMENSION_LABELS["area_code"]),
                Column("area_name", DIMENSION_LABELS["area_name"]),
                Column("area_valid_from", DIMENSION_LABELS["area_valid_from"], "date"),
                Column("area_valid_to", DIMENSION_LABELS["area_valid_to"], "date"),
            ]
        else:
            kind: Literal["text", "bool"] = "bool" if dimension is Dimension.trained else "text"
            columns.append(Column(dimension.value, DIMENSION_LABELS[dimension.value], kind))
    return columns


def labelled_totals(dims: tuple[Dimension, ...], totals: dict[str, Any]) -> dict[str, Any]:
    """The totals row, "Tổng cộng" in its first grouping column."""
    if not dims:
        return dict(totals)
    first = "area_code" if dims[0] is Dimension.area else dims[0].value
    return {**totals, first: TOTAL_LABEL}


def respond(
    fmt: Format, body: Callable[[], BaseModel], table: Callable[[], Table], stem: str
) -> Response:
    """The one way a report leaves: its JSON body, or its table as `<stem>.csv` or `.xlsx`.
    Each is built only for the format asked."""
    if fmt == "json":
        return Response(
            body().model_dump_json(by_alias=True, exclude_unset=True).encode(),
            media_type="application/json",
        )
    return file_response(table(), fmt, stem)


def file_response(table: Table, fmt: Literal["csv", "xlsx"], stem: str) -> Response:
    """The report as a download: `<stem>.csv` or `<stem>.xlsx`."""
    if fmt == "csv":
        content, media_type = to_csv(table), CSV_MEDIA_TYPE
    else:
        content, media_type = to_xlsx(table), XLSX_MEDIA_TYPE
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


# A text cell starting with one of these is a formula to Excel (and to openpyxl, which would
# write "=..." as one). Today's columns hold codes and names from reference data, but a cell
# must never run: such text is kept as text with a leading apostrophe (OWASP's advice).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else inert(value)


def to_csv(table: Table) -> bytes:
    """One header row of column keys, one line per row; no title or totals, so that programs
    read it as data. The BOM tells Excel it is UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(column.key)) for column in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return inert(value)


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.create_sheet("Báo cáo", 0)
    del workbook[workbook.sheetnames[1]]  # the default empty sheet
    bold = Font(bold=True)
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Kỳ báo cáo: {table.period}"])
    sheet.append([f"Thời điểm lập: {table.generated_at.strftime('%d/%m/%Y %H:%M')}"])
    sheet.append([f"Đơn vị tính: {table.units}"])
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append([column.label for column in table.columns])
    for cell in sheet[header_row]:
        cell.font = bold
    for row in table.rows:
        sheet.append([_cell_value(row.get(column.key)) for column in table.columns])
    if table.totals is not None:
        sheet.append([_cell_value(table.totals.get(column.key)) for column in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([note])
    for index, column in enumerate(table.columns, start=1):
        width = max(len(column.label), 10) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 40)
        if column.kind == "date":
            for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                cell.number_format = "dd/mm/yyyy"
    sheet.freeze_panes = f"A{header_row + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
