"""HTTP route for progress against a programme's targets (a statistics endpoint), as JSON or as
the department's other reports are downloaded: CSV and XLSX (app/stats/export.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.errors import Problem
from app.programmes import progress
from app.programmes.router import Code
from app.programmes.schemas import ProgrammeAreaRead, ProgrammeProgress
from app.stats import export
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats/programmes/{code}",
    response_model=ProgrammeProgress,
    responses={
        **REPORT_ERRORS,
        **FILE_RESPONSES,
        404: {"model": Problem, "description": "No such programme."},
    },
    summary="Progress against a programme's targets (department, admin)",
)
async def programme_progress(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    code: Code,
    through: Annotated[
        IsoDate | None,
        Query(
            description="Counted up to this day; default today, at most the period's end.",
            examples=["2026-06-30"],
        ),
    ] = None,
    format: Annotated[Format, Query(description="Response format.", examples=["xlsx"])] = "json",
) -> Response:
    """Each target: the people placed so far in the programme's units and period (an old
    district followed by the communes that replaced it on 2025-07-01), percent of target, the
    share of its days gone by, the years it covers, and the current year's year-end projection
    added to the years over. As JSON, CSV or XLSX (one row per target)."""
    report = await progress.progress(session, code, through, datetime.now(settings.tz))
    stem = f"programme_{report.code}_{report.through:%Y%m%d}"
    return export.respond(format, lambda: report, lambda: _table(report), stem)


_COLUMNS = [
    export.Column("indicator", "Mã chỉ tiêu"),
    export.Column("name_vi", "Chỉ tiêu"),
    export.Column("unit", "Đơn vị tính"),
    export.Column("year", "Năm (trống: cả giai đoạn)", "int"),
    export.Column("period_from", "Từ ngày", "date"),
    export.Column("period_to", "Đến ngày", "date"),
    export.Column("target", "Mục tiêu", "number"),
    export.Column("actual", "Thực hiện (lũy kế)", "int"),
    export.Column("pct_of_target", "% mục tiêu", "number"),
    export.Column("elapsed_pct", "% thời gian đã qua", "number"),
    export.Column("by_year", "Thực hiện từng năm"),
    export.Column("projected", "Dự báo", "int"),
    export.Column("projected_low", "Dự báo: thấp", "int"),
    export.Column("projected_high", "Dự báo: cao", "int"),
    export.Column("projected_pct_of_target", "% mục tiêu (dự báo)", "number"),
    export.Column("projected_through", "Dự báo đến ngày", "date"),
    export.Column("projection_basis", "Các năm làm căn cứ dự báo"),
    export.Column("projection_reason", "Lý do không dự báo"),
]
_UNITS_VI = {"people": "người", "percent": "%"}


def _areas(areas: list[ProgrammeAreaRead]) -> str:
    if not areas:
        return "Địa bàn: toàn tỉnh."
    named = []
    for area in areas:
        followers = ", ".join(f"{f.name} ({f.code})" for f in area.followed_by)
        after = f", từ {area.valid_to:%d/%m/%Y} theo: {followers}" if followers else ""
        named.append(f"{area.name} ({area.code}{after})")
    return "Địa bàn: " + "; ".join(named) + "."


def _table(report: ProgrammeProgress) -> export.Table:
    rows = [
        {
            **target.model_dump(mode="json"),
            # Days as days, for the XLSX's date cells (CSV writes them as JSON does).
            "period_from": target.period_from,
            "period_to": target.period_to,
            "projected_through": target.projected_through,
            "unit": _UNITS_VI.get(target.unit, target.unit),
            "by_year": "; ".join(f"{y.year}: {y.actual}" for y in target.by_year),
            "projection_basis": ", ".join(map(str, target.projection_years)),
        }
        for target in report.targets
    ]
    return export.Table(
        title=f"Tiến độ thực hiện: {report.name}",
        period=f"{report.period_from:%d/%m/%Y} - {report.through:%d/%m/%Y}",
        generated_at=report.generated_at,
        units="người; %",
        columns=_COLUMNS,
        rows=rows,
        notes=[
            f"Mã chương trình: {report.code}; giai đoạn {report.period_from:%d/%m/%Y} - "
            f"{report.period_to:%d/%m/%Y}; số liệu đến ngày {report.through:%d/%m/%Y}.",
            _areas(report.areas),
            "Thực hiện: số người khác nhau được giải quyết việc làm trong phần của từng năm, "
            "theo nơi cư trú, cộng qua các năm; lượt bị hủy không tính.",
            "% mục tiêu = thực hiện / mục tiêu x 100; % thời gian đã qua = số ngày đã qua / "
            "số ngày của kỳ mục tiêu x 100; làm tròn 2 chữ số.",
            "Dự báo = các năm đã qua + dự báo cả năm của năm hiện tại (thực hiện / tỷ lệ bình "
            "quân các năm trước đã đạt đến cùng ngày); khoảng thấp - cao theo tỷ lệ lớn nhất "
            "và nhỏ nhất; cần ít nhất 2 năm.",
            "Lý do không dự báo: not_enough_history (chưa đủ 2 năm trước), none_by_this_date "
            "(các năm trước chưa có ai đến ngày này), not_started (kỳ mục tiêu chưa bắt đầu).",
        ],
    )
