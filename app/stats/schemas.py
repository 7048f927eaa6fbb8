"""Responses of the statistics endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.plans.schemas import AreaRead, Number


class StatsRow(BaseModel):
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
                    "sex": "female",
                    "people": 41,
                    "placements": 42,
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
    sex: str | None = None
    age_group: str | None = None
    trained: bool | None = None
    destination: str | None = None
    destination_country: str | None = None
    channel: str | None = None
    occupation_major: str | None = None
    industry_section: str | None = None
    people: int | None = Field(
        default=None, description="Distinct people placed (null when suppressed)."
    )
    placements: int | None = Field(default=None, description="Placement records.")
    suppressed: bool | None = Field(
        default=None, description="Public statistics only: hidden because small."
    )


class StatsTotal(BaseModel):
    people: int | None = Field(
        description="Distinct people over the whole response. Less than the sum of the rows "
        "when a person was placed in more than one row."
    )
    placements: int | None
    suppressed: bool | None = None


class PlacementStats(BaseModel):
    from_: date = Field(alias="from")
    to: date
    group_by: list[str]
    area_level: str
    area_basis: str
    generated_at: datetime
    rows: list[StatsRow]
    total: StatsTotal

    model_config = ConfigDict(populate_by_name=True)


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
