"""Labour demand's counts: for each measure, one statement giving its counts per combination
of the dimensions and over all of them (vacancies posted and filled, positions filled, and
open at the end of each period), for the report in app.stats.vacancies.

Days are local (the service's time zone, Asia/Ho_Chi_Minh): a vacancy published at 23:30 on
31 January local time counts in January, whatever the instant is in UTC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    String,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    values,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.classifications.versions import reporting_version
from app.models import CloseReason, Placement, Vacancy, VacancySite, VacancyStatus
from app.stats import periods
from app.stats import placements as placement_stats
from app.stats.definitions import TIME_DIMENSIONS, AreaLevel, Dimension
from app.stats.industries import INDUSTRY, industry_join, section_key
from app.stats.periods import PeriodUnit
from app.stats.placements import COMMUNE, DISTRICT

_FORMATS = {
    Dimension.month: "YYYY-MM",
    Dimension.quarter: 'YYYY-"Q"Q',
    Dimension.year: "YYYY",
}

Key = tuple[Any, ...]
Counts = dict[Key, dict[str, int]]


@dataclass(frozen=True)
class VacancyQuery:
    start: date
    end: date  # inclusive
    timezone: str = "Asia/Ho_Chi_Minh"  # IANA name: what a "day" means
    group_by: tuple[Dimension, ...] = ()
    area_level: AreaLevel = AreaLevel.commune
    # Allowed values per dimension: area codes, ISCO-08 major digits, VSIC section letters.
    filters: dict[Dimension, tuple[str, ...]] = field(default_factory=dict)

    @property
    def industry_reporting(self) -> str | None:
        """The VSIC version a period spanning a change is reported in (app/stats/industries)."""
        return reporting_version(self.start, self.end)

    def midnight(self, day: date) -> datetime:
        """The instant local `day` begins."""
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(self.timezone))

    @property
    def time_dimension(self) -> Dimension | None:
        return next((d for d in self.group_by if d in TIME_DIMENSIONS), None)


def _period(dimension: Dimension, day: Any) -> ColumnElement[Any]:
    if dimension is Dimension.half:
        return placement_stats.half_label(day)
    key: ColumnElement[Any] = func.to_char(day, _FORMATS[dimension])
    return key


@dataclass(frozen=True)
class _Source:
    """Where one measure reads its dimensions: the local day (or period label), the commune
    row, the vacancy whose occupation and industry count."""

    day: Any
    area_id: Any
    period_label: Any = None  # open measures: the period's label, already computed


def _keys(query: VacancyQuery, source: _Source) -> list[ColumnElement[Any]]:
    keys = []
    for dimension in query.group_by:
        key: Any
        if dimension in TIME_DIMENSIONS and source.period_label is not None:
            key = source.period_label
        elif dimension in TIME_DIMENSIONS:
            key = _period(dimension, source.day)
        elif dimension is Dimension.area:
            key = COMMUNE.id if query.area_level is AreaLevel.commune else DISTRICT.id
        elif dimension is Dimension.occupation_major:
            key = func.left(Vacancy.occupation_code, 1)
        else:
            key = section_key(query.industry_reporting)
        keys.append(key.label(dimension.value))
    return keys


def _filters(query: VacancyQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for dimension, wanted in query.filters.items():
        if dimension is Dimension.area:
            unit = COMMUNE if query.area_level is AreaLevel.commune else DISTRICT
            conditions.append(unit.code.in_(wanted))
        elif dimension is Dimension.occupation_major:
            conditions.append(func.left(Vacancy.occupation_code, 1).in_(wanted))
        elif dimension is Dimension.industry_section:
            conditions.append(section_key(query.industry_reporting).in_(wanted))
    return conditions


def _joined(query: VacancyQuery, statement: Select[Any], source: _Source) -> Select[Any]:
    """Join what the dimensions and filters read: the commune (and its district), the industry."""
    used = set(query.group_by) | set(query.filters)
    if Dimension.area in used:
        statement = placement_stats.join_area(statement, source.area_id, query.area_level)
    if Dimension.industry_section in used:
        statement = statement.outerjoin(INDUSTRY, industry_join(Vacancy))
    return statement


# How each measure aggregates the rows of its source: distinct vacancies, their sites'
# positions, or records.
_AGGREGATES: dict[str, Callable[[Any], ColumnElement[Any]]] = {
    "count_distinct": lambda c: func.count(c.distinct()),
    "sum": lambda c: func.sum(c),
    "count": lambda c: func.count(c),
}


async def _grouped(
    session: AsyncSession,
    query: VacancyQuery,
    source: _Source,
    inputs: dict[str, tuple[str, Any]],  # name -> (aggregate, column or attribute)
    build: Callable[[Select[Any]], Select[Any]],
    *,
    with_total: bool = True,
) -> tuple[Counts, dict[str, int]]:
    """Counts per combination of the dimensions, and over all of them (distinct: one
    vacancy in two communes counts once in the total) when `with_total`.

    `inputs` maps each measure to its aggregate and the column it reads. The rows are
    selected first and aggregated outside: GROUPING() takes the grouped columns themselves,
    which an inner query's columns are and output names are not."""
    dims = query.group_by
    inner = _joined(
        query,
        build(
            select(
                *_keys(query, source),
                *[column.label(name) for name, (_, column) in inputs.items()],
            )
        ),
        source,
    ).where(*_filters(query))
    rows = inner.subquery("selected")
    keys = [rows.c[d.value] for d in dims]
    measures = [
        _AGGREGATES[aggregate](rows.c[name]).label(name) for name, (aggregate, _) in inputs.items()
    ]
    if keys and with_total:
        statement = select(*keys, *measures, func.grouping(*keys).label("is_total")).group_by(
            func.grouping_sets(tuple_(*keys), tuple_())
        )
    elif keys:
        statement = select(*keys, *measures, literal_column("0").label("is_total")).group_by(*keys)
    else:
        statement = select(*measures, literal_column("1").label("is_total"))

    counts: Counts = {}
    total = dict.fromkeys(inputs, 0)
    for row in await session.execute(statement):
        mapping = row._mapping
        found = {name: int(mapping[name] or 0) for name in inputs}
        if mapping["is_total"]:
            total = found
        else:
            counts[tuple(mapping[d.value] for d in dims)] = found
    return counts, total


