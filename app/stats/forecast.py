"""The year-end projection's story: which past years it may rest on, their people by the same
day and in the whole year (one statement), and the projection of each counted indicator; and
its backtest, every complete year projected from each month's end."""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from app.stats import reached
from app.stats.placements import AreaInfo
from app.stats.projection import (
    HISTORY_YEARS,
    MIN_HISTORY_YEARS,
    PastYear,
    Projection,
    absolute_percentage_error,
    candidate_years,
    first_full_year,
    mean,
    project,
    same_day_in,
)
from app.stats.reached_cache import cache
from app.stats.schemas import Backtest, IndicatorAccuracy, MonthAccuracy, ProjectionAccuracy

COUNTED = ("new_jobs", "sent_abroad")


@dataclass(frozen=True)
class YearEnd:
    """Projections of the counted indicators from `anchor`, the day whose share was used."""

    anchor: date
    projections: dict[str, Projection]


def _whole_years(unit: AreaInfo | None, years: Sequence[int]) -> list[int]:
    """The years the unit existed from 1 January (a commune of 2025 has no whole 2025)."""
    if unit is None or unit.valid_from is None:
        return list(years)
    return [year for year in years if unit.valid_from <= date(year, 1, 1)]


async def year_end(
    session: AsyncSession,
    year: int,
    through: date,
    today: date,
    unit: AreaInfo | None,
    year_to_date: dict[str, int],
) -> YearEnd:
    """Project each counted indicator's `year_to_date` (people 1 January to `through`) to the
    end of `year`. Days after today have no placements yet, so the share is taken at today's
    date when `through` lies ahead."""
    anchor = min(through, today) if today >= date(year, 1, 1) else through
    first = first_full_year(await reached.first_record(session))
    years = _whole_years(unit, candidate_years(year, first, today))
    days = [same_day_in(past, anchor) for past in years] + [date(past, 12, 31) for past in years]
    counts = await cache().people_reached(session, days, unit.id if unit else None)
    projections = {
        indicator: project(
            year_to_date[indicator],
            [
                PastYear(
                    past,
                    counts[same_day_in(past, anchor)].of(indicator),
                    counts[date(past, 12, 31)].of(indicator),
                )
                for past in years
            ],
        )
        for indicator in COUNTED
    }
    return YearEnd(anchor, projections)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _hundredths(value: Fraction) -> Decimal:
    return Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100


def _backtests(
    indicator: str, targets: list[int], first: int, today: date, counts: dict[date, reached.Reached]
) -> list[Backtest]:
    rows = []
    for year in targets:
        actual = counts[date(year, 12, 31)].of(indicator)
        if actual == 0:
            continue  # a year nobody was recorded in: no total to measure an error against
        for month in range(1, 13):
            cut = _month_end(year, month)
            history = [
                PastYear(
                    past,
                    counts[same_day_in(past, cut)].of(indicator),
                    counts[date(past, 12, 31)].of(indicator),
                )
                for past in candidate_years(year, first, today)
            ]
            result = project(counts[cut].of(indicator), history)
            if result.projected is None:
                continue
            error = absolute_percentage_error(result.projected, actual)
            rows.append(
                Backtest(
                    year=year,
                    month=month,
                    through=cut,
                    year_to_date=counts[cut].of(indicator),
                    projected=result.projected,
                    projected_low=result.low,
                    projected_high=result.high,
                    actual=actual,
                    error_pct=_hundredths(error),
                    years_used=list(result.years),
                )
            )
    return rows


def _by_month(rows: list[Backtest]) -> list[MonthAccuracy]:
    months = []
    for month in range(1, 13):
        tested = [row for row in rows if row.month == month]
        errors = [Fraction(row.error_pct) for row in tested]
        inside = [
            row
            for row in tested
            if (row.projected_low or 0) <= row.actual
            and (row.projected_high is None or row.actual <= row.projected_high)
        ]
        months.append(
            MonthAccuracy(
                month=month,
                years=len(tested),
                mape=_hundredths(mean(errors)) if errors else None,
                max_ape=_hundredths(max(errors)) if errors else None,
                in_range_pct=_hundredths(Fraction(len(inside) * 100, len(tested)))
                if tested
                else None,
            )
        )
    return months


async def accuracy(session: AsyncSession, now: datetime) -> ProjectionAccuracy:
    """Every complete year of the records projected from each month's end, by the method and
    the past years the projection would have had then, against the year's actual total."""
    today = now.date()
    first = first_full_year(await reached.first_record(session))
    years = [] if first is None else list(range(first, today.year))
    days = [_month_end(year, month) for year in years for month in range(1, 13)]
    # A common year's 28 February meets a leap year's 28 February, not its month end.
    days += [date(year, 2, 28) for year in years if calendar.isleap(year)]
    counts = await cache().people_reached(session, days)
    indicators = []
    for indicator in COUNTED:
        rows = [] if first is None else _backtests(indicator, years, first, today, counts)
        indicators.append(
            IndicatorAccuracy(indicator=indicator, months=_by_month(rows), backtests=rows)
        )
    return ProjectionAccuracy(
        generated_at=now,
        history_years=HISTORY_YEARS,
        min_history_years=MIN_HISTORY_YEARS,
        first_full_year=first,
        years_in_data=years,
        indicators=indicators,
    )
