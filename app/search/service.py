"""The search a job seeker runs: one page of results in the order asked, the cursor of the
next one, and on request the total and the counts by group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.search import cursor as search_cursor
from app.search import facets as facet_counts
from app.search import pages, repository, text, travel
from app.search.joints import network_required
from app.search.params import SearchParams
from app.search.schemas import ResultSalary, ResultSite, SearchPage, SearchResult
from app.vacancies.schemas import CodeName


async def search(
    session: AsyncSession,
    params: SearchParams,
    today: date,
    *,
    limit: int,
    cursor: str | None,
    count_exact: bool,
    facets: bool,
) -> SearchPage:
    """The page after `cursor` (the first without). The total only on the first page, when
    asked: near a point, counting costs more than the page itself."""
    if params.travel_mode is not None:
        return await _travel_search(
            session, params, today, limit=limit, cursor=cursor, count_exact=count_exact,
            facets=facets,
        )  # fmt: skip
    after, choice = search_cursor.decode(cursor, params) if cursor else (None, None)
    built = await repository.build(session, params, today, text_choice=choice)

    async def fetch(count: int) -> list[dict[str, Any]]:
        return await pages.page(session, params, built, limit=count, after=after)

    rows, next_cursor = await cursors.page(
        fetch, limit, lambda row: search_cursor.position(params, built.text_choice, row)
    )
    total, exact = (None, None)
    if count_exact and cursor is None:
        total, exact = await pages.total(session, built)
    counted = await facet_counts.facets(session, built, total_exact=exact) if facets else None
    choice = built.text_choice
    return SearchPage(
        items=[_result(row) for row in rows],
        next_cursor=next_cursor,
        total=total,
        total_exact=exact,
        text_match=choice.match.value if choice else None,
        corrected_q=choice.query if choice and choice.match is text.TextMatch.corrected else None,
        facets=counted.counts if counted else None,
        facets_exact=counted.exact if counted else None,
    )


async def _travel_search(
    session: AsyncSession,
    params: SearchParams,
    today: date,
    *,
    limit: int,
    cursor: str | None,
    count_exact: bool,
    facets: bool,
) -> SearchPage:
    with network_required():
        rows, next_cursor, counted = await travel.search(
            session, params, today, limit=limit, cursor=cursor, count_exact=count_exact,
            facets=facets,
        )  # fmt: skip
    return SearchPage(
        items=[_result(row) for row in rows],
        next_cursor=next_cursor,
        total=counted[0] if counted else None,
        total_exact=counted[1] if counted else None,
    )


def plain_page(rows: Sequence[Mapping[str, Any]], next_cursor: str | None) -> SearchPage:
    """A page without a total, text or facets, as search() makes it: for the fast path."""
    return SearchPage(
        items=[_result(row) for row in rows], next_cursor=next_cursor, total=None, total_exact=None
    )


def _result(row: Mapping[str, Any]) -> SearchResult:
    return SearchResult(
        vacancy_id=row["vacancy_id"],
        title=row["title"],
        employer=CodeName(code=str(row["employer_id"]), name=row["employer_name"]),
        occupation_code=row["occupation_code"],
        industry_code=row["industry_code"],
        employment_type=row["employment_type"],
        positions=row["positions"],
        salary=ResultSalary(
            min=row["salary_min"],
            max=row["salary_max"],
            period=row["salary_period"],
            negotiable=row["salary_negotiable"],
            monthly_min=row["salary_monthly_min"],
            monthly_max=row["salary_monthly_max"],
        ),
        published_at=row["published_at"],
        valid_through=row["valid_through"],
        site=ResultSite(
            id=row["site_id"],
            lon=row["lon"],
            lat=row["lat"],
            positions=row["site_positions"],
            approximate=row["approximate"],
            commune=CodeName(code=row["commune_code"], name=row["commune_name"]),
        ),
        distance_m=round(row["distance_m"], 1) if row["distance_m"] is not None else None,
        travel_s=round(row["travel_s"], 1) if row.get("travel_s") is not None else None,
        travel_m=round(row["travel_m"], 1) if row.get("travel_m") is not None else None,
        url=f"/v1/vacancies/{row['vacancy_id']}",
    )
