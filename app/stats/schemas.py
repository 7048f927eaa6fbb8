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
