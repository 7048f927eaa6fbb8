"""Demand against supply: per occupation group, commune or industry, the positions employers
posted, those still open at the end, the people placed, and how the two compare; and per
occupation group, the positions expected next quarter with how far that method was off before.

Demand is where the jobs are (a site's commune, as the vacancy statistics count it); supply is
where the people placed live (their commune of residence), as the placement statistics count
it. A ratio above 1 means more positions were posted than people were placed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.functions import coalesce

from app.classifications.versions import industry_version_on, reporting_version
from app.models import Area, Industry, Occupation, Placement
from app.stats import vacancy_counts
from app.stats.definitions import Dimension
from app.stats.industries import COMBINED, INDUSTRY, combined_name, industry_join, section_key
from app.stats.projection import HISTORY_YEARS, MIN_HISTORY_YEARS
from app.stats.vacancy_counts import VacancyQuery


class GroupBy(StrEnum):
    occupation_group = "occupation_group"
    commune = "commune"
    industry = "industry"


_DIMENSION = {
    GroupBy.occupation_group: Dimension.occupation_major,
    GroupBy.commune: Dimension.area,
    GroupBy.industry: Dimension.industry_section,
}


@dataclass
class DemandRow:
    code: str | None
    name: str | None
    positions_posted: int
    open_positions: int
    placements: int
    demand_supply_ratio: Decimal | None  # positions posted per person placed


@dataclass
class Outlook:
    """Positions expected in the next quarter for one occupation group."""

    code: str
    expected_positions: int | None
    years: list[int]  # the past years it rests on
    backtest_mape: Decimal | None  # mean absolute percentage error, each past year left out
    reason: str | None  # why there is no figure: not_enough_history


@dataclass
class Demand:
    rows: list[DemandRow]
    total: DemandRow
    next_quarter: tuple[date, date]
    outlook: list[Outlook]


def ratio(posted: int, placed: int) -> Decimal | None:
    if not placed:
        return None
    return (Decimal(posted) / Decimal(placed)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def demand(
    session: AsyncSession, start: date, end: date, group_by: GroupBy, timezone: str
) -> Demand:
    dimension = _DIMENSION[group_by]
    query = VacancyQuery(start=start, end=end, timezone=timezone, group_by=(dimension,))
    posted, posted_total = await vacancy_counts.posted(session, query)
    still_open, open_total = await vacancy_counts.still_open(session, query)
    placed, placed_total = await _placements(session, start, end, group_by)
    keys = set(posted) | set(still_open) | set(placed)
    names = await _names(session, group_by, [key[0] for key in keys], end)
    rows = [
        _row(
            names.get(key[0], (None, None)),
            posted.get(key, {}).get("positions_posted", 0),
            still_open.get(key, {}).get("open_positions", 0),
            placed.get(key, 0),
        )
        for key in keys
    ]
    # Where demand outruns supply most first; groups without placements after, by posted.
    rows.sort(key=lambda r: (r.demand_supply_ratio is None, -(r.demand_supply_ratio or 0),
                             -r.positions_posted, r.code or ""))  # fmt: skip
    total = _row(
        (None, None),
        posted_total.get("positions_posted", 0),
        open_total.get("open_positions", 0),
        placed_total,
    )
    quarter = next_quarter(end)
    outlook = await _outlook(session, end, quarter, timezone)
    return Demand(rows=rows, total=total, next_quarter=quarter, outlook=outlook)


def _row(named: tuple[str | None, str | None], posted: int, open_: int, placed: int) -> DemandRow:
    code, name = named
    return DemandRow(code, name, posted, open_, placed, ratio(posted, placed))


async def _placements(
    session: AsyncSession, start: date, end: date, group_by: GroupBy
) -> tuple[dict[tuple[Any, ...], int], int]:
    """Distinct people placed (not voided) per group, and over all groups."""
    key: Any
    if group_by is GroupBy.occupation_group:
        key = func.left(Placement.occupation_code, 1)
    elif group_by is GroupBy.commune:
        key = Placement.residence_area_id
    else:
        key = section_key(reporting_version(start, end))
    people = func.count(Placement.person_hash.distinct())
    statement = (
        select(key.label("key"), people.label("people"), func.grouping(key).label("is_total"))
        .select_from(Placement)
        .where(Placement.voided_at.is_(None), Placement.placed_on.between(start, end))
        .group_by(func.grouping_sets(tuple_(key), tuple_()))
    )
    if group_by is GroupBy.industry:
        statement = statement.outerjoin(INDUSTRY, industry_join(Placement))
    counts: dict[tuple[Any, ...], int] = {}
    total = 0
    for row in await session.execute(statement):
        if row.is_total:
            total = int(row.people)
        else:
            counts[(row.key,)] = int(row.people)
    return counts, total


async def _names(
    session: AsyncSession, group_by: GroupBy, keys: list[Any], end: date
) -> dict[Any, tuple[str | None, str | None]]:
    """Each key's code and name: occupation major groups and industry sections by code (a
    section's name in the VSIC version in force on `end`, else in the other; a combined key
    of a period spanning a change named after its sections), the communes (keyed by area id)
    by their code and name."""
    known = [key for key in keys if key is not None]
    if group_by is GroupBy.commune:
        areas = await session.execute(
            select(Area.id, Area.code, Area.name).where(Area.id.in_(known))
        )
        return {area_id: (code, name) for area_id, code, name in areas}
    if group_by is GroupBy.industry:
        current = industry_version_on(end)
        sections = {part for key in known for part in str(key).split(COMBINED)}
        rows = await session.execute(
            select(Industry.code, coalesce(Industry.name_vi, Industry.name_en))
            .where(Industry.code.in_(sections), Industry.level == 1)
            .order_by((Industry.version == current).desc())
        )
    else:
        rows = await session.execute(
            select(Occupation.code, coalesce(Occupation.name_vi, Occupation.name_en)).where(
                Occupation.code.in_(known)
            )
        )
    found: dict[Any, tuple[str | None, str | None]] = {}
    for code, name in rows:
        found.setdefault(code, (code, name))  # the first: the version in force on `end`
    for key in known:
        if group_by is GroupBy.industry and COMBINED in str(key):
            names = {code: name for code, (_, name) in found.items()}
            found[key] = (key, combined_name(key, names, industry_version_on(end)))
    return {key: found.get(key, (key, None)) for key in known}


def next_quarter(day: date) -> tuple[date, date]:
    """The calendar quarter after the one `day` is in (first and last day)."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    end_month_first = date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return start, end_month_first - timedelta(days=1)


