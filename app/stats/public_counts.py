"""A year's public tables counted in one statement: people and placements for every standard
period that has ended and every public grouping (GROUPING SETS), with each table's rows (zero
rows included) as the department's report lists them."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, cast, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Destination, Placement
from app.stats import placements
from app.stats.definitions import PUBLIC_GROUPINGS, AreaLevel, Dimension
from app.stats.disclosure import CellKey, Count, Grouping
from app.stats.periods import StandardPeriod
from app.stats.placements import AreaInfo, StatsQuery


def _destination_of(country: Hashable) -> Hashable:
    # A placement is abroad exactly when it has a country (a check constraint of `placement`).
    return Destination.domestic.value if country is None else Destination.abroad.value


# The unknowns each grouping sums: destination is domestic/abroad of the country.
GROUPINGS = [
    Grouping(d.value, d.value)
    if d is not Dimension.destination
    else Grouping(d.value, Dimension.destination_country.value, _destination_of)
    for d in PUBLIC_GROUPINGS
]


@dataclass
class YearTables:
    periods: list[StandardPeriod]
    cells: dict[CellKey, Count]  # every row of every table, zeros included, and totals
    rows: dict[tuple[str, str], list[Hashable]]  # (period, grouping) -> its rows' values
    base: dict[tuple[str, int, Hashable], int]  # (grouping, month, value) -> placements
    areas: dict[int, AreaInfo]


_PERIOD_COLUMNS = ("month", "quarter", "half")


def _statement(query: StatsQuery) -> Any:
    month = cast(func.extract("month", Placement.placed_on), Integer)
    # Industries by each record's own section letter, as these tables were first published:
    # published tables never change (a table re-keyed by the VSIC 2018 -> 2025 correspondence
    # could be differenced against its first release). docs/statistics.md says what the
    # letters of 2025's tables mean.
    keys = [placements.group_key(d, AreaLevel.commune).label(d.value) for d in PUBLIC_GROUPINGS]
    inner = placements.joined(
        query,
        select(
            month.label("month"),
            ((month - 1) // 3 + 1).label("quarter"),
            ((month - 1) // 6 + 1).label("half"),
            *keys,
            Placement.person_hash,
        ).select_from(Placement),
    )
    placed = inner.where(*placements.placement_filters(query)).subquery("placed")
    periods = [placed.c[name] for name in _PERIOD_COLUMNS]
    dims = [placed.c[d.value] for d in PUBLIC_GROUPINGS]
    sets = []
    for period in [*periods, None]:
        head = [] if period is None else [period]
        sets += [tuple_(*head, dim) for dim in dims] + [tuple_(*head)]
    columns = [*periods, *dims]
    return (
        select(
            *columns,
            func.grouping(*columns).label("unused"),
            func.count(placed.c.person_hash.distinct()).label("people"),
            func.count().label("placements"),
        )
        .select_from(placed)
        .group_by(func.grouping_sets(*sets))
    )


def _mask(present: set[str]) -> int:
    """GROUPING() of the columns: a bit per column left out, the first the highest."""
    names = [*_PERIOD_COLUMNS, *(d.value for d in PUBLIC_GROUPINGS)]
    return sum(1 << (len(names) - 1 - i) for i, name in enumerate(names) if name not in present)


def _overlaps(info: AreaInfo, period: StandardPeriod) -> bool:
    return (info.valid_from is None or info.valid_from <= period.end) and (
        info.valid_to is None or info.valid_to > period.start
    )


async def year_tables(session: AsyncSession, periods: list[StandardPeriod]) -> YearTables:
    """The tables of `periods` (standard periods of one year, in the order they end)."""
    year = periods[0].year
    end = max(p.end for p in periods)
    query = StatsQuery(
        start=date(year, 1, 1), end=end, group_by=PUBLIC_GROUPINGS, area_level=AreaLevel.commune
    )
    # (unit, number in the year) -> label: ("quarter", 2) -> "2026-Q2"
    label_of = {(p.unit.value, (p.first_month - 1) // p.months + 1): p.label for p in periods}
    year_label = label_of.get(("year", 1))
    masks = {
        _mask(set(head) | ({d.value} if d else set())): (head[0] if head else None, d)
        for head in [("month",), ("quarter",), ("half",), ()]
        for d in [*PUBLIC_GROUPINGS, None]
    }
    cells: dict[CellKey, Count] = {}
    base: dict[tuple[str, int, Hashable], int] = {}
    seen: dict[tuple[str, str], set[Hashable]] = {}
    for row in await session.execute(_statement(query)):
        unit, dim = masks[row.unused]
        label = year_label if unit is None else label_of.get((unit, row._mapping[unit]))
        if label is None:
            continue  # a quarter or half that has not ended yet
        value = placements.value_label(dim, row._mapping[dim.value]) if dim else None
        cells[CellKey(label, dim.value if dim else None, value)] = Count(row.people, row.placements)
        if dim is not None:
            seen.setdefault((label, dim.value), set()).add(value)
            if unit == "month" and dim is not Dimension.destination:
                base[(dim.value, row.month, value)] = row.placements
    area_ids: set[int] = {
        v for (_, d), values in seen.items() if d == "area" for v in values if isinstance(v, int)
    }
    area_domain, areas = await placements.areas_in_period(session, query, area_ids)
    domains = {
        d: await placements.dimension_domain(session, d, query)
        for d in PUBLIC_GROUPINGS
        if d is not Dimension.area
    }
    rows: dict[tuple[str, str], list[Hashable]] = {}
    for period in periods:
        cells.setdefault(CellKey(period.label, None, None), Count(0, 0))
        for d in PUBLIC_GROUPINGS:
            if d is Dimension.area:
                domain = [a for a in area_domain if _overlaps(areas[a], period)]
            else:
                domain = domains[d]
            extra = seen.get((period.label, d.value), set()) - set(domain)
            values = domain + sorted(extra, key=placements.nulls_last_key)
            rows[(period.label, d.value)] = values
            for value in values:
                cells.setdefault(CellKey(period.label, d.value, value), Count(0, 0))
    return YearTables(periods, cells, rows, base, areas)
