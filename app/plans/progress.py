"""Progress against the plan: the indicator report's year-to-date actual, the plan, percent of
plan, the same period a year earlier and the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Destination, Placement
from app.plans import repository as plan_repo
from app.plans.schemas import IndicatorFigure, IndicatorReport
from app.stats import forecast, units
from app.stats.checks import invalid
from app.stats.definitions import INDICATORS, Indicator
from app.stats.numbers import percent
from app.stats.periods import same_day_last_year
from app.stats.placements import AreaInfo
from app.stats.projection import NoProjection, Projection
from app.stats.schemas import AreaRead


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    actual: Decimal | None
    plan: Decimal | None
    pct_of_plan: Decimal | None
    same_period_last_year: Decimal | None
    change_pct: Decimal | None
    value_period: str | None  # manual indicators: the period whose value is shown
    projection: Projection | None = None  # counted indicators only


_NOT_COUNTED = Projection(None, None, None, (), NoProjection.not_counted)


@dataclass(frozen=True)
class Summary:
    year: int
    start: date
    through: date
    area: AreaInfo | None
    figures: list[Figure]
    projection_from: date | None = None


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


async def summary_of(
    session: AsyncSession, year: int, through: date, area: AreaInfo | None, today: date
) -> Summary:
    start = date(year, 1, 1)
    last_start, last_through = date(year - 1, 1, 1), same_day_last_year(through)
    # The unit a year earlier: the same code then (a commune created in 2025 has no 2024).
    last_unit = None
    if area is not None:
        last_unit = await units.unit_on(session, area.code, last_through)
    compare = area is None or last_unit is not None
    counted = await _people(session, year, through, area, last_unit, compare=compare)
    ahead = await forecast.year_end(
        session, year, through, today, area, {code: now for code, (now, _) in counted.items()}
    )
    figures = []
    for indicator in INDICATORS.values():
        plan = await plan_repo.target(session, year, indicator.code, area.id if area else None)
        value_period = None
        projection = ahead.projections.get(indicator.code)
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
                projection=projection,
            )
        )
    return Summary(year, start, through, area, figures, ahead.anchor)


async def report(
    session: AsyncSession, year: int, through: date | None, area: str | None, now: datetime
) -> IndicatorReport:
    """The indicator report of `year` up to `through` (default 31 December or today), for the
    province or for the district or commune `area` valid on `through`."""
    today = now.date()
    if through is None:
        through = min(date(year, 12, 31), today)
    if through.year != year:
        raise invalid("query.through", f"must be a day of {year}")
    unit = None
    if area is not None:
        unit = await units.unit_on(session, area, through)
        if unit is None:
            raise invalid("query.area", f"{area} is not a district or commune on {through}")
    summary = await summary_of(session, year, through, unit, today)
    return IndicatorReport(
        year=year,
        period_from=summary.start,
        through=through,
        area=None
        if unit is None
        else AreaRead(
            code=unit.code, name=unit.name, valid_from=unit.valid_from, valid_to=unit.valid_to
        ),
        generated_at=now,
        indicators=[
            IndicatorFigure(
                indicator=f.indicator.code,
                name_vi=f.indicator.name_vi,
                name_en=f.indicator.name_en,
                unit=f.indicator.unit,
                source=f.indicator.source,
                actual=f.actual,
                plan=f.plan,
                pct_of_plan=f.pct_of_plan,
                same_period_last_year=f.same_period_last_year,
                change_pct=f.change_pct,
                value_period=f.value_period,
                **_projected(f, summary.projection_from),
            )
            for f in summary.figures
        ],
    )


def _projected(figure: Figure, anchor: date | None) -> dict[str, Any]:
    """The projection's fields of the indicator report."""
    projection = figure.projection or _NOT_COUNTED
    projected = projection.projected
    return {
        "projected": projected,
        "projected_low": projection.low,
        "projected_high": projection.high,
        "projected_pct_of_plan": percent(projected, figure.plan)
        if projected is not None and figure.plan
        else None,
        "projection_years": list(projection.years),
        "projection_from": anchor if figure.projection else None,
        "projection_reason": projection.reason.value if projection.reason else None,
    }
