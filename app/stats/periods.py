"""Calendar periods: labels for grouping (2024-01, 2024-Q1, 2024-H1, 2024) and parsing the
period of an indicator value."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodUnit(StrEnum):
    month = "month"
    quarter = "quarter"
    half = "half"
    year = "year"


_MONTHS_PER = {PeriodUnit.month: 1, PeriodUnit.quarter: 3, PeriodUnit.half: 6, PeriodUnit.year: 12}


def _label_month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _label_quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _label_half(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def _label_year(day: date) -> str:
    return str(day.year)


LABEL: dict[PeriodUnit, Callable[[date], str]] = {
    PeriodUnit.month: _label_month,
    PeriodUnit.quarter: _label_quarter,
    PeriodUnit.half: _label_half,
    PeriodUnit.year: _label_year,
}


def _start(day: date, unit: PeriodUnit) -> date:
    months = _MONTHS_PER[unit]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def labels_between(start: date, end: date, unit: PeriodUnit) -> list[str]:
    """Every period touching [start, end], in order (the first and last may be partial)."""
    labels = []
    current = _start(start, unit)
    while current <= end:
        labels.append(LABEL[unit](current))
        current = _add_months(current, _MONTHS_PER[unit])
    return labels


_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<q>[1-4])|H(?P<h>[12])))?$")


def parse(period: str) -> tuple[date, date]:
    """First and last day of `2024`, `2024-H1`, `2024-Q3` or `2024-06`; ValueError otherwise."""
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError("a period is YYYY, YYYY-H1/H2, YYYY-Q1..Q4 or YYYY-MM")
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError("the month must be 01 to 12")
        start, months = date(year, month, 1), 1
    elif match["q"]:
        start, months = date(year, (int(match["q"]) - 1) * 3 + 1, 1), 3
    elif match["h"]:
        start, months = date(year, 1 if match["h"] == "1" else 7, 1), 6
    else:
        start, months = date(year, 1, 1), 12
    return start, _add_months(start, months) - timedelta(days=1)


def same_day_last_year(day: date) -> date:
    """The comparison date a year earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class StandardPeriod:
    """A month, quarter, half year or year: the only periods public statistics cover."""

    label: str
    unit: PeriodUnit
    year: int
    first_month: int  # 1-12
    months: int

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return _add_months(self.start, self.months) - timedelta(days=1)

    @property
    def last_month(self) -> int:
        return self.first_month + self.months - 1

    def month_range(self) -> range:
        return range(self.first_month, self.last_month + 1)


def standard(label: str) -> StandardPeriod:
    """`2026`, `2026-H1`, `2026-Q2` or `2026-03`; ValueError otherwise."""
    start, end = parse(label)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    unit = {1: PeriodUnit.month, 3: PeriodUnit.quarter, 6: PeriodUnit.half, 12: PeriodUnit.year}
    return StandardPeriod(label, unit[months], start.year, start.month, months)


def standard_periods(year: int) -> list[StandardPeriod]:
    """Every standard period of a year, in the order they end (a month before the quarter,
    half and year that end with it)."""
    found = []
    for month in range(1, 13):
        for unit in PeriodUnit:
            months = _MONTHS_PER[unit]
            if month % months == 0:
                first = date(year, month - months + 1, 1)
                found.append(StandardPeriod(LABEL[unit](first), unit, year, first.month, months))
    return found
