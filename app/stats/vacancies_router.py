"""HTTP route for labour demand statistics: vacancies and positions posted, filled and open
(department, admin)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.stats import export, service
from app.stats.definitions import REORGANISATION, AreaLevel
from app.stats.export import FILE_RESPONSES, REPORT_ERRORS, Format
from app.stats.schemas import AreaCode
from app.stats.vacancies import MEASURES
from app.stats.vacancy_counts import VacancyQuery

router = APIRouter(tags=["statistics"])

_MEASURE_DESCRIPTIONS = {
    "vacancies_posted": "Vacancies published in the period (local date of `published_at`).",
    "positions_posted": "Positions of the vacancies published in the period (their sites').",
    "vacancies_filled": "Vacancies closed as `filled` in the period (local date of closing).",
    "positions_filled": "Active placements for vacancies, by `placed_on` in the period.",
    "open_vacancies": "Vacancies open at the end of the row's period (of `to` without a "
    "time dimension): published, not closed, not expired.",
    "open_positions": "Positions (sites') of the vacancies open at that instant.",
}


class VacancyStatsRow(BaseModel):
    """One combination of the requested dimensions (only those appear) and its counts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-01",
                    "area_code": "28756",
                    "area_name": "Phú Khương",
                    "area_valid_from": "2025-07-01",
                    "area_valid_to": None,
                    "vacancies_posted": 14,
                    "positions_posted": 52,
                    "vacancies_filled": 3,
                    "positions_filled": 11,
                    "open_vacancies": 27,
                    "open_positions": 96,
                }
            ]
        }
    )

    month: str | None = None
    quarter: str | None = None
    half: str | None = None
    year: str | None = None
    area_code: str | None = None
    area_name: str | None = None
    area_valid_from: date | None = None
    area_valid_to: date | None = None
    occupation_major: str | None = None
    industry_section: str | None = None
    vacancies_posted: int = Field(description=_MEASURE_DESCRIPTIONS["vacancies_posted"])
    positions_posted: int = Field(description=_MEASURE_DESCRIPTIONS["positions_posted"])
    vacancies_filled: int = Field(description=_MEASURE_DESCRIPTIONS["vacancies_filled"])
    positions_filled: int = Field(description=_MEASURE_DESCRIPTIONS["positions_filled"])
    open_vacancies: int = Field(description=_MEASURE_DESCRIPTIONS["open_vacancies"])
    open_positions: int = Field(description=_MEASURE_DESCRIPTIONS["open_positions"])


class VacancyStatsTotal(BaseModel):
    """Over everything selected: a vacancy with sites in two communes counts once here.
    The open measures are those at the end of the whole period (`to`)."""

    vacancies_posted: int
    positions_posted: int
    vacancies_filled: int
    positions_filled: int
    open_vacancies: int
    open_positions: int


class VacancyStats(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-01-01",
                    "to": "2026-03-31",
                    "group_by": ["month"],
                    "area_level": "commune",
                    "generated_at": "2026-04-01T08:00:00+07:00",
                    "rows": [
                        {
                            "month": "2026-01",
                            "vacancies_posted": 120,
                            "positions_posted": 410,
                            "vacancies_filled": 18,
                            "positions_filled": 95,
                            "open_vacancies": 230,
                            "open_positions": 801,
                        }
                    ],
                    "total": {
                        "vacancies_posted": 350,
                        "positions_posted": 1204,
                        "vacancies_filled": 61,
                        "positions_filled": 290,
                        "open_vacancies": 251,
                        "open_positions": 866,
                    },
                }
            ]
        },
    )

    from_: date = Field(alias="from")
    to: date
    group_by: list[str]
    area_level: str
    generated_at: datetime
    rows: list[VacancyStatsRow]
    total: VacancyStatsTotal


_MEASURE_LABELS = {
    "vacancies_posted": "Số tin tuyển dụng đăng mới",
    "positions_posted": "Số vị trí đăng mới",
    "vacancies_filled": "Số tin đã tuyển đủ",
    "positions_filled": "Số vị trí đã tuyển",
    "open_vacancies": "Số tin còn mở cuối kỳ",
    "open_positions": "Số vị trí còn mở cuối kỳ",
}


