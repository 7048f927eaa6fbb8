"""Labour demand: vacancies and positions posted, filled, and open at the end of each period,
by period, area (the work sites' communes), occupation and industry, with empty combinations
as zero rows.

Days are local (the service's time zone, Asia/Ho_Chi_Minh): a vacancy published at 23:30 on
31 January local time counts in January, whatever the instant is in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.stats import placements as placement_stats
from app.stats import vacancy_counts
from app.stats.definitions import TIME_DIMENSIONS, Dimension
from app.stats.vacancy_counts import Counts, VacancyQuery

# The dimensions labour demand can be grouped and filtered by.
VACANCY_DIMENSIONS = (
    *TIME_DIMENSIONS,
    Dimension.area,
    Dimension.occupation_major,
    Dimension.industry_section,
)

MEASURES = (
    "vacancies_posted",
    "positions_posted",
    "vacancies_filled",
    "positions_filled",
    "open_vacancies",
    "open_positions",
)


@dataclass
class VacancyResult:
    query: VacancyQuery
    # One dict per row: the dimensions' values (area as area_code, area_name, ...) + MEASURES.
    rows: list[dict[str, Any]]
    total: dict[str, int]


async def vacancy_totals(session: AsyncSession, query: VacancyQuery) -> VacancyResult:
    dims = query.group_by
    parts = [
        await vacancy_counts.posted(session, query),
        await vacancy_counts.filled(session, query),
        await vacancy_counts.hired(session, query),
        await vacancy_counts.still_open(session, query),
    ]
    counts: Counts = {}
    total = dict.fromkeys(MEASURES, 0)
    for part_counts, part_total in parts:
        for key, found in part_counts.items():
            counts.setdefault(key, {}).update(found)
        total.update(part_total)
    if query.time_dimension is not None:
        total.update(await vacancy_counts.open_at_end(session, query))

    seen = [{key[index] for key in counts} for index in range(len(dims))]
    # The placement statistics know these domains; their query type carries what they read.
    like = placement_stats.StatsQuery(
        start=query.start,
        end=query.end,
        group_by=query.group_by,
        area_level=query.area_level,
        filters=query.filters,
    )
    domains, labels = await placement_stats.domains(session, like, seen)
    rows: list[dict[str, Any]] = []
    for key, row in placement_stats.grid(dims, domains, labels):
        found = counts.get(key, {})
        for measure in MEASURES:
            row[measure] = found.get(measure, 0)
        rows.append(row)
    return VacancyResult(query, rows, total)
