"""HTTP route of the public placement statistics: a standard period that has ended and one
listed grouping, without a key, small cells hidden across all of the year's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from app.db import SessionDep
from app.dependencies import SettingsDep
from app.http_cache import etag_for
from app.stats import export, public
from app.stats.definitions import Dimension
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format
from app.stats.periods import StandardPeriod
from app.stats.router import AREA_NOTE, MEASURE_COLUMNS, UNITS
from app.stats.schemas import PublicPlacementStats, StatsRow, StatsTotal

router = APIRouter(tags=["statistics"])

# The names of definitions.PUBLIC_GROUPINGS (a test keeps them in step).
PublicGrouping = Literal[
    "area",
    "sex",
    "age_group",
    "trained",
    "destination",
    "destination_country",
    "channel",
    "occupation_major",
    "industry_section",
]

_SUPPRESSED_COLUMN = export.Column("suppressed", "Ẩn (ô nhỏ)", "bool")


async def valid_period(
    period: Annotated[
        str,
        Query(
            description="A standard period that has ended: a year `2025`, a half `2026-H1`, "
            "a quarter `2026-Q2` or a month `2026-03`.",
            examples=["2026-H1"],
            max_length=7,
        ),
    ],
) -> StandardPeriod:
    return public.parse_period(period)


def _respond(table: public.PublicTable, fmt: Format, now: datetime) -> Response:
    period = table.period
    dims = (table.grouping,) if table.grouping else ()

    def body() -> PublicPlacementStats:
        return PublicPlacementStats(
            period=period.label,
            from_=period.start,
            to=period.end,
            group_by=[d.value for d in dims],
            area_level="commune",
            area_basis="residence",
            generated_at=now,
            rows=[StatsRow(**row) for row in table.rows],
            total=StatsTotal(**table.total),
        )

    def report() -> export.Table:
        return export.Table(
            title="Kết quả giải quyết việc làm (công khai)",
            period=f"{period.label}: {period.start:%d/%m/%Y} - {period.end:%d/%m/%Y}",
            generated_at=now,
            units=UNITS,
            columns=[*export.dimension_columns(dims), *MEASURE_COLUMNS, _SUPPRESSED_COLUMN],
            rows=table.rows,
            totals=export.labelled_totals(dims, table.total),
            notes=[
                AREA_NOTE,
                "Ô dưới 5 người được ẩn, cùng các ô có thể suy ra chúng từ các bảng công khai "
                "khác của cùng năm.",
            ],
        )

    stem = f"placements_public_{period.label}" + (f"_{dims[0].value}" if dims else "")
    response = export.respond(fmt, body, report, stem)
    # Of the figures as published (hidden cells hidden), not of the body, whose
    # `generated_at` moves every second: a revalidation of unchanged figures is a 304, a
    # correction changes the ETag. Cache-Control: app/http_cache.py (a CDN keeps it minutes).
    figures: Any = (period.label, dims, [sorted(r.items()) for r in table.rows], table.total)
    response.headers["ETag"] = etag_for(repr(figures).encode())
    return response


@router.get(
    "/public/stats/placements",
    response_model=PublicPlacementStats,
    responses={422: REPORT_ERRORS[422], **FILE_RESPONSES},
    summary="Placement totals for everyone: standard periods, small cells hidden",
)
async def public_placement_stats(
    session: SessionDep,
    settings: SettingsDep,
    period: Annotated[StandardPeriod, Depends(valid_period)],
    group_by: Annotated[
        PublicGrouping | None,
        Query(description="One grouping, or none for the total only.", examples=["sex"]),
    ] = None,
    format: Annotated[Format, Query(description="Response format.")] = "json",
) -> Response:
    """People placed in a month, quarter, half year or year that has ended, in total or by
    one grouping, without a key. A cell of fewer than 5 people is hidden (`suppressed: true`,
    counts null), and so is every cell that would let the year's other public tables (every
    period, every grouping, the totals) give a hidden one away by adding and subtracting."""
    now = datetime.now(settings.tz)
    grouping = Dimension(group_by) if group_by else None
    table = await public.public_table(session, period, grouping, now.date())
    return _respond(table, format, now)
