"""Request and response bodies for programmes and their progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from app.dependencies import IsoDate
from app.plans.schemas import IndicatorCode, Note, Target
from app.stats.schemas import AreaCode, Number
from app.text import Name

# The department's own key for a programme: lower-case letters, digits and dashes.
PROGRAMME_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ProgrammeCode = Annotated[
    str,
    Field(pattern=PROGRAMME_CODE_PATTERN, max_length=64, examples=["vung-liem-2024-2026"]),
]
# Bounded so that progress reads a bounded span of placements.
MAX_PERIOD_YEARS = 20

_NAME = "Đề án giải quyết việc làm, giảm nghèo tại huyện Vũng Liêm giai đoạn 2024-2026"
_NOTE = "Quyết định phê duyệt đề án"
_PUT_EXAMPLE: dict[str, JsonValue] = {
    "name": _NAME,
    "period_from": "2024-01-01",
    "period_to": "2026-12-31",
    "areas": ["859"],
    "targets": [
        {"indicator": "new_jobs", "target": 6000},
        {"indicator": "new_jobs", "year": 2024, "target": 1800},
        {"indicator": "new_jobs", "year": 2025, "target": 2000},
        {"indicator": "new_jobs", "year": 2026, "target": 2200},
        {"indicator": "sent_abroad", "target": 450},
    ],
    "note": _NOTE,
}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeTargetIn(_Input):
    indicator: IndicatorCode = Field(description="A counted indicator: `new_jobs`, `sent_abroad`.")
    target: Target = Field(examples=[6000])
    year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        description="A year of the period; omit for a target over the whole period.",
        examples=[2025],
    )


class ProgrammePut(_Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PUT_EXAMPLE]})

    name: Name
    period_from: IsoDate = Field(description="The first day of the period.")
    period_to: IsoDate = Field(description="The last day of the period (included).")
    areas: list[AreaCode] = Field(
        default_factory=list,
        max_length=200,
        description="Districts (before 2025-07-01) or communes; none: the whole province. A "
        "code names the unit valid on `period_from`, else the first one valid in the period.",
    )
    targets: list[ProgrammeTargetIn] = Field(min_length=1, max_length=500)
    note: Note | None = None


class SuccessorRead(BaseModel):
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None
    share: Number = Field(description="Share of the commune's area inside the unit, 0.5 to 1.")


class ProgrammeAreaRead(BaseModel):
    code: str
    name: str
    level: str
    valid_from: date | None
    valid_to: date | None
    followed_by: list[SuccessorRead] = Field(
        description="The communes that followed the unit when it ended (lying mostly inside "
        "it): counted for the rest of the period."
    )


class ProgrammeTargetRead(BaseModel):
    indicator: str
    year: int | None
    target: Number


class ProgrammeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "vung-liem-2024-2026",
                    "name": _NAME,
                    "period_from": "2024-01-01",
                    "period_to": "2026-12-31",
                    "note": _NOTE,
                    "updated_at": "2026-12-06T09:00:00+07:00",
                    "areas": [
                        {
                            "code": "859",
                            "name": "Vũng Liêm",
                            "level": "district",
                            "valid_from": None,
                            "valid_to": "2025-07-01",
                            "followed_by": [
                                {
                                    "code": "29659",
                                    "name": "Trung Thành",
                                    "valid_from": "2025-07-01",
                                    "valid_to": None,
                                    "share": 0.9981,
                                }
                            ],
                        }
                    ],
                    "targets": [
                        {"indicator": "new_jobs", "year": None, "target": 6000},
                        {"indicator": "new_jobs", "year": 2024, "target": 1800},
                    ],
                }
            ]
        }
    )

    code: str
    name: str
    period_from: date
    period_to: date
    note: str | None
    updated_at: datetime
    areas: list[ProgrammeAreaRead] = Field(description="Empty: the whole province.")
    targets: list[ProgrammeTargetRead]


class ProgrammePage(BaseModel):
    items: list[ProgrammeRead]
    next_cursor: str | None = Field(description="The next page's cursor; null on the last page.")


class YearActual(BaseModel):
    year: int
    period_from: date = Field(description="The year's first day in the programme's period.")
    period_to: date = Field(description="The year's last day in the programme's period.")
    actual: int = Field(description="Distinct people placed in the year's part, to `through`.")
    complete: bool = Field(description="The year's part of the period is over by `through`.")


class TargetProgress(BaseModel):
    indicator: str
    name_vi: str
    name_en: str
    unit: str
    year: int | None = Field(description="The target's year; null: the whole period.")
    period_from: date = Field(description="The first day the target covers.")
    period_to: date = Field(description="The last day the target covers.")
    target: Number
    actual: int = Field(
        description="People placed so far: each year's distinct people, summed over the years."
    )
    pct_of_target: Number | None = Field(description="actual / target x 100, 2 decimals.")
    elapsed_pct: Number = Field(
        description="Share of the target's days gone by the end of `through`, x 100, 2 "
        "decimals: 0 before it begins, 100 once it is over. Set against `pct_of_target`."
    )
    by_year: list[YearActual] = Field(description="The years the target covers.")
    projected: int | None = Field(
        description="By `projected_through`: the years already over plus this year's year-end "
        "projection (docs/statistics.md, 'Year-end projection')."
    )
    projected_low: int | None
    projected_high: int | None = Field(description="Null: no upper bound, or no projection.")
    projected_pct_of_target: Number | None
    projected_through: date | None = Field(
        description="The day the projection reaches: the end of `through`'s year within the "
        "target's period."
    )
    projection_years: list[int] = Field(description="The past years the projection rests on.")
    projection_reason: str | None = Field(
        description="Why there is no projection: `not_enough_history`, `none_by_this_date` "
        "(as the indicator report), or `not_started` (the target's period begins after "
        "`through`)."
    )


class ProgrammeProgress(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "vung-liem-2024-2026",
                    "name": _NAME,
                    "period_from": "2024-01-01",
                    "period_to": "2026-12-31",
                    "through": "2026-06-30",
                    "generated_at": "2026-07-02T08:00:00+07:00",
                    "projection_from": "2026-06-30",
                    "areas": [],
                    "targets": [
                        {
                            "indicator": "new_jobs",
                            "name_vi": "Giải quyết việc làm mới",
                            "name_en": "New jobs created",
                            "unit": "people",
                            "year": None,
                            "period_from": "2024-01-01",
                            "period_to": "2026-12-31",
                            "target": 6000,
                            "actual": 4870,
                            "pct_of_target": 81.17,
                            "elapsed_pct": 83.21,
                            "by_year": [
                                {
                                    "year": 2026,
                                    "period_from": "2026-01-01",
                                    "period_to": "2026-12-31",
                                    "actual": 1010,
                                    "complete": False,
                                }
                            ],
                            "projected": 5930,
                            "projected_low": 5880,
                            "projected_high": 5990,
                            "projected_pct_of_target": 98.83,
                            "projected_through": "2026-12-31",
                            "projection_years": [2021, 2022, 2023, 2024, 2025],
                            "projection_reason": None,
                        }
                    ],
                }
            ]
        }
    )

    code: str
    name: str
    period_from: date
    period_to: date
    through: date = Field(description="Counted up to this day (at most `period_to`).")
    generated_at: datetime
    projection_from: date | None = Field(
        description="The day whose past shares were used: `through`, or today when ahead."
    )
    areas: list[ProgrammeAreaRead] = Field(description="Empty: the whole province.")
    targets: list[TargetProgress]
