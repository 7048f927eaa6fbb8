"""Responses of the statistics endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

AreaCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{3,5}$",
        description="A district (before 2025-07-01) or commune code; omit for the province.",
        examples=["857"],
    ),
]


def _number(value: Decimal) -> int | float:
    # A JSON number, not a string: 15701 people, 78.51 percent.
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]


class AreaRead(BaseModel):
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None


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


class PublicPlacementStats(BaseModel):
    """One public table: a standard period that has ended, one grouping or none."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-H1",
                    "from": "2026-01-01",
                    "to": "2026-06-30",
                    "group_by": ["destination_country"],
                    "area_level": "commune",
                    "area_basis": "residence",
                    "generated_at": "2026-12-05T09:00:00+07:00",
                    "rows": [
                        {"destination_country": "JP", "people": None, "placements": None,
                         "suppressed": True},
                        {"destination_country": "KR", "people": 41, "placements": 41,
                         "suppressed": False},
                        {"destination_country": None, "people": None, "placements": None,
                         "suppressed": True},
                    ],
                    "total": {"people": 9930, "placements": 9951, "suppressed": False},
                }
            ]
        },
    )  # fmt: skip

    period: str = Field(description="The standard period: `2026`, `2026-H1`, `2026-Q2`, `2026-03`.")
    from_: date = Field(alias="from", description="Its first day.")
    to: date = Field(description="Its last day.")
    group_by: list[str] = Field(description="The grouping (one, or none: the total only).")
    area_level: str = Field(description="Always `commune`: the commune valid on each date.")
    area_basis: str = Field(description="Always `residence`.")
    generated_at: datetime
    rows: list[StatsRow]
    total: StatsTotal


class Backtest(BaseModel):
    """One complete year projected from one month's end, against what the year came to."""

    year: int
    month: int
    through: date = Field(description="The month's last day: the year to date ends here.")
    year_to_date: int
    projected: int
    projected_low: int
    projected_high: int | None = Field(
        description="Null when a past year had nobody yet by this day (no upper bound)."
    )
    actual: int = Field(description="The year's total (distinct people, 1 January to 31 December).")
    error_pct: Number = Field(description="|projected - actual| / actual x 100, 2 decimals.")
    years_used: list[int] = Field(description="The past years the projection rested on.")


class MonthAccuracy(BaseModel):
    month: int = Field(description="Projected from the end of this month (1-12).")
    years: int = Field(description="How many years were projected from it.")
    mape: Number | None = Field(description="Mean absolute percentage error, 2 decimals.")
    max_ape: Number | None = Field(description="The largest absolute percentage error.")
    in_range_pct: Number | None = Field(
        description="Percent of those years whose actual total fell within the range."
    )


class IndicatorAccuracy(BaseModel):
    indicator: str
    months: list[MonthAccuracy]
    backtests: list[Backtest]


class ProjectionAccuracy(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "generated_at": "2026-12-05T09:00:00+07:00",
                    "history_years": 5,
                    "min_history_years": 2,
                    "first_full_year": 2021,
                    "years_in_data": [2021, 2022, 2023, 2024, 2025],
                    "indicators": [
                        {
                            "indicator": "new_jobs",
                            "months": [
                                {
                                    "month": 6,
                                    "years": 3,
                                    "mape": 1.42,
                                    "max_ape": 2.1,
                                    "in_range_pct": 100,
                                }
                            ],
                            "backtests": [
                                {
                                    "year": 2024,
                                    "month": 6,
                                    "through": "2024-06-30",
                                    "year_to_date": 10120,
                                    "projected": 20390,
                                    "projected_low": 20011,
                                    "projected_high": 20702,
                                    "actual": 20250,
                                    "error_pct": 0.69,
                                    "years_used": [2021, 2022, 2023],
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    generated_at: datetime
    history_years: int = Field(description="At most this many past years behind a projection.")
    min_history_years: int = Field(description="Fewer past years than this: no projection.")
    first_full_year: int | None = Field(
        description="The first year the records cover from January (null: no records)."
    )
    years_in_data: list[int] = Field(
        description="The complete years of the records; each is a backtest target when it "
        "has enough past years before it."
    )
    indicators: list[IndicatorAccuracy]
