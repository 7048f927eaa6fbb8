"""HTTP route for the indicator report: each indicator's year to date against the annual plan,
as the department's periodic reports state it (a statistics endpoint, built on plans)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.plans import progress
from app.plans.schemas import IndicatorReport
from app.stats import export
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format
from app.stats.schemas import AreaCode

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats/indicators",
    response_model=IndicatorReport,
    responses={**REPORT_ERRORS, **FILE_RESPONSES},
    summary="Indicators against the annual plan (department, admin)",
)
async def indicator_stats(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2024])],
    through: Annotated[
        IsoDate | None,
        Query(description="Year to date up to this day; default 31 December or today."),
    ] = None,
    area: Annotated[
        AreaCode | None, Query(description="A district or commune valid on `through`.")
    ] = None,
    format: Annotated[Format, Query(description="Response format.")] = "json",
) -> Response:
    """Each indicator's year-to-date actual, the plan in force, percent of plan (2 decimals,
    halves up), the same period a year earlier and the change, as the department's periodic
    reports state them. As JSON, CSV or an XLSX report."""
    report = await progress.report(session, year, through, area, datetime.now(settings.tz))
    stem = f"indicators_{report.year}_{report.through:%Y%m%d}"
    return export.respond(format, lambda: report, lambda: _indicator_table(report), stem)


_INDICATOR_COLUMNS = [
    export.Column("indicator", "Mã chỉ tiêu"),
    export.Column("name_vi", "Chỉ tiêu"),
    export.Column("unit", "Đơn vị tính"),
    export.Column("actual", "Thực hiện (lũy kế từ đầu năm)", "number"),
    export.Column("plan", "Kế hoạch năm", "number"),
    export.Column("pct_of_plan", "% kế hoạch", "number"),
    export.Column("same_period_last_year", "Cùng kỳ năm trước", "number"),
    export.Column("change_pct", "% so với cùng kỳ", "number"),
    export.Column("value_period", "Kỳ số liệu (chỉ tiêu điều tra)"),
    export.Column("projected", "Dự báo cả năm", "number"),
    export.Column("projected_low", "Dự báo: thấp", "number"),
    export.Column("projected_high", "Dự báo: cao", "number"),
    export.Column("projected_pct_of_plan", "% kế hoạch (dự báo)", "number"),
    export.Column("projection_basis", "Các năm làm căn cứ dự báo"),
]
_UNITS_VI = {"people": "người", "percent": "%"}


def _indicator_table(report: IndicatorReport) -> export.Table:
    rows = [
        {
            **figure.model_dump(mode="json"),
            "unit": _UNITS_VI.get(figure.unit, figure.unit),
            "projection_basis": ", ".join(map(str, figure.projection_years)),
        }
        for figure in report.indicators
    ]
    place = f" - {report.area.name} ({report.area.code})" if report.area else ""
    return export.Table(
        title=f"Kết quả thực hiện các chỉ tiêu năm {report.year}{place}",
        period=f"{report.period_from:%d/%m/%Y} - {report.through:%d/%m/%Y}",
        generated_at=report.generated_at,
        units="người; %",
        columns=_INDICATOR_COLUMNS,
        rows=rows,
        notes=[
            "% kế hoạch = thực hiện lũy kế / kế hoạch cả năm x 100, làm tròn 2 chữ số.",
            "Giải quyết việc làm: số người khác nhau được giới thiệu việc làm (trong nước và "
            "nước ngoài); lượt bị hủy không tính.",
            "Dự báo cả năm = thực hiện lũy kế / tỷ lệ bình quân mà các năm trước đã đạt đến "
            "cùng ngày; khoảng thấp - cao theo tỷ lệ lớn nhất và nhỏ nhất; cần ít nhất 2 năm.",
        ],
    )
