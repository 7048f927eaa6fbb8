"""A page of search results and how many there are: keyset pages in each order (the index
that serves each is listed in app/search/repository.py), the page's rows joined after they are
chosen, and totals counted no further than TOTAL_BOUND."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vacancy, VacancySite
from app.search import repository, reuse
from app.search.aliases import commune, employer, site
from app.search.params import SearchParams, Sort
from app.search.repository import Built, distance_m, matching_sites


@dataclass(frozen=True)
class After:
    """Where the previous page ended: its last row's tier, sort key and site id."""

    key: Any
    site_id: int
    tier: int = 0


def _ordered(
    built: Built, query: Select[Any], after: After | None, *, knn: bool = False
) -> Select[Any]:
    """Keyset order by (key, site id). With `knn`, by the key alone: a GiST index orders by
    one distance but not by (distance, id), and (distance, id) would sort every row in range."""
    key = built.sort_key
    if after is not None:
        position = tuple_(key, site.id)
        cursor = tuple_(bindparam("after_key", after.key), bindparam("after_id", after.site_id))
        query = query.where(position < cursor if built.descending else position > cursor)
    if knn:
        return query.order_by(key)
    if built.descending:
        return query.order_by(key.desc(), site.id.desc())
    return query.order_by(key, site.id)


def ordered_hits(
    built: Built,
    after: After | None,
    fetch: int | ColumnElement[int],
    *,
    knn: bool = False,
    carry: Sequence[Any] = (),
) -> Select[Any]:
    """The next `fetch` matching sites in order: (id, sort_key, tier), then the site's columns
    in `carry`, read with the row the scan fetches anyway."""
    columns = (site.id.label("id"), built.sort_key.label("sort_key"))
    if not built.phrase_first or built.phrase is None:
        hits = matching_sites(built, *columns, literal(0).label("tier"), *carry)
        return _ordered(built, hits, after, knn=knn).limit(fetch)
    # Tier 0, the phrase, then tier 1, the rest: one branch each, ordered by its own index
    # scan and cut at `fetch`, so the best `fetch` rows overall are among them. The phrase
    # implies the words, so tier 0 tests only the small title_doc. A tier before the cursor's
    # is done. The phrase test stays a bare operator so the planner estimates it from
    # title_doc's statistics (inside coalesce() it guessed 50% and walked a whole index for a
    # rare phrase); IS NOT TRUE keeps rows whose phrase test is NULL in the rest.
    phrase = built.phrase
    branches = []
    if after is None or after.tier == 0:
        first = matching_sites(
            built, *columns, literal(0).label("tier"), *carry, where=[*built.filters, phrase]
        )
        branches.append(_ordered(built, first, after).limit(fetch))
    rest = matching_sites(built, *columns, literal(1).label("tier"), *carry)
    rest = rest.where(phrase.is_not(True))
    resume = after if after is not None and after.tier == 1 else None
    branches.append(_ordered(built, rest, resume).limit(fetch))
    tiered = union_all(*branches).subquery("tiered")
    key_order = tiered.c.sort_key.desc() if built.descending else tiered.c.sort_key
    id_order = tiered.c.id.desc() if built.descending else tiered.c.id
    return select(tiered).order_by(tiered.c.tier, key_order, id_order).limit(fetch)


def hits_order(built: Built, hits: Any) -> list[Any]:
    if built.descending:
        return [hits.c.tier, hits.c.sort_key.desc(), hits.c.id.desc()]
    return [hits.c.tier, hits.c.sort_key, hits.c.id]


# Extra nearest candidates fetched so that sites at exactly the same distance (the same
# point, e.g. several vacancies at one address) are not split arbitrarily by the LIMIT. Each
# costs a step of the KNN walk and a heap fetch on every nearest page (32 cost the statement
# about a quarter of its rate), so the first try takes few; a longer run of equal distances
# across the page's end (a filter thins the sites at a commune's label point to a few dozen)
# is taken again with many, still along the index, and only a run longer than that is
# ordered without KNN (a sort of every site in the radius: a second or more on 1M).
KNN_TIE_MARGINS = (8, 256)
KNN_TIE_MARGIN = KNN_TIE_MARGINS[0]  # the first try's: the fast path's


