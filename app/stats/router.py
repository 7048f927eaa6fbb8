"""HTTP routes for the department's placement statistics (any days, any groupings); the
public ones are app/stats/public_router.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import StringConstraints

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.models import Channel, Destination, Sex
from app.stats import export, service
from app.stats.checks import check_period, parse_dimensions
from app.stats.definitions import (
    REORGANISATION,
    AreaBasis,
    AreaLevel,
    Dimension,
)
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format
from app.stats.placements import StatsResult
from app.stats.schemas import AreaCode, PlacementStats, StatsRow, StatsTotal

router = APIRouter(tags=["statistics"])

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
OccupationMajor = Annotated[str, StringConstraints(pattern=r"^[0-9]$")]
# A VSIC section letter, or the combined key of a period spanning a change ("G+T").
IndustrySection = Annotated[str, StringConstraints(pattern=r"^[A-V](\+[A-V]){0,5}$")]
# The labels of definitions.AGE_GROUPS (a test keeps them in step).
AgeGroup = Literal["15-24", "25-34", "35-44", "45-54", "55-64", "65+"]


@dataclass
class PlacementParams:
    """The parameters of the department's placement statistics."""

    start: date
    end: date
    group_by: tuple[Dimension, ...]
    area_level: AreaLevel
    area_basis: AreaBasis
    filters: dict[Dimension, tuple[str, ...]]
    format: Format


async def placement_params(
    from_: Annotated[
        IsoDate, Query(alias="from", description="First day (inclusive).", examples=["2026-01-01"])
    ],
    to: Annotated[IsoDate, Query(description="Last day (inclusive).", examples=["2026-06-30"])],
    group_by: Annotated[
        list[str],
        Query(
            description="Dimensions, repeated or comma-separated: month, quarter, half, year, "
            "area, sex, age_group, trained, destination, destination_country, channel, "
            "occupation_major, industry_section (at most one time dimension).",
            examples=["month,area"],
        ),
    ] = [],  # noqa: B006  (FastAPI copies defaults per request)
    area_level: Annotated[
        AreaLevel,
        Query(
            description="`commune`: the commune valid on each placement's date (pre-2025 "
            "communes before 2025-07-01); `district`: the 8 old districts (periods before "
            "2025-07-01 only)."
        ),
    ] = AreaLevel.commune,
    area_basis: Annotated[
        AreaBasis, Query(description="Count by where people live (default) or work.")
    ] = AreaBasis.residence,
    area: Annotated[list[AreaCode], Query(description="Only these units (codes).")] = [],  # noqa: B006
    sex: Annotated[list[Sex], Query()] = [],  # noqa: B006
    age_group: Annotated[list[AgeGroup], Query()] = [],  # noqa: B006
    trained: bool | None = None,
    destination: Annotated[list[Destination], Query()] = [],  # noqa: B006
    destination_country: Annotated[
        list[CountryCode], Query(description="ISO 3166-1 alpha-2.")
    ] = [],  # noqa: B006
    channel: Annotated[list[Channel], Query()] = [],  # noqa: B006
    occupation_major: Annotated[list[OccupationMajor], Query()] = [],  # noqa: B006
    industry_section: Annotated[
        list[IndustrySection],
        Query(
            description="Only these VSIC sections: each record's section in its own version, or "
            "for a period spanning 2025-11-15 in VSIC 2025 (older codes through the "
            "correspondence; a code split between sections is the combined key, e.g. G+T)."
        ),
    ] = [],  # noqa: B006
    format: Annotated[Format, Query(description="Response format.")] = "json",
) -> PlacementParams:
    check_period(from_, to, area_level)
    values: dict[Dimension, list[Any]] = {
        Dimension.area: area,
        Dimension.sex: [s.value for s in sex],
        Dimension.age_group: list(age_group),
        Dimension.trained: [] if trained is None else ["true" if trained else "false"],
        Dimension.destination: [d.value for d in destination],
        Dimension.destination_country: destination_country,
        Dimension.channel: [c.value for c in channel],
        Dimension.occupation_major: occupation_major,
        Dimension.industry_section: industry_section,
    }
    return PlacementParams(
        start=from_,
        end=to,
        group_by=parse_dimensions(group_by, list(Dimension)),
        area_level=area_level,
        area_basis=area_basis,
        filters={d: tuple(v) for d, v in values.items() if v},
        format=format,
    )


PlacementParamsDep = Annotated[PlacementParams, Depends(placement_params)]

MEASURE_COLUMNS = [
    export.Column("people", "Số người", "int"),
    export.Column("placements", "Số lượt", "int"),
]
UNITS = "người (Số người: người khác nhau; Số lượt: lượt giới thiệu thành công)"
AREA_NOTE = (
    "Đơn vị hành chính: theo đơn vị có hiệu lực vào ngày của từng lượt; "
    f"từ {REORGANISATION} không còn cấp huyện."
)


def _respond(params: PlacementParams, result: StatsResult, now: datetime) -> Response:
    total: dict[str, Any] = {
        "people": result.total_people,
        "placements": result.total_placements,
    }
    rows = result.rows

    def body() -> PlacementStats:
        return PlacementStats(
            from_=params.start,
            to=params.end,
            group_by=[d.value for d in params.group_by],
            area_level=params.area_level.value,
            area_basis=params.area_basis.value,
            generated_at=now,
            rows=[StatsRow(**row) for row in rows],
            total=StatsTotal(**total),
        )

    def table() -> export.Table:
        return export.Table(
            title="Kết quả giải quyết việc làm",
            period=f"{params.start:%d/%m/%Y} - {params.end:%d/%m/%Y}",
            generated_at=now,
            units=UNITS,
            columns=[*export.dimension_columns(params.group_by), *MEASURE_COLUMNS],
            rows=rows,
            totals=export.labelled_totals(params.group_by, total),
            notes=[AREA_NOTE],
        )

    stem = f"placements_{params.start:%Y%m%d}_{params.end:%Y%m%d}"
    return export.respond(params.format, body, table, stem)


async def _report(
    session: SessionDep, params: PlacementParams, employer_id: uuid.UUID | None
) -> StatsResult:
    return await service.placement_report(
        session,
        start=params.start,
        end=params.end,
        group_by=params.group_by,
        area_level=params.area_level,
        area_basis=params.area_basis,
        filters=params.filters,
        employer_id=employer_id,
    )


@router.get(
    "/stats/placements",
    response_model=PlacementStats,
    responses={**REPORT_ERRORS, **FILE_RESPONSES},
    summary="Placement totals (department, admin)",
)
async def placement_stats(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    params: PlacementParamsDep,
    employer_id: uuid.UUID | None = None,
) -> Response:
    """People placed into jobs in [from, to], grouped by any dimensions and filtered by any,
    with empty combinations as zero rows. `people` counts distinct people, `placements`
    records; voided records never count. As JSON, CSV (UTF-8 with BOM, for Excel) or an XLSX
    report with a totals row."""
    result = await _report(session, params, employer_id)
    return _respond(params, result, datetime.now(settings.tz))
