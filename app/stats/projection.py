"""Year-end projection of a counted indicator: the year to date divided by the share of their
year that past years had reached by the same calendar day, with a range from the smallest and
largest of those shares (docs/statistics.md, "Year-end projection")."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

# Past years a projection looks at: recent enough to share this year's seasons (programmes,
# the 2025 merger), and a bounded scan of the placement index.
HISTORY_YEARS = 5
# Fewer past years than this is no pattern, only an anecdote.
MIN_HISTORY_YEARS = 2


class NoProjection(StrEnum):
    """Why a figure has no projection."""

    not_enough_history = "not_enough_history"  # fewer than MIN_HISTORY_YEARS usable years
    none_by_this_date = "none_by_this_date"  # past years had nobody yet by this day
    not_counted = "not_counted"  # a manual indicator: entered values, nothing to project


@dataclass(frozen=True)
class PastYear:
    """A past year's people by the same day and in the whole year."""

    year: int
    reached: int
    total: int


@dataclass(frozen=True)
class Projection:
    projected: int | None
    low: int | None
    high: int | None  # None with a projection: some past year had nobody yet by this day
    years: tuple[int, ...]  # the past years it rests on
    reason: NoProjection | None


def same_day_in(year: int, day: date) -> date:
    """`day`'s month and day in `year`; 29 February is 28 February in a common year (as
    `same_period_last_year` compares)."""
    if (day.month, day.day) == (2, 29) and not _is_leap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def candidate_years(year: int, first_full_year: int | None, today: date) -> list[int]:
    """The past years that may serve: at most HISTORY_YEARS before `year`, complete (before
    today's year) and fully recorded (from the first year the records cover)."""
    if first_full_year is None:
        return []
    start = max(year - HISTORY_YEARS, first_full_year)
    return list(range(start, min(year, today.year)))


def first_full_year(first_record: date | None) -> int | None:
    """The first year the records cover whole: the year they begin when they begin in January,
    else the next (a year recorded from July would look like half a year's people)."""
    if first_record is None:
        return None
    return first_record.year if first_record.month == 1 else first_record.year + 1


def _round(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))  # halves up, as the reports round


def project(year_to_date: int, history: Iterable[PastYear]) -> Projection:
    """Year to date / mean share of past years by the same day; low and high from the largest
    and smallest share. Years with nobody in them are no evidence of a share and are left out
    (a missing year)."""
    usable = sorted((past for past in history if past.total > 0), key=lambda past: past.year)
    years = tuple(past.year for past in usable)
    if len(usable) < MIN_HISTORY_YEARS:
        return Projection(None, None, None, years, NoProjection.not_enough_history)
    shares = [Fraction(past.reached, past.total) for past in usable]
    mean = sum(shares, Fraction(0)) / len(shares)
    if mean == 0:
        return Projection(None, None, None, years, NoProjection.none_by_this_date)
    smallest, largest = min(shares), max(shares)
    return Projection(
        projected=_round(year_to_date / mean),
        low=_round(year_to_date / largest),
        high=None if smallest == 0 else _round(year_to_date / smallest),
        years=years,
        reason=None,
    )


def absolute_percentage_error(projected: int, actual: int) -> Fraction:
    """|projected - actual| / actual x 100 (a year with people in it: actual > 0)."""
    return Fraction(abs(projected - actual) * 100, actual)


def mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)
