"""Response of the places-that-need-attention report (app/stats/attention_router.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.stats.schemas import Number


class AttentionFlag(BaseModel):
    reason: Literal["behind_plan", "fewer_than_last_year", "few_via_job_map"]
    detail: str = Field(description="Why, in Vietnamese, with the figures.")


class AttentionUnit(BaseModel):
    rank: int = Field(description="1 is the unit that needs attention most.")
    code: str
    name: str
    people: int = Field(description="Distinct people placed from 1 January to `through`.")
    plan: Number | None = Field(description="The unit's own plan for the year (new jobs).")
    pct_of_plan: Number | None
    pace: Number | None = Field(
        description="Share of the plan reached over the share of the year gone by (1: on pace)."
    )
    same_period_last_year: int | None = Field(
        description="The unit with the same code a year earlier; null when there was none."
    )
    change_pct: Number | None
    via_job_map: int = Field(description="Of `people`, those placed through the job map.")
    job_map_share_pct: Number | None
    flags: list[AttentionFlag]


class AttentionReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2024,
                    "through": "2024-06-30",
                    "level": "district",
                    "generated_at": "2024-07-01T08:00:00+07:00",
                    "year_elapsed_pct": 49.73,
                    "province_people": 15701,
                    "province_job_map_share_pct": 31.2,
                    "units": [
                        {
                            "rank": 1,
                            "code": "859",
                            "name": "Huyện Vũng Liêm",
                            "people": 1120,
                            "plan": 3000,
                            "pct_of_plan": 37.33,
                            "pace": 0.751,
                            "same_period_last_year": 1290,
                            "change_pct": -13.18,
                            "via_job_map": 98,
                            "job_map_share_pct": 8.75,
                            "flags": [
                                {
                                    "reason": "behind_plan",
                                    "detail": "Đạt 37.33% kế hoạch năm khi đã qua 49.73% "
                                    "thời gian của năm",
                                },
                                {
                                    "reason": "few_via_job_map",
                                    "detail": "Qua sàn việc làm 8.75% số người, dưới một nửa "
                                    "mức của tỉnh (31.2%)",
                                },
                            ],
                        }
                    ],
                }
            ]
        }
    )

    year: int
    through: date
    level: Literal["district", "commune"] = Field(
        description="Districts before the 2025 reorganisation, communes after."
    )
    generated_at: datetime
    year_elapsed_pct: Number
    province_people: int
    province_job_map_share_pct: Number | None
    units: list[AttentionUnit]
