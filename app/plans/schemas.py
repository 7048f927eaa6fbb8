"""Request and response bodies for plans and indicator values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

IndicatorCode = Annotated[str, Field(pattern=r"^[a-z_]{1,48}$", examples=["new_jobs"])]
AreaCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{3,5}$",
        description="A district (before 2025-07-01) or commune code; omit for the province.",
        examples=["857"],
    ),
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Target = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=16, decimal_places=4)]


def _number(value: Decimal) -> int | float:
    # A JSON number, not a string: 15701 people, 78.51 percent.
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]


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


class AreaRead(BaseModel):
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None


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