# A page row's site, vacancy and employer columns, built once: building a statement's
# expressions is a good part of a request's CPU.
_VACANCY_COLUMNS = (
    commune.code.label("commune_code"),
    commune.full_name.label("commune_name"),
    Vacancy.id.label("vacancy_id"),
    Vacancy.title,
    Vacancy.occupation_code,
    Vacancy.industry_code,
    Vacancy.employment_type,
    Vacancy.positions,
    Vacancy.salary_min,
    Vacancy.salary_max,
    Vacancy.salary_period,
    Vacancy.salary_negotiable,
    Vacancy.salary_monthly_min,
    Vacancy.salary_monthly_max,
    Vacancy.published_at,
    Vacancy.valid_through,
    employer.id.label("employer_id"),
    employer.name.label("employer_name"),
)
_PAGE_COLUMNS = (
    VacancySite.id.label("site_id"),
    VacancySite.positions.label("site_positions"),
    VacancySite.approximate,
    func.ST_X(VacancySite.geom).label("lon"),
    func.ST_Y(VacancySite.geom).label("lat"),
    *_VACANCY_COLUMNS,
)
# The site columns a page carries from its candidates' scan (instead of joining the site
# again by id: one index probe a row less).
_CARRIED = (
    site.vacancy_id.label("vacancy_id"),
    site.area_id.label("area_id"),
    site.positions.label("site_positions"),
    site.approximate.label("approximate"),
    site.geom.label("geom"),
)


async def page(
    session: AsyncSession,
    params: SearchParams,
    built: Built,
    *,
    limit: int,
    after: After | None,
) -> list[dict[str, Any]]:
    """One page of results: the site, its vacancy's essentials, the sort key and tier."""
    if params.sort is Sort.distance:
        for margin in KNN_TIE_MARGINS:
            rows = await _page(
                session, params, built, limit=limit, after=after, knn=True, margin=margin
            )
            if knn_page_exact(rows, limit, margin):
                return rows
    return await _page(session, params, built, limit=limit, after=after, knn=False)


def knn_page_exact(rows: Sequence[Any], limit: int, margin: int = KNN_TIE_MARGIN) -> bool:
    """Is a page taken in KNN order (with `margin` more candidates) the exact page? Yes unless
    the candidates ended inside a run of equal distances that the page reaches into; then that
    run must be ordered properly (rare: many sites at one point)."""
    if len(rows) < limit or rows[-1]["candidates"] < limit + margin:
        return True
    return bool(rows[-1]["sort_key"] < rows[-1]["candidates_max"])


def _page_values(limit: int, knn: bool, margin: int = KNN_TIE_MARGIN) -> dict[str, int]:
    return {"fetch": limit + margin if knn else limit, "page_limit": limit}


def _page_key(
    shape: tuple[Any, ...] | None, knn: bool, after: After | None
) -> tuple[Any, ...] | None:
    after_shape = None if after is None else (after.tier, type(after.key).__name__)
    return None if shape is None else ("page", *shape, knn, after_shape)


def kept_nearest_page(
    params: SearchParams, today: date, limit: int
) -> tuple[Select[Any], dict[str, Any]] | None:
    """The statement of a search's first page in KNN order as the route keeps it (reuse.py),
    with this request's values: for the fast path (app/search/fast_path.py), which builds no
    statements. None until the route has built it once in this process."""
    key = _page_key(reuse.shape(params, repository.TOTAL_BOUND), True, None)
    statement = reuse.kept(key) if key is not None else None
    if statement is None:
        return None
    return statement, {**repository.bind_values(params, today), **_page_values(limit, True)}