_NOTES = [
    "Ngày tính theo giờ Việt Nam (Asia/Ho_Chi_Minh). Chỉ tính tin đã đăng (không tính bản "
    "nháp), kể cả tin của doanh nghiệp chưa được xác minh.",
    "Đơn vị hành chính: xã/phường nơi làm việc của từng địa điểm, theo đơn vị có hiệu lực khi "
    "đăng tin; tin có nhiều địa điểm được tính ở mỗi đơn vị và một lần ở dòng tổng cộng.",
    "Số vị trí đã tuyển: số lượt giới thiệu thành công (chưa hủy) gắn với tin, theo ngày bắt "
    "đầu làm việc. Còn mở cuối kỳ: tại thời điểm kết thúc ngày cuối của kỳ (không quá ngày "
    "kết thúc báo cáo).",
    f"Từ {REORGANISATION} không còn cấp huyện.",
]


@router.get(
    "/stats/vacancies",
    response_model=VacancyStats,
    responses={**REPORT_ERRORS, **FILE_RESPONSES},
    summary="Labour demand: vacancies and positions (department, admin)",
)
async def vacancy_stats(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    from_: Annotated[
        IsoDate, Query(alias="from", description="First day (inclusive).", examples=["2026-01-01"])
    ],
    to: Annotated[IsoDate, Query(description="Last day (inclusive).", examples=["2026-06-30"])],
    group_by: Annotated[
        list[str],
        Query(
            description="Dimensions, repeated or comma-separated: month, quarter, half, year, "
            "area, occupation_major, industry_section (at most one time dimension).",
            examples=["month,area"],
        ),
    ] = [],  # noqa: B006  (FastAPI copies defaults per request)
    area_level: Annotated[
        AreaLevel,
        Query(
            description="`commune`: the commune of each work site, as valid when the vacancy "
            "was posted; `district`: its district (periods before 2025-07-01 only)."
        ),
    ] = AreaLevel.commune,
    area: Annotated[
        list[AreaCode], Query(description="Only sites in these units (codes of `area_level`).")
    ] = [],  # noqa: B006
    occupation_major: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[0-9]$")]],
        Query(description="Only these ISCO-08 major groups (one digit)."),
    ] = [],  # noqa: B006
    industry_section: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[A-V](\+[A-V]){0,5}$")]],
        Query(
            description="Only these VSIC sections (a letter: A-U in VSIC 2018, A-V in VSIC 2025; "
            "each vacancy's section in its own version, or for a period spanning 2025-11-15 in "
            "VSIC 2025, older codes through the correspondence; a code split between sections "
            "is the combined key, e.g. G+T)."
        ),
    ] = [],  # noqa: B006
    format: Annotated[Format, Query(description="Response format.")] = "json",
) -> Response:
    """Labour demand in [from, to], days in Asia/Ho_Chi_Minh, with empty combinations as zero
    rows. Per row: `vacancies_posted` and `positions_posted` (published in the period),
    `vacancies_filled` (closed as filled in the period), `positions_filled` (active placements
    for vacancies, by placement date), `open_vacancies` and `open_positions` (open at the end
    of the row's period, or of `to`). Drafts never count; published vacancies of unverified
    employers do. The area is each work site's commune (or its district): a vacancy with
    sites in two communes counts in both rows and once in `total`. As JSON, CSV (UTF-8 with
    BOM, for Excel) or an XLSX report with a totals row."""
    result = await service.vacancy_report(
        session,
        start=from_,
        end=to,
        group_by=group_by,
        area_level=area_level,
        area=area,
        occupation_major=occupation_major,
        industry_section=industry_section,
        timezone=settings.timezone,
    )
    now = datetime.now(settings.tz)
    return _respond(result.query, result.rows, result.total, now, format)


def _respond(
    query: VacancyQuery,
    rows: list[dict[str, Any]],
    total: dict[str, int],
    now: datetime,
    format: Format,
) -> Response:
    def body() -> VacancyStats:
        return VacancyStats(
            from_=query.start,
            to=query.end,
            group_by=[d.value for d in query.group_by],
            area_level=query.area_level.value,
            generated_at=now,
            rows=[VacancyStatsRow(**row) for row in rows],
            total=VacancyStatsTotal(**total),
        )

    def table() -> export.Table:
        return export.Table(
            title="Nhu cầu tuyển dụng lao động",
            period=f"{query.start:%d/%m/%Y} - {query.end:%d/%m/%Y}",
            generated_at=now,
            units="tin tuyển dụng; vị trí (người cần tuyển)",
            columns=[
                *export.dimension_columns(query.group_by),
                *(export.Column(m, _MEASURE_LABELS[m], "int") for m in MEASURES),
            ],
            rows=rows,
            totals=export.labelled_totals(query.group_by, total),
            notes=_NOTES,
        )

    stem = f"vacancies_{query.start:%Y%m%d}_{query.end:%Y%m%d}"
    return export.respond(format, body, table, stem)
