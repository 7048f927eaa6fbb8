"""Salary normalisation: every posted salary is also kept as VND per month.

Constants (Vietnamese practice for converting between pay periods; Labour Code 2019 art. 105
caps normal hours at 8 a day and 48 a week, and payroll commonly counts 26 working days a month):
- a month has 26 working days;
- a working day has 8 hours;
- a year has 12 months.
So hourly * 208, daily * 26, monthly * 1, yearly / 12 (rounded to whole VND).
"""

from __future__ import annotations

from fractions import Fraction

from app.models import SalaryPeriod

WORKING_DAYS_PER_MONTH = 26
WORKING_HOURS_PER_DAY = 8
MONTHS_PER_YEAR = 12

MONTHLY_FACTOR: dict[SalaryPeriod, Fraction] = {
    SalaryPeriod.hour: Fraction(WORKING_HOURS_PER_DAY * WORKING_DAYS_PER_MONTH),
    SalaryPeriod.day: Fraction(WORKING_DAYS_PER_MONTH),
    SalaryPeriod.month: Fraction(1),
    SalaryPeriod.year: Fraction(1, MONTHS_PER_YEAR),
}


def monthly_vnd(amount: int | None, period: SalaryPeriod) -> int | None:
    """`amount` VND per `period` as whole VND per month (half-up rounding)."""
    if amount is None:
        return None
    value = amount * MONTHLY_FACTOR[period]
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))
