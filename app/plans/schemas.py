"""Request and response bodies for plans and indicator values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.stats.schemas import AreaCode, AreaRead, Number

IndicatorCode = Annotated[str, Field(pattern=r"^[a-z_]{1,48}$", examples=["new_jobs"])]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Target = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=16, decimal_places=4)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanTargetIn(_Input):
    indicator: IndicatorCode
    target: Target = Field(examples=[20000])
    area_code: AreaCode | None = None


class PlanPut(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "note": "Kế hoạch theo Quyết định số 123/QĐ-UBND",
                    "targets": [
                        {"indicator": "new_jobs", "target": 20000},
                        {"indicator": "sent_abroad", "target": 1700},
                        {"indicator": "trained_labour_ratio", "target": 68.53},
                        {"indicator": "new_jobs", "target": 1500, "area_code": "28756"},
                    ],
                }
            ]
        },
    )

    targets: list[PlanTargetIn] = Field(max_length=2000)
    note: Note | None = None


class PlanTargetRead(BaseModel):
    indicator: str
    target: Number
    area: AreaRead | None


class PlanRevisionSummary(BaseModel):
    revision: int
    created_at: datetime
    note: str | None


class PlanRead(BaseModel):
    year: int
    revision: int = Field(description="Revisions count from 1; the latest is in force.")
    created_at: datetime
    note: str | None
    targets: list[PlanTargetRead]
    revisions: list[PlanRevisionSummary] = Field(description="Every revision, oldest first.")


class IndicatorValuePut(_Input):
    value: Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=16, decimal_places=4)] = Field(
        examples=[68.67]
    )
    note: Note | None = Field(default=None, examples=["Điều tra lao động việc làm 6 tháng"])


class IndicatorValueRead(BaseModel):
    indicator: str
    period: str
    period_start: date
    period_end: date
    area: AreaRead | None
    value: Number
    note: str | None
    updated_at: datetime


class IndicatorRead(BaseModel):
    code: str
    name_vi: str
    name_en: str
    unit: str
    source: str = Field(description="`placements` (counted here) or `manual` (entered values).")
    definition: str


class IndicatorFigure(BaseModel):
    indicator: str
    name_vi: str
    name_en: str
    unit: str
    source: str
    actual: Number | None = Field(description="Year to date (manual: latest value entered).")
    plan: Number | None = Field(description="The full-year target in force.")
    pct_of_plan: Number | None = Field(description="actual / plan x 100, 2 decimals.")
    same_period_last_year: Number | None
    change_pct: Number | None = Field(
        description="(actual - same period last year) / same period last year x 100."
    )
    value_period: str | None = Field(description="Manual indicators: the period of the value.")
    projected: Number | None = Field(
        default=None,
        description="Counted indicators: the year's projected total, actual / the mean share "
        "of their year that past years had reached by the same day (docs/statistics.md).",
    )
    projected_low: Number | None = Field(
        default=None, description="actual / the largest past share (the range's low end)."
    )
    projected_high: Number | None = Field(
        default=None,
        description="actual / the smallest past share; null when a past year had nobody yet "
        "by this day (no upper bound).",
    )
    projected_pct_of_plan: Number | None = Field(
        default=None, description="projected / plan x 100, 2 decimals."
    )
    projection_years: list[int] = Field(
        default_factory=list, description="The past years the projection rests on."
    )
    projection_from: date | None = Field(
        default=None,
        description="The day whose share was used: `through`, or today when `through` is ahead.",
    )
    projection_reason: str | None = Field(
        default=None,
        description="Why there is no projection: `not_enough_history` (fewer than 2 past "
        "years), `none_by_this_date` (past years had nobody yet by this day), `not_counted` "
        "(a manual indicator).",
    )


class IndicatorReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2024,
                    "period_from": "2024-01-01",
                    "through": "2024-06-30",
                    "area": None,
                    "generated_at": "2024-07-02T01:00:00Z",
                    "indicators": [
                        {
                            "indicator": "new_jobs",
                            "name_vi": "Giải quyết việc làm mới",
                            "name_en": "New jobs created",
                            "unit": "people",
                            "source": "placements",
                            "actual": 15701,
                            "plan": 20000,
                            "pct_of_plan": 78.51,
                            "same_period_last_year": 15020,
                            "change_pct": 4.53,
                            "value_period": None,
                            "projected": 31120,
                            "projected_low": 30412,
                            "projected_high": 31890,
                            "projected_pct_of_plan": 155.6,
                            "projection_years": [2019, 2020, 2021, 2022, 2023],
                            "projection_from": "2024-06-30",
                            "projection_reason": None,
                        }
                    ],
                }
            ]
        }
    )

    year: int
    period_from: date
    through: date
    area: AreaRead | None
    generated_at: datetime
    indicators: list[IndicatorFigure]
