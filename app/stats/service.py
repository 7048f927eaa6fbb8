"""The statistics reports' story: check what is asked (the period, the area codes, the
dimensions), build the query, run it, and turn a report too big to answer into the client's
mistake (422 on `group_by`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInputError
from app.stats import placements, vacancies
from app.stats.checks import check_area_codes, check_period, invalid, parse_dimensions
from app.stats.definitions import AreaBasis, AreaLevel, Dimension
from app.stats.placements import StatsQuery, StatsResult, TooManyCellsError
from app.stats.vacancies import VACANCY_DIMENSIONS, VacancyResult
from app.stats.vacancy_counts import VacancyQuery


def _too_many_cells(exc: TooManyCellsError) -> InvalidInputError:
    return invalid("query.group_by", f"the report would have {exc}: group by fewer dimensions")


async def placement_report(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    group_by: tuple[Dimension, ...],
    area_level: AreaLevel,
    area_basis: AreaBasis,
    filters: dict[Dimension, tuple[str, ...]],
    employer_id: uuid.UUID | None,
) -> StatsResult:
    """Placement totals of a checked period and dimensions (the caller parsed them): the area
    codes must name units of the period."""
    await check_area_codes(session, filters.get(Dimension.area, ()), area_level, start, end)
    query = StatsQuery(
        start=start,
        end=end,
        group_by=group_by,
        area_level=area_level,
        area_basis=area_basis,
        filters=filters,
        employer_id=employer_id,
    )
    try:
        return await placements.placement_totals(session, query)
    except TooManyCellsError as exc:
        raise _too_many_cells(exc) from exc


async def vacancy_report(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    group_by: Sequence[str],
    area_level: AreaLevel,
    area: Sequence[str],
    occupation_major: Sequence[str],
    industry_section: Sequence[str],
    timezone: str,
) -> VacancyResult:
    """Labour demand: the period, then the area codes, then `group_by` (as given: repeated
    or comma-separated) are checked in this order, so the first mistake is the one reported."""
    check_period(start, end, area_level)
    await check_area_codes(session, area, area_level, start, end)
    dims = parse_dimensions(group_by, VACANCY_DIMENSIONS)
    filters = {
        Dimension.area: tuple(area),
        Dimension.occupation_major: tuple(occupation_major),
        Dimension.industry_section: tuple(industry_section),
    }
    query = VacancyQuery(
        start=start,
        end=end,
        timezone=timezone,
        group_by=dims,
        area_level=area_level,
        filters={d: v for d, v in filters.items() if v},
    )
    try:
        return await vacancies.vacancy_totals(session, query)
    except TooManyCellsError as exc:
        raise _too_many_cells(exc) from exc