def _published() -> ColumnElement[bool]:
    # Drafts never count; published vacancies of unverified employers do (they are demand
    # the department knows of, even while the public map does not show them).
    return Vacancy.published_at.is_not(None)


def _local_day(query: VacancyQuery, instant: Any) -> Any:
    return func.timezone(query.timezone, instant)


def _in_period(query: VacancyQuery, instant: Any) -> ColumnElement[bool]:
    # [first local midnight, the midnight after the last day): index-friendly on the instant.
    return and_(
        instant >= query.midnight(query.start),
        instant < query.midnight(query.end + timedelta(days=1)),
    )


async def posted(session: AsyncSession, query: VacancyQuery) -> tuple[Counts, dict[str, int]]:
    source = _Source(day=_local_day(query, Vacancy.published_at), area_id=VacancySite.area_id)
    return await _grouped(
        session,
        query,
        source,
        {
            "vacancies_posted": ("count_distinct", Vacancy.id),
            "positions_posted": ("sum", VacancySite.positions),
        },
        lambda s: (
            s.select_from(Vacancy)
            .join(VacancySite, VacancySite.vacancy_id == Vacancy.id)
            .where(_published(), _in_period(query, Vacancy.published_at))
        ),
    )


async def filled(session: AsyncSession, query: VacancyQuery) -> tuple[Counts, dict[str, int]]:
    source = _Source(day=_local_day(query, Vacancy.closed_at), area_id=VacancySite.area_id)
    return await _grouped(
        session,
        query,
        source,
        {"vacancies_filled": ("count_distinct", Vacancy.id)},
        lambda s: (
            s.select_from(Vacancy)
            .join(VacancySite, VacancySite.vacancy_id == Vacancy.id)
            .where(
                _published(),
                Vacancy.status == VacancyStatus.closed.value,
                Vacancy.close_reason == CloseReason.filled.value,
                _in_period(query, Vacancy.closed_at),
            )
        ),
    )


async def hired(session: AsyncSession, query: VacancyQuery) -> tuple[Counts, dict[str, int]]:
    # The work commune of a hire for a vacancy is one of the vacancy's sites' communes (the
    # placement rules check it); abroad hires have none.
    source = _Source(day=Placement.placed_on, area_id=Placement.work_area_id)
    return await _grouped(
        session,
        query,
        source,
        {"positions_filled": ("count", Placement.id)},
        lambda s: (
            s.select_from(Placement)
            .join(Vacancy, Vacancy.id == Placement.vacancy_id)
            .where(
                _published(),
                Placement.voided_at.is_(None),
                Placement.placed_on.between(query.start, query.end),
            )
        ),
    )


def _period_ends(query: VacancyQuery) -> list[tuple[str | None, datetime]]:
    """(label, cutoff) per time row: the instant the row's last day (at most `to`) ends."""
    unit = query.time_dimension
    if unit is None:
        return [(None, query.midnight(query.end + timedelta(days=1)))]
    ends: list[tuple[str | None, datetime]] = []
    for label in periods.labels_between(query.start, query.end, PeriodUnit(unit.value)):
        _, last = periods.parse(label)
        ends.append((label, query.midnight(min(last, query.end) + timedelta(days=1))))
    return ends


async def _open(
    session: AsyncSession, query: VacancyQuery, ends: list[tuple[str | None, datetime]]
) -> tuple[Counts, dict[str, int]]:
    """Vacancies open when each period ends: published before the cutoff, not closed and not
    expired by it (valid_through is the instant a vacancy stops being open)."""
    period_end = values(
        column("label", String), column("cutoff", DateTime(timezone=True)), name="period_end"
    ).data(ends)
    cutoff = period_end.c.cutoff
    source = _Source(day=None, area_id=VacancySite.area_id, period_label=period_end.c.label)
    with_total = query.time_dimension is None
    return await _grouped(
        session,
        query,
        source,
        {
            "open_vacancies": ("count_distinct", Vacancy.id),
            "open_positions": ("sum", VacancySite.positions),
        },
        lambda s: (
            s.select_from(period_end)
            .join(
                Vacancy,
                and_(
                    Vacancy.published_at < cutoff,
                    or_(Vacancy.closed_at.is_(None), Vacancy.closed_at >= cutoff),
                    Vacancy.valid_through >= cutoff,
                ),
            )
            .join(VacancySite, VacancySite.vacancy_id == Vacancy.id)
        ),
        with_total=with_total,
    )


async def open_at_end(session: AsyncSession, query: VacancyQuery) -> dict[str, int]:
    """The open measures over everything selected, at the end of the whole period."""
    whole = VacancyQuery(
        start=query.start,
        end=query.end,
        timezone=query.timezone,
        group_by=(),
        area_level=query.area_level,
        filters=query.filters,
    )
    _, total = await _open(session, whole, _period_ends(whole))
    return total


async def still_open(session: AsyncSession, query: VacancyQuery) -> tuple[Counts, dict[str, int]]:
    """The open measures at the end of each row's period (of `to` without a time dimension)."""
    return await _open(session, query, _period_ends(query))
