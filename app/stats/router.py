"""HTTP routes for statistics: placement totals (department, and public with small cells
suppressed), indicators against the plan."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.errors import Problem
from app.models import Channel, Destination, Sex
from app.plans.schemas import AreaCode, AreaRead
from app.stats import export, indicators, units
from app.stats.checks import check_area_codes, check_period, invalid, parse_dimensions
from app.stats.definitions import (
    REORGANISATION,
    AreaBasis,
    AreaLevel,
    Dimension,
)
from app.stats.placements import StatsQuery, StatsResult, TooManyCellsError, placement_totals
from app.stats.schemas import (
    IndicatorFigure,
    IndicatorReport,
    PlacementStats,
    StatsRow,
    StatsTotal,
)
from app.stats.suppression import suppress

router = APIRouter(tags=["statistics"])

Format = Literal["json", "csv", "xlsx"]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
OccupationMajor = Annotated[str, StringConstraints(pattern=r"^[0-9]$")]
IndustrySection = Annotated[str, StringConstraints(pattern=r"^[A-U]$")]
# The labels of definitions.AGE_GROUPS (a test keeps them in step).
AgeGroup = Literal["15-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key."},
    403: {"model": Problem, "description": "Not a department or admin key."},
    422: {"model": Problem, "description": "Invalid parameter; `errors` names it."},
}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            export.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@dataclass
class PlacementParams:
    """The parameters shared by the department's and the public placement statistics."""

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
    industry_section: Annotated[list[IndustrySection], Query()] = [],  # noqa: B006
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

_MEASURE_COLUMNS = [
    export.Column("people", "Số người", "int"),
    export.Column("placements", "Số lượt", "int"),
]
_SUPPRESSED_COLUMN = export.Column("suppressed", "Ẩn (ô nhỏ)", "bool")


def _respond(
    params: PlacementParams, result: StatsResult, now: datetime, *, public: bool
) -> Response:
    total: dict[str, Any] = {
        "people": result.total_people,
        "placements": result.total_placements,
    }
    rows = result.rows
    if public:
        suppress(rows, total)
    if params.format == "json":
        body = PlacementStats(
            from_=params.start,
            to=params.end,
            group_by=[d.value for d in params.group_by],
            area_level=params.area_level.value,
            area_basis=params.area_basis.value,
            generated_at=now,
            rows=[StatsRow(**row) for row in rows],
            total=StatsTotal(**total),
        )
        return Response(
            body.model_dump_json(by_alias=True, exclude_unset=True).encode(),
            media_type="application/json",
        )
    period = f"{params.start:%d/%m/%Y} - {params.end:%d/%m/%Y}"
    totals = {"people": total["people"], "placements": total["placements"]}
    table = export.Table(
        title="Kết quả giải quyết việc làm" + (" (công khai)" if public else ""),
        period=period,
        generated_at=now,
        units="người (Số người: người khác nhau; Số lượt: lượt giới thiệu thành công)",
        columns=[
            *export.dimension_columns(params.group_by),
            *_MEASURE_COLUMNS,
            *([_SUPPRESSED_COLUMN] if public else []),
        ],
        rows=rows,
        totals=export.labelled_totals(params.group_by, totals),
        notes=[
            "Đơn vị hành chính: theo đơn vị có hiệu lực vào ngày của từng lượt; "
            f"từ {REORGANISATION} không còn cấp huyện."
        ]
        + (["Ô dưới 5 người được ẩn."] if public else []),
    )
    stem = f"placements_{params.start:%Y%m%d}_{params.end:%Y%m%d}"
    return export.file_response(table, params.format, stem)


async def _totals(
    session: SessionDep, params: PlacementParams, employer_id: uuid.UUID | None
) -> StatsResult:
    await check_area_codes(
        session, params.filters.get(Dimension.area, ()), params.area_level, params.start, params.end
    )
    try:
        return await placement_totals(
            session,
            StatsQuery(
                start=params.start,
                end=params.end,
                group_by=params.group_by,
                area_level=params.area_level,
                area_basis=params.area_basis,
                filters=params.filters,
                employer_id=employer_id,
            ),
        )
    except TooManyCellsError as exc:
        raise invalid(
            "query.group_by", f"the report would have {exc}: group by fewer dimensions"
        ) from exc


@router.get(
    "/stats/placements",
    response_model=PlacementStats,
    responses={**ERRORS, **FILE_RESPONSES},
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
    result = await _totals(session, params, employer_id)
    return _respond(params, result, datetime.now(settings.tz), public=False)


@router.get(
    "/public/stats/placements",
    response_model=PlacementStats,
    responses={422: ERRORS[422], **FILE_RESPONSES},
    summary="Placement totals for everyone (small cells suppressed)",
)
async def public_placement_stats(
    session: SessionDep, settings: SettingsDep, params: PlacementParamsDep
) -> Response:
    """The same aggregates as the department's, without keys. A cell of fewer than 5 people is
    hidden (`suppressed: true`, counts null), and so is a second cell (or the total) wherever
    the total would reveal a single hidden cell."""
    result = await _totals(session, params, None)
    response = _respond(params, result, datetime.now(settings.tz), public=True)
    # Figures change with every write, and nothing here knows when: a shared cache must ask
    # again each time rather than show yesterday's count after a correction.
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get(
    "/stats/indicators",
    response_model=IndicatorReport,
    responses={**ERRORS, **FILE_RESPONSES},
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
    today = datetime.now(settings.tz).date()
    if through is None:
        through = min(date(year, 12, 31), today)
    if through.year != year:
        raise invalid("query.through", f"must be a day of {year}")
    unit = None
    if area is not None:
        unit = await units.unit_on(session, area, through)
        if unit is None:
            raise invalid("query.area", f"{area} is not a district or commune on {through}")
    summary = await indicators.summary(session, year, through, unit)
    report = IndicatorReport(
        year=year,
        period_from=summary.start,
        through=through,
        area=None
        if unit is None
        else AreaRead(
            code=unit.code, name=unit.name, valid_from=unit.valid_from, valid_to=unit.valid_to
        ),
        generated_at=datetime.now(settings.tz),
        indicators=[
            IndicatorFigure(
                indicator=f.indicator.code,
                name_vi=f.indicator.name_vi,
                name_en=f.indicator.name_en,
                unit=f.indicator.unit,
                source=f.indicator.source,
                actual=f.actual,
                plan=f.plan,
                pct_of_plan=f.pct_of_plan,
                same_period_last_year=f.same_period_last_year,
                change_pct=f.change_pct,
                value_period=f.value_period,
            )
            for f in summary.figures
        ],
    )
    if format == "json":
        return JSONResponse(report.model_dump(mode="json"))
    return _indicator_file(report, format)


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
]
_UNITS_VI = {"people": "người", "percent": "%"}


def _indicator_file(report: IndicatorReport, fmt: Literal["csv", "xlsx"]) -> Response:
    rows = [
        {**figure.model_dump(mode="json"), "unit": _UNITS_VI.get(figure.unit, figure.unit)}
        for figure in report.indicators
    ]
    place = f" - {report.area.name} ({report.area.code})" if report.area else ""
    table = export.Table(
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
        ],
    )
    return export.file_response(table, fmt, f"indicators_{report.year}_{report.through:%Y%m%d}")
