"""People reached by given days: for each day, the distinct people placed from 1 January of its
year to it, for the counted indicators (new_jobs, sent_abroad). What the year-end projection
and its backtest compare years with."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.functions import coalesce

from app.models import Destination, Placement
from app.stats import units


@dataclass(frozen=True)
class Reached:
    new_jobs: int
    sent_abroad: int

    def of(self, indicator: str) -> int:
        return self.new_jobs if indicator == "new_jobs" else self.sent_abroad


async def first_record(session: AsyncSession) -> date | None:
    """The day the active placement records begin (the partial index's first entry)."""
    first: date | None = await session.scalar(
        select(func.min(Placement.placed_on)).where(Placement.voided_at.is_(None))
    )
    return first


def _window_start(year: ColumnElement[Any], since: tuple[int, int]) -> ColumnElement[date]:
    """(month, day) of `year`: 29 February is 1 March in a common year (the day after 28)."""
    month, day = since
    start: ColumnElement[date] = func.make_date(year, month, 1, type_=Date) + (day - 1)
    return start


async def people_reached(
    session: AsyncSession,
    days: Sequence[date],
    unit_id: int | None = None,
    *,
    area_ids: Collection[int] | None = None,
    since: tuple[int, int] = (1, 1),
) -> dict[date, Reached]:
    """Distinct people placed from 1 January of each day's year to the day (both included),
    living in the unit when one is given, or in one of the communes `area_ids`; one statement
    over the years the days span. `since` (month, day) starts each year's count on that day
    instead (a programme whose period starts in the year)."""
    if not days:
        return {}
    # The expression of ix_placement_active_year_person: its order is the grouping's.
    # 'year' is written into the statement: a bound parameter would not match the index's
    # expression in a generic plan.
    year = func.date_part(literal_column("'year'"), Placement.placed_on)
    conditions: list[ColumnElement[bool]] = [
        Placement.voided_at.is_(None),
        year.between(min(days).year, max(days).year),
        Placement.placed_on <= max(days),
    ]
    if unit_id is not None:
        conditions.append(units.communes_of(unit_id, Placement.residence_area_id))
    if area_ids is not None:
        conditions.append(Placement.residence_area_id.in_(sorted(area_ids)))
    if since != (1, 1):
        conditions.append(Placement.placed_on >= _window_start(cast(year, Integer), since))
    # Each person's first placement of each year (and first abroad): a person counts from the
    # day they were first placed that year, once, as the year-to-date figures count them.
    abroad = Placement.destination == Destination.abroad.value
    firsts = (
        select(
            func.min(Placement.placed_on).label("first_on"),
            func.min(Placement.placed_on).filter(abroad).label("first_abroad_on"),
        )
        .where(*conditions)
        .group_by(year, Placement.person_hash)
        .subquery("firsts")
    )
    # People counted on the day they first appear (a few hundred rows a year), in one pass
    # over `firsts` (GROUPING SETS: by first day, and by first day abroad).
    by_day = (
        select(
            firsts.c.first_on,
            firsts.c.first_abroad_on,
            func.count().label("people"),
            func.grouping(firsts.c.first_on).label("abroad"),  # 1: the abroad set's row
        )
        .group_by(func.grouping_sets(tuple_(firsts.c.first_on), tuple_(firsts.c.first_abroad_on)))
        .subquery("by_day")
    )
    in_set = by_day.c.abroad == 1
    daily = (
        select(
            coalesce(by_day.c.first_on, by_day.c.first_abroad_on).label("day"),
            case((in_set, 0), else_=by_day.c.people).label("new_jobs"),
            case((in_set, by_day.c.people), else_=0).label("sent_abroad"),
        )
        # The abroad set's row of people never abroad has no day.
        .where(or_(by_day.c.first_on.is_not(None), by_day.c.first_abroad_on.is_not(None)))
        .subquery("daily")
    )
    wanted = (
        func.unnest(cast(literal(sorted(set(days)), ARRAY(Date)), ARRAY(Date)))
        .table_valued("day")
        .render_derived(name="wanted")
    )
    year_start = _window_start(cast(func.extract("year", wanted.c.day), Integer), since)
    rows = await session.execute(
        select(
            wanted.c.day,
            coalesce(func.sum(daily.c.new_jobs), 0),
            coalesce(func.sum(daily.c.sent_abroad), 0),
        )
        .select_from(wanted.outerjoin(daily, daily.c.day.between(year_start, wanted.c.day)))
        .group_by(wanted.c.day)
    )
    return {day: Reached(int(jobs), int(abroad_count)) for day, jobs, abroad_count in rows}
