"""HTTP route for the places that need attention: the units of the province ranked by how far
their placements lag, each with why (app/stats/attention.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.stats import attention, export
from app.stats.attention_schemas import AttentionFlag, AttentionReport, AttentionUnit
from app.stats.checks import invalid
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats/areas/attention",
    response_model=AttentionReport,
    responses={**REPORT_ERRORS, **FILE_RESPONSES},
    summary="Places that need attention, ranked (department, admin)",
)
async def areas_needing_attention(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    year: Annotated[int, Query(ge=2000, le=2100, examples=[2026])],
    through: Annotated[
        IsoDate | None,
        Query(description="Year to date up to this day; default 31 December or today."),
    ] = None,
    format: Annotated[Format, Query(description="Response format.")] = "json",
) -> Response:
    """The districts valid on `through` (periods before the 2025 reorganisation), otherwise the
    communes, each with its people placed from 1 January, measured in this order: against its
    own plan where one is set (`behind_plan`: under 90% of the pace the share of the year gone
    by asks), otherwise against the same period a year earlier (`fewer_than_last_year`: a fall
    of 10% or more), and by the share placed through the job map (`few_via_job_map`: under
    half the province's, from 10 people). Flagged units first, the worst first; each flag says
    why in Vietnamese. As JSON, CSV or XLSX."""
    now = datetime.now(settings.tz)
    if through is None:
        through = min(date(year, 12, 31), now.date())
    if through.year != year:
        raise invalid("query.through", f"must be a day of {year}")
    found = await attention.attention(session, year, through)
    report = _report(found, now)
    stem = f"attention_{year}_{through:%Y%m%d}"
    return export.respond(format, lambda: report, lambda: _table(report), stem)


def _report(found: attention.Attention, now: datetime) -> AttentionReport:
    return AttentionReport(
        year=found.year,
        through=found.through,
        level=found.level,
        generated_at=now,
        year_elapsed_pct=found.year_elapsed_pct,
        province_people=found.province_people,
        province_job_map_share_pct=found.province_job_map_share_pct,
        units=[
            AttentionUnit(
                rank=rank,
                code=unit.code,
                name=unit.name,
                people=unit.people,
                plan=unit.plan,
                pct_of_plan=unit.pct_of_plan,
                pace=unit.pace,
                same_period_last_year=unit.same_period_last_year,
                change_pct=unit.change_pct,
                via_job_map=unit.via_job_map,
                job_map_share_pct=unit.job_map_share_pct,
                flags=[AttentionFlag(reason=f.reason, detail=f.detail) for f in unit.flags],
            )
            for rank, unit in enumerate(found.units, start=1)
        ],
    )


_COLUMNS = [
    export.Column("rank", "Thứ tự", "int"),
    export.Column("code", "Mã đơn vị"),
    export.Column("name", "Tên đơn vị"),
    export.Column("people", "Số người được giải quyết việc làm", "int"),
    export.Column("plan", "Kế hoạch năm", "number"),
    export.Column("pct_of_plan", "% kế hoạch", "number"),
    export.Column("same_period_last_year", "Cùng kỳ năm trước", "int"),
    export.Column("change_pct", "% so với cùng kỳ", "number"),
    export.Column("via_job_map", "Qua sàn việc làm", "int"),
    export.Column("job_map_share_pct", "% qua sàn việc làm", "number"),
    export.Column("why", "Lý do cần chú ý"),
]


def _table(report: AttentionReport) -> export.Table:
    rows = [
        {**unit.model_dump(mode="json"), "why": "; ".join(f.detail for f in unit.flags)}
        for unit in report.units
    ]
    level = "huyện" if report.level == "district" else "xã, phường"
    return export.Table(
        title=f"Các địa phương ({level}) cần chú ý, năm {report.year}",
        period=f"01/01/{report.year} - {report.through:%d/%m/%Y}",
        generated_at=report.generated_at,
        units="người; %",
        columns=_COLUMNS,
        rows=rows,
        notes=[
            f"Đã qua {report.year_elapsed_pct}% thời gian của năm; cả tỉnh qua sàn việc làm "
            f"{report.province_job_map_share_pct}% số người.",
            "Cần chú ý: dưới 90% tiến độ kế hoạch; nếu không có kế hoạch, giảm từ 10% so với "
            "cùng kỳ; qua sàn việc làm dưới một nửa tỷ lệ của tỉnh (từ 10 người).",
        ],
    )
