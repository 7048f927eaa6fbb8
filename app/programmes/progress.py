"""Progress against a programme's targets: people placed in its units and period (following an
old district's territory after 2025-07-01 through area_succession), percent of each target,
and the year-end projection of app/stats/projection.py for the year `through` falls in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import queries as area_queries
from app.models import Area, ProgrammeTarget
from app.programmes import repository, service
from app.programmes.repository import YearCount
from app.programmes.schemas import ProgrammeProgress, TargetProgress, YearActual
from app.stats import reached
from app.stats.checks import invalid
from app.stats.definitions import INDICATORS
from app.stats.numbers import percent
from app.stats.projection import (
    PastYear,
    Projection,
    candidate_years,
    first_full_year,
    project,
    same_day_in,
)
from app.stats.reached_cache import cache

NOT_STARTED = "not_started"  # a target whose period begins after `through`


@dataclass(frozen=True)
class Window:
    """A calendar year's part of the programme's period."""

    year: int
    start: date
    end: date


def windows(start: date, end: date) -> list[Window]:
    return [
        Window(year, max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
        for year in range(start.year, end.year + 1)
    ]


def elapsed_pct(start: date, end: date, through: date) -> Decimal:
    """The share of the days from `start` to `end` (both included) gone by the end of
    `through`, x 100: 0 before `start`, 100 from `end`."""
    gone = min(max((through - start).days + 1, 0), (end - start).days + 1)
    return percent(gone, (end - start).days + 1) or Decimal(0)


def _covered(
    units: Sequence[Area], followers: dict[int, list[tuple[Area, float]]]
) -> Callable[[int], bool]:
    """Whether the units (with their followers) existed for the whole of a year: the years a
    past share may come from."""

    def span(unit: Area) -> tuple[date, date]:
        first = unit.valid_from or date.min
        last = unit.valid_to or date.max
        after = [area.valid_to or date.max for area, _ in followers.get(unit.id, [])]
        return first, max([last, *after])

    spans = [span(unit) for unit in units]

    def whole(year: int) -> bool:
        return all(
            first <= date(year, 1, 1) and date(year + 1, 1, 1) <= last for first, last in spans
        )

    return whole


@dataclass(frozen=True)
class Story:
    """What a request found: the period's years, their people, this year's projections."""

    windows: list[Window]
    counted: dict[int, YearCount]
    through: date
    projections: dict[str, Projection]


async def _projections(
    session: AsyncSession,
    current: Window,
    through: date,
    today: date,
    communes: set[int] | None,
    whole: Callable[[int], bool],
    year_to_date: YearCount,
) -> tuple[date, dict[str, Projection]]:
    """The current year's part projected to its end: past years' people from the same start
    day to the same day as `through`, against the same span to the part's end."""
    anchor = min(through, today) if today >= current.start else through
    first = first_full_year(await reached.first_record(session))
    years = [y for y in candidate_years(current.year, first, today) if whole(y)]
    days = [same_day_in(y, anchor) for y in years] + [same_day_in(y, current.end) for y in years]
    counts = await cache().people_reached(
        session,
        days,
        area_ids=communes,
        since=(current.start.month, current.start.day),
    )
    return anchor, {
        code: project(
            year_to_date.of(code),
            [
                PastYear(
                    y,
                    counts[same_day_in(y, anchor)].of(code),
                    counts[same_day_in(y, current.end)].of(code),
                )
                for y in years
            ],
        )
        for code in service.COUNTED
    }


def _target_progress(target: ProgrammeTarget, story: Story) -> TargetProgress:
    indicator = INDICATORS[target.indicator]
    covered = [w for w in story.windows if target.year is None or w.year == target.year]
    actuals = [story.counted.get(w.year, YearCount(0, 0)).of(indicator.code) for w in covered]
    actual = sum(actuals)
    by_year = [
        YearActual(
            year=w.year,
            period_from=w.start,
            period_to=w.end,
            actual=count,
            complete=w.end <= story.through,
        )
        for w, count in zip(covered, actuals, strict=True)
    ]
    projected = _projected(covered, actuals, story, indicator.code)
    return TargetProgress(
        indicator=indicator.code,
        name_vi=indicator.name_vi,
        name_en=indicator.name_en,
        unit=indicator.unit,
        year=target.year,
        period_from=covered[0].start,
        period_to=covered[-1].end,
        target=target.target,
        actual=actual,
        pct_of_target=percent(actual, target.target),
        elapsed_pct=elapsed_pct(covered[0].start, covered[-1].end, story.through),
        by_year=by_year,
        projected_pct_of_target=percent(projected["projected"], target.target)
        if projected["projected"] is not None
        else None,
        **projected,
    )


def _projected(
    covered: list[Window], actuals: list[int], story: Story, code: str
) -> dict[str, Any]:
    """The years over, plus the current year's projection when the target covers it."""
    done = sum(a for w, a in zip(covered, actuals, strict=True) if w.end <= story.through)
    started = [w for w in covered if w.start <= story.through]
    if not started:
        return _fields(None, None, None, None, (), NOT_STARTED)
    last = started[-1]
    if last.end <= story.through:  # the years begun are over: their actual is the projection
        return _fields(done, done, done, last.end, (), None)
    result = story.projections[code]
    if result.projected is None or result.low is None:
        reason = result.reason.value if result.reason else None
        return _fields(None, None, None, None, result.years, reason)
    high = None if result.high is None else done + result.high
    return _fields(done + result.projected, done + result.low, high, last.end, result.years, None)


def _fields(
    projected: int | None,
    low: int | None,
    high: int | None,
    until: date | None,
    years: Sequence[int],
    reason: str | None,
) -> dict[str, Any]:
    return {
        "projected": projected,
        "projected_low": low,
        "projected_high": high,
        "projected_through": until,
        "projection_years": list(years),
        "projection_reason": reason,
    }


async def progress(
    session: AsyncSession, code: str, through: date | None, now: datetime
) -> ProgrammeProgress:
    """Each target of programme `code`: people placed in its units from the period's start to
    `through` (default today, at most the period's end), percent of target, and projection."""
    programme = await service.programme_or_404(session, code)
    today = now.date()
    asked = through or min(today, programme.period_to)
    if asked < programme.period_from:
        raise invalid(
            "query.through", f"must be on or after the programme's start, {programme.period_from}"
        )
    through = min(asked, programme.period_to)
    unit_ids = [a.area_id for a in programme.areas]
    communes = await repository.member_communes(session, unit_ids) if unit_ids else None
    counted = await repository.people_by_year(session, programme.period_from, through, communes)
    spans = windows(programme.period_from, programme.period_to)
    current = next((w for w in spans if w.start <= through < w.end), None)
    anchor: date | None = None
    projections: dict[str, Projection] = {}
    if current is not None:
        units = await repository.areas(session, unit_ids)
        followers = await area_queries.successors(session, unit_ids)
        anchor, projections = await _projections(
            session,
            current,
            through,
            today,
            communes,
            _covered(units, followers),
            counted.get(current.year, YearCount(0, 0)),
        )
    story = Story(spans, counted, through, projections)
    return ProgrammeProgress(
        code=programme.code,
        name=programme.name,
        period_from=programme.period_from,
        period_to=programme.period_to,
        through=through,
        generated_at=now,
        projection_from=anchor,
        areas=await service.areas_read(session, unit_ids),
        targets=[
            _target_progress(target, story)
            for target in sorted(programme.targets, key=lambda t: (t.indicator, t.year or 0))
        ],
    )