async def _page(
    session: AsyncSession,
    params: SearchParams,
    built: Built,
    *,
    limit: int,
    after: After | None,
    knn: bool,
    margin: int = KNN_TIE_MARGIN,
) -> list[dict[str, Any]]:
    values = {**built.values, **_page_values(limit, knn, margin)}
    fetch = values["fetch"]
    if after is not None:
        values |= {"after_key": after.key, "after_id": after.site_id}
    key = _page_key(built.shape, knn, after)
    statement = reuse.statement(
        key, values, lambda: _page_statement(params, built, after, fetch, limit, knn)
    )
    rows = await session.execute(statement, values)
    return [dict(row._mapping) for row in rows]


def _page_statement(
    params: SearchParams, built: Built, after: After | None, fetch: int, limit: int, knn: bool
) -> Select[Any]:
    fetched = bindparam("fetch", fetch, type_=Integer)
    hits = ordered_hits(built, after, fetched, knn=knn, carry=_CARRIED).subquery("hits")
    # The page's rows are chosen from the candidates alone (with what the tie check needs to
    # know of all of them), then joined: the joins and the spheroid distance cost per row,
    # and a nearest page has more candidates than rows.
    chosen = (
        select(
            *hits.c,
            func.count().over().label("candidates"),
            func.max(hits.c.sort_key).over().label("candidates_max"),
        )
        .order_by(*hits_order(built, hits))
        .limit(bindparam("page_limit", limit, type_=Integer))
        .subquery("chosen")
    )
    return (
        select(
            chosen.c.sort_key,
            chosen.c.tier,
            distance_m(params, chosen.c.geom).label("distance_m"),
            chosen.c.id.label("site_id"),
            chosen.c.site_positions,
            chosen.c.approximate,
            func.ST_X(chosen.c.geom).label("lon"),
            func.ST_Y(chosen.c.geom).label("lat"),
            *_VACANCY_COLUMNS,
            chosen.c.candidates,
            chosen.c.candidates_max,
        )
        .select_from(chosen)
        .join(Vacancy, Vacancy.id == chosen.c.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .join(commune, commune.id == chosen.c.area_id)
        .order_by(*hits_order(built, chosen))
    )


async def total(session: AsyncSession, built: Built) -> tuple[int, bool]:
    """How many results, exactly up to TOTAL_BOUND: (count, exact)."""
    if built.phrase is not None:
        # Phrase matches are a subset, found through the small title_doc: when they alone
        # pass the bound, the loose word matches need not be counted (costly: every test
        # reads a whole document).
        phrase = [*built.filters, built.phrase]
        counted = capped_count(matching_sites(built, site.id, where=phrase))
        if int(await session.scalar(counted) or 0) > repository.TOTAL_BOUND:
            return repository.TOTAL_BOUND, False
    key = None if built.shape is None else ("total", *built.shape)
    statement = reuse.statement(key, built.values, lambda: capped_count(_counted(built)))
    count = int(await session.scalar(statement, built.values) or 0)
    return min(count, repository.TOTAL_BOUND), count <= repository.TOTAL_BOUND


def _counted(built: Built) -> Select[Any]:
    """The matches to count. Without text, nearest first when the order is a distance: the
    radius bounds that walk of the GiST index and it stops at TOTAL_BOUND + 1, where a plan
    left to choose may read every site in the radius into a bitmap first."""
    matches = matching_sites(built, site.id)
    # With text, rare words are found faster through their GIN index than along the walk.
    if built.by_distance and built.text_condition is None:
        return matches.order_by(built.sort_key)
    return matches


def capped_count(query: Select[Any]) -> Select[Any]:
    """How many rows `query` has, counting no further than TOTAL_BOUND + 1."""
    return select(func.count().label("n")).select_from(
        query.limit(repository.TOTAL_BOUND + 1).subquery()
    )


def next_after(row: Mapping[str, Any]) -> After:
    return After(key=row["sort_key"], site_id=int(row["site_id"]), tier=int(row["tier"]))
