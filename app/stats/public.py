"""Public placement statistics: one standard period that has ended, one listed grouping (or
none), with the cells hidden that the audit of the whole year's tables hides
(app/stats/disclosure.py). A year's tables and their hidden cells are kept in each worker
under the year's version of the placements (app/stats/reached_cache.py), so they are counted
again after any write to the year's placements or to the areas."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.stats import periods, placements
from app.stats.checks import EARLIEST, LATEST, invalid
from app.stats.definitions import Dimension
from app.stats.disclosure import CellKey, YearCells, hidden_cells
from app.stats.periods import StandardPeriod
from app.stats.public_counts import GROUPINGS, YearTables, year_tables
from app.stats.reached_cache import Versions, year_versions


@dataclass(frozen=True)
class PublicYear:
    tables: YearTables
    hidden: frozenset[CellKey]


@dataclass
class PublicTable:
    period: StandardPeriod
    grouping: Dimension | None
    rows: list[dict[str, Any]]
    total: dict[str, Any]


def parse_period(label: str) -> StandardPeriod:
    """`2026`, `2026-H1`, `2026-Q2` or `2026-03`, in the years statistics cover; 422 otherwise."""
    try:
        period = periods.standard(label)
    except ValueError as exc:
        raise invalid("query.period", str(exc)) from exc
    if not EARLIEST.year <= period.year <= LATEST.year:
        raise invalid("query.period", f"statistics cover {EARLIEST.year} to {LATEST.year}")
    return period


def published_periods(year: int, today: date) -> list[StandardPeriod]:
    """The year's standard periods that ended before `today`, in the order they ended."""
    return [p for p in periods.standard_periods(year) if p.end < today]


_KEPT = 16
_kept: OrderedDict[tuple[int, int, Versions], PublicYear] = OrderedDict()


async def public_year(session: AsyncSession, year: int, today: date) -> PublicYear:
    """The year's published tables and hidden cells, kept while the year's version holds."""
    published = published_periods(year, today)
    # The version is read before the counts: a write in between makes the kept tables look
    # older than they are (counted again next time), never newer.
    key = (year, len(published), await year_versions(session, [year]))
    kept = _kept.get(key)
    if kept is not None:
        _kept.move_to_end(key)
        return kept
    tables = await year_tables(session, published)
    # The audit is CPU work (see docs/statistics.md for its time): off the event loop.
    hidden = await asyncio.to_thread(
        hidden_cells, YearCells(published, GROUPINGS, tables.cells, tables.base)
    )
    found = PublicYear(tables, frozenset(hidden))
    _kept[key] = found
    while len(_kept) > _KEPT:
        _kept.popitem(last=False)
    return found


def _figures(found: PublicYear, key: CellKey) -> dict[str, Any]:
    if key in found.hidden:
        return {"people": None, "placements": None, "suppressed": True}
    count = found.tables.cells[key]
    return {"people": count.people, "placements": count.placements, "suppressed": False}


async def public_table(
    session: AsyncSession, period: StandardPeriod, grouping: Dimension | None, today: date
) -> PublicTable:
    """The table of one period and grouping; a period still running is a 422."""
    if period.end >= today:
        raise invalid(
            "query.period",
            f"{period.label} has not ended: public statistics cover periods that have ended "
            f"(this one from {period.end + timedelta(days=1)})",
        )
    found = await public_year(session, period.year, today)
    rows: list[dict[str, Any]] = []
    if grouping is not None:
        values: list[Hashable] = found.tables.rows[(period.label, grouping.value)]
        grid = placements.grid((grouping,), [list(values)], found.tables.areas)
        for (value,), row in grid:
            row.update(_figures(found, CellKey(period.label, grouping.value, value)))
            rows.append(row)
    total = _figures(found, CellKey(period.label, None, None))
    return PublicTable(period, grouping, rows, total)