def _shifted(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_POSTINGS = text(
    """
    SELECT left(v.occupation_code, 1) AS code, w.back,
           sum(s.positions) FILTER (WHERE d.day BETWEEN w.ytd_start AND w.ytd_end) AS to_date,
           sum(s.positions) FILTER (WHERE d.day BETWEEN w.next_start AND w.next_end) AS next
      FROM vacancy AS v
      JOIN vacancy_site AS s ON s.vacancy_id = v.id
     CROSS JOIN LATERAL (SELECT CAST(timezone(:tz, v.published_at) AS date) AS day) AS d
      JOIN jsonb_to_recordset(CAST(CAST(:windows AS text) AS jsonb))
           AS w(back int, ytd_start date, ytd_end date, next_start date, next_end date)
        ON d.day BETWEEN w.ytd_start AND w.next_end
     WHERE v.published_at IS NOT NULL AND v.occupation_code IS NOT NULL
     GROUP BY 1, 2
    """
)


async def _outlook(
    session: AsyncSession, end: date, quarter: tuple[date, date], timezone: str
) -> list[Outlook]:
    """Per occupation group: positions posted this year to `end` times the mean, over past
    years, of (positions posted in the same next quarter ÷ positions posted to the same day),
    the seasonal method of the year-end projection. A past year counts when it had postings
    by that day and its next quarter is over. The backtest leaves each past year out in turn
    and projects it from the others."""
    # As the year-end projection: the last HISTORY_YEARS years; one without postings adds no
    # row, so no scan for the first posting is needed.
    windows = [
        {
            "back": back,
            "ytd_start": date(end.year - back, 1, 1).isoformat(),
            "ytd_end": _shifted(end, back).isoformat(),
            "next_start": _shifted(quarter[0], back).isoformat(),
            "next_end": _shifted(quarter[1], back).isoformat(),
        }
        for back in range(HISTORY_YEARS + 1)
    ]
    rows = await session.execute(_POSTINGS, {"tz": timezone, "windows": json.dumps(windows)})
    history: dict[str, dict[int, tuple[int, int]]] = {}
    for row in rows:
        history.setdefault(row.code, {})[row.back] = (int(row.to_date or 0), int(row.next or 0))
    outlook = []
    for code in sorted(history):
        seen = history[code]
        now = seen.get(0, (0, 0))[0]
        # Past years whose next quarter is over (by `end`, the quarter after it is not).
        shares = {
            end.year - back: next_ / to_date
            for back, (to_date, next_) in seen.items()
            if back > 0 and to_date > 0
        }
        if len(shares) < MIN_HISTORY_YEARS:
            outlook.append(Outlook(code, None, sorted(shares), None, "not_enough_history"))
            continue
        mean = sum(shares.values()) / len(shares)
        errors = []
        for year, share in shares.items():
            others = [s for y, s in shares.items() if y != year]
            actual = share  # the year's own next quarter over its own to-date
            projected = sum(others) / len(others)
            if actual > 0:
                errors.append(abs(projected - actual) / actual)
        mape = (
            (Decimal(sum(errors) / len(errors)) * 100).quantize(Decimal("0.01")) if errors else None
        )
        outlook.append(Outlook(code, round(now * mean), sorted(shares), mape, None))
    return outlook
