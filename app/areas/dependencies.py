"""Request parameters for area routes, validated before any query runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query

from app.dependencies import IsoDate, TodayDep

AREA_CODE_PATTERN = r"^[0-9]{2,10}$"

AreaCode = Annotated[
    str,
    Path(
        pattern=AREA_CODE_PATTERN,
        description="Official code, digits only, leading zeros kept.",
        examples=["29590"],
    ),
]

AtQuery = Annotated[
    IsoDate | None,
    Query(
        description="Date the units must be valid on (YYYY-MM-DD). Default: today in Vietnam.",
        examples=["2025-07-01"],
    ),
]


async def at_or_today(today: TodayDep, at: AtQuery = None) -> date:
    return at or today


AtDateDep = Annotated[date, Depends(at_or_today)]
