"""The indicator summary of a report: year-to-date actual, the plan, percent of plan, the same
period a year earlier and the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Destination, Placement
from app.plans import repository as plan_repo
from app.stats import units
from app.stats.definitions import INDICATORS, Indicator
from app.stats.periods import same_day_last_year
from app.stats.placements import AreaInfo

HUNDREDTH = Decimal("0.01")


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole x 100 to 2 decimals, halves rounded up (as reports are: 78.505 -> 78.51)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    actual: Decimal | None
    plan: Decimal | None
    pct_of_plan: Decimal | None
    same_period_last_year: Decimal | None
    change_pct: Decimal | None
    value_period: str | None  # manual indicators: the period whose value is shown


@dataclass(frozen=True)
class Summary:
    year: int
    start: date
    through: date
    area: AreaInfo | None
    figures: list[Figure]


def _period(
    start: date, through: date, unit: AreaInfo | None, *, abroad: bool
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [Placement.placed_on.between(start, through)]
    if abroad:
        conditions.append(Placement.destination == Destination.abroad.value)
    if unit is not None:
        conditions.append(units.communes_of(unit.id, Placement.residence_area_id))
    return and_(*conditions)


async def _people(
    session: AsyncSession,
    year: int,
    through: date,
    unit: AreaInfo | None,
    last_unit: AreaInfo | None,
    *,
    compare: bool,
) -> dict[str, tuple[int, int | None]]:
    """Distinct people placed, this year and the same period last year, in one scan."""
    start, last_start, last_through = (
        date(year, 1, 1),
        date(year - 1, 1, 1),
        same_day_last_year(through),
    )
    people = Placement.person_hash.distinct()
    columns = [
        func.count(people).filter(_period(start, through, unit, abroad=False)),
        func.count(people).filter(_period(start, through, unit, abroad=True)),
        func.count(people).filter(_period(last_start, last_through, last_unit, abroad=False)),
        func.count(people).filter(_period(last_start, last_through, last_unit, abroad=True)),
    ]
    row = (
        await session.execute(
            select(*columns).where(
                Placement.voided_at.is_(None),
                Placement.placed_on.between(last_start, through),
            )
        )
    ).one()
    return {
        "new_jobs": (row[0], row[2] if compare else None),
        "sent_abroad": (row[1], row[3] if compare else None),
    }


async def summary(
    session: AsyncSession, year: int, through: date, area: AreaInfo | None
) -> Summary:
    start = date(year, 1, 1)
    last_start, last_through = date(year - 1, 1, 1), same_day_last_year(through)
    # The unit a year earlier: the same code then (a commune created in 2025 has no 2024).
    last_unit = None
    if area is not None:
        last_unit = await units.unit_on(session, area.code, last_through)
    compare = area is None or last_unit is not None
    counted = await _people(session, year, through, area, last_unit, compare=compare)
    figures = []
    for indicator in INDICATORS.values():
        plan = await plan_repo.target(session, year, indicator.code, area.id if area else None)
        value_period = None
        if indicator.source == "placements":
            actual_count, last_count = counted[indicator.code]
            actual: Decimal | None = Decimal(actual_count)
            last = None if last_count is None else Decimal(last_count)
        else:
            now_value = await plan_repo.value_for(
                session, indicator.code, start, through, area.id if area else None
            )
            last_value = None
            if compare:
                last_value = await plan_repo.value_for(
                    session,
                    indicator.code,
                    last_start,
                    last_through,
                    last_unit.id if last_unit else None,
                )
            actual = now_value.value if now_value else None
            value_period = now_value.period if now_value else None
            last = last_value.value if last_value else None
        figures.append(
            Figure(
                indicator=indicator,
                actual=actual,
                plan=plan,
                pct_of_plan=percent(actual, plan) if actual is not None and plan else None,
                same_period_last_year=last,
                change_pct=(percent(actual - last, last) if actual is not None and last else None),
                value_period=value_period,
            )
        )
    return Summary(year, start, through, area, figures)
