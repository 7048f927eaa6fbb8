"""The search query: public work sites filtered, ordered and paged in PostgreSQL.

Orders and the index that serves each:
- distance: geography KNN (`<->`, metres on the sphere) on ix_vacancy_site_public_geog, the
  radius as an index condition (`ST_DWithin`, spheroid, exact); `distance_m` is then computed
  on the spheroid for the page's rows only;
- newest: ix_vacancy_site_public_published;
- relevance: newest first within each tier (the query as a phrase in the title or
  occupation, then its words anywhere), one index-ordered branch per tier. When no open
  vacancy has the words, the same for a spelling correction (app/search/spelling.py), and
  failing that titles similar to the query, ordered by similarity;
- salary: ix_vacancy_site_public_salary.
Keyset paging: the cursor holds the last row's tier, sort key and site id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import geo
from app.models import Area, Industry, Vacancy, VacancySite
from app.search import reuse, text
from app.search.aliases import commune, employer, site, vacancy
from app.search.params import Point, SearchParams, Sort

# Totals are counted exactly up to this many results, then reported as "more than".
TOTAL_BOUND = 1_000


def _site_geog() -> ColumnElement[Any]:
    return geo.geography(site.geom)


def _near_geog(near: Point) -> ColumnElement[Any]:
    return geo.geography(geo.named_point("near", near.lon, near.lat))


def distance_m(params: SearchParams) -> ColumnElement[Any]:
    """A result site's metres from `near` on the spheroid (NULL without `near`): computed for
    the page's rows only, after the sphere-distance KNN picked them."""
    if params.near is None:
        return null()
    return func.ST_Distance(geo.geography(VacancySite.geom), _near_geog(params.near))


def _within_radius(near: Point, radius_m: float, *, by_distance: bool) -> ColumnElement[bool]:
    """Sites at most radius_m from `near` on the spheroid (exact).

    Ordered by distance, ST_DWithin: the KNN scan's index condition. Otherwise a bounding box
    on the plain geometry and the exact distance test: for ST_DWithin on geography PostGIS
    estimates a handful of rows (92 for a 100 km radius holding 500,000 sites), and the
    planner would sort every match instead of walking the newest or salary index."""
    point = _near_geog(near)
    radius = bindparam("radius_m", radius_m, type_=Float)
    if by_distance:
        return func.ST_DWithin(_site_geog(), point, radius)
    lon_deg, lat_deg = _radius_degrees(near, radius_m)
    box = func.ST_Expand(
        geo.named_point("near", near.lon, near.lat),
        bindparam("radius_lon_deg", lon_deg, type_=Float),
        bindparam("radius_lat_deg", lat_deg, type_=Float),
    )
    return and_(site.geom.op("&&")(box), func.ST_Distance(_site_geog(), point) <= radius)


def _radius_degrees(near: Point, radius_m: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that surely hold the radius: a degree of latitude is
    at least 110,574 m, one of longitude at least 111,319 m * cos(latitude) (the WGS84
    equatorial radius)."""
    lat_deg = radius_m / 110_574 * 1.01
    widest = math.radians(min(89.0, abs(near.lat) + lat_deg))
    lon_deg = min(360.0, radius_m / (111_319 * math.cos(widest)) * 1.01)
    return lon_deg, lat_deg


@dataclass(frozen=True)
class Built:
    """The filtered set and the expressions paging and output need."""

    filters: Sequence[ColumnElement[bool]]  # every condition but the text match
    sort_key: ColumnElement[Any]
    descending: bool
    text_condition: ColumnElement[bool] | None = None  # with q: its words, or similar titles
    text_choice: text.TextChoice | None = None
    # With q matched by words: q as a phrase in the title or occupation (a subset).
    phrase: ColumnElement[bool] | None = None
    # Relevance: phrase matches first, then the rest, each part ordered by sort_key.
    phrase_first: bool = False
    # The values of the statement's named parameters, and what decides its structure (None:
    # not to be reused, see app/search/reuse.py).
    values: dict[str, Any] = field(default_factory=dict)
    shape: tuple[Any, ...] | None = None
    by_distance: bool = False  # sort_key is the distance to `near` (a KNN order)

    @property
    def where(self) -> list[ColumnElement[bool]]:
        """Every condition."""
        if self.text_condition is None:
            return list(self.filters)
        return [*self.filters, self.text_condition]

    @property
    def needs_vacancy(self) -> bool:
        """The text conditions are on the vacancy; every other one is on its site."""
        return self.text_condition is not None


async def build(  # noqa: C901
    session: AsyncSession,
    params: SearchParams,
    today: date,
    *,
    text_choice: text.TextChoice | None = None,
) -> Built:
    """The query for `params`. With `q`, `text_choice` says how it matches (a cursor carries
    the first page's choice); when not given, text.decide() chooses."""
    filters: list[ColumnElement[bool]] = [site.public.expression, site.valid_through > func.now()]
    if params.near is not None:
        filters.append(
            _within_radius(params.near, params.radius_m, by_distance=params.sort is Sort.distance)
        )
    # Every value is a named parameter (the names are bind_values()'s): a statement built
    # once for a shape of request runs again with the next request's values.
    values = bind_values(params, today)

    def value(name: str) -> Any:
        return bindparam(name, values[name], expanding=isinstance(values[name], list))

    if params.bbox is not None:
        filters += geo.point_in_box(
            site.geom, value("bbox_min_lon"), value("bbox_min_lat"), value("bbox_max_lon"),
            value("bbox_max_lat"),
        )  # fmt: skip
    if params.area is not None:
        in_commune = select(Area.id).where(
            Area.code == value("area"),
            Area.level == "commune",
            Area.validity.op("@>")(value("today")),
        )
        filters.append(site.area_id.in_(in_commune.scalar_subquery()))
    if params.occupation:
        filters.append(
            or_(
                *(
                    site.occupation_code.startswith(value(f"occupation_{index}"))
                    for index in range(len(params.occupation))
                )
            )
        )
    if params.industry:
        industries = value("industry")
        codes = select(Industry.code).where(
            or_(Industry.code.in_(industries), Industry.parent_code.in_(industries))
        )
        filters.append(site.industry_code.in_(codes))
    if params.employment_type:
        filters.append(site.employment_type.in_(value("employment_type")))
    if params.salary_min is not None:
        pay = func.coalesce(site.salary_monthly_max, site.salary_monthly_min)
        pays = pay >= value("salary_min")
        unspecified = and_(site.salary_monthly_max.is_(None), site.salary_monthly_min.is_(None))
        filters.append(or_(pays, unspecified) if params.include_unspecified else pays)
    if params.posted_within_days is not None:
        filters.append(site.published_at >= func.now() - value("posted_within"))
    if params.employer_id is not None:
        filters.append(site.employer_id == value("employer_id"))

    text_condition = phrase = None
    if params.q is not None:
        await text.plan_for_the_words(session)
        if text_choice is None:
            text_choice = await text.decide(session, params.q)
        if text_choice.by_words:
            text_condition = text.words_match(text_choice.query)
            phrase = text.phrase_match(text_choice.query)
        else:
            text_condition = text.similar_match(params.q)

    sort_key: ColumnElement[Any]
    by_distance = params.sort is Sort.distance and params.near is not None
    if by_distance and params.near is not None:
        sort_key = _site_geog().op("<->", return_type=Float)(_near_geog(params.near))
        descending = False
    elif params.sort is Sort.relevance and text_choice and not text_choice.by_words:
        sort_key = cast(text.similarity(text_choice.query), Float)
        descending = True
    elif params.sort is Sort.relevance:
        sort_key, descending = site.published_at.expression, True
    elif params.sort is Sort.salary:
        sort_key = func.coalesce(site.salary_monthly_max, site.salary_monthly_min, -1)
        descending = True
    else:
        sort_key, descending = site.published_at.expression, True
    return Built(
        filters,
        sort_key,
        descending,
        text_condition=text_condition,
        text_choice=text_choice,
        phrase=phrase,
        phrase_first=phrase is not None and params.sort is Sort.relevance,
        values=values,
        shape=reuse.shape(params, TOTAL_BOUND),
        by_distance=by_distance,
    )


def bind_values(params: SearchParams, today: date) -> dict[str, Any]:
    """The values of the named parameters build() puts in its statement for `params`."""
    values: dict[str, Any] = {}
    if params.near is not None:
        values |= {"near_lon": params.near.lon, "near_lat": params.near.lat}
        values["radius_m"] = float(params.radius_m)
        if params.sort is not Sort.distance:
            lon_deg, lat_deg = _radius_degrees(params.near, params.radius_m)
            values |= {"radius_lon_deg": lon_deg, "radius_lat_deg": lat_deg}
    if params.bbox is not None:
        box = params.bbox
        values |= {
            "bbox_min_lon": box.min_lon, "bbox_min_lat": box.min_lat,
            "bbox_max_lon": box.max_lon, "bbox_max_lat": box.max_lat,
        }  # fmt: skip
    if params.area is not None:
        values |= {"area": params.area, "today": today}
    for index, code in enumerate(params.occupation):
        values[f"occupation_{index}"] = code
    if params.industry:
        values["industry"] = list(params.industry)
    if params.employment_type:
        values["employment_type"] = [t.value for t in params.employment_type]
    if params.salary_min is not None:
        values["salary_min"] = params.salary_min
    if params.posted_within_days is not None:
        values["posted_within"] = timedelta(days=params.posted_within_days)
    if params.employer_id is not None:
        values["employer_id"] = params.employer_id
    return values


def matching_sites(
    built: Built, *columns: Any, where: Sequence[ColumnElement[bool]] | None = None
) -> Select[Any]:
    """Matching sites (`where`: other conditions instead of the built ones)."""
    query = select(*columns).select_from(site)
    if built.needs_vacancy:
        query = query.join(vacancy, vacancy.id == site.vacancy_id)
    return query.where(*(built.where if where is None else where))


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
    built: Built, after: After | None, fetch: int | ColumnElement[int], *, knn: bool = False
) -> Select[Any]:
    """The next `fetch` matching sites in order: (id, sort_key, tier)."""
    columns = (site.id.label("id"), built.sort_key.label("sort_key"))
    if not built.phrase_first or built.phrase is None:
        hits = matching_sites(built, *columns, literal(0).label("tier"))
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
            built, *columns, literal(0).label("tier"), where=[*built.filters, phrase]
        )
        branches.append(_ordered(built, first, after).limit(fetch))
    rest = matching_sites(built, *columns, literal(1).label("tier")).where(phrase.is_not(True))
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
# point, e.g. several vacancies at one address) are not split arbitrarily by the LIMIT.
KNN_TIE_MARGIN = 32


# A page row's site, vacancy and employer columns, built once: building a statement's
# expressions is a good part of a request's CPU.
_PAGE_COLUMNS = (
    VacancySite.id.label("site_id"),
    VacancySite.positions.label("site_positions"),
    VacancySite.approximate,
    func.ST_X(VacancySite.geom).label("lon"),
    func.ST_Y(VacancySite.geom).label("lat"),
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
        rows = await _page(session, params, built, limit=limit, after=after, knn=True)
        # Exact unless the candidates ended inside a run of equal distances that the page
        # reaches into; then order that run properly (rare: many sites at one point).
        if len(rows) < limit or rows[-1]["candidates"] < limit + KNN_TIE_MARGIN:
            return rows
        if rows[-1]["sort_key"] < rows[-1]["candidates_max"]:
            return rows
    return await _page(session, params, built, limit=limit, after=after, knn=False)


async def _page(
    session: AsyncSession,
    params: SearchParams,
    built: Built,
    *,
    limit: int,
    after: After | None,
    knn: bool,
) -> list[dict[str, Any]]:
    fetch = limit + KNN_TIE_MARGIN if knn else limit
    values = {**built.values, "fetch": fetch, "page_limit": limit}
    if after is not None:
        values |= {"after_key": after.key, "after_id": after.site_id}
    after_shape = None if after is None else (after.tier, type(after.key).__name__)
    key = None if built.shape is None else ("page", *built.shape, knn, after_shape)
    statement = reuse.statement(
        key, values, lambda: _page_statement(params, built, after, fetch, limit, knn)
    )
    rows = await session.execute(statement, values)
    return [dict(row._mapping) for row in rows]


def _page_statement(
    params: SearchParams, built: Built, after: After | None, fetch: int, limit: int, knn: bool
) -> Select[Any]:
    fetched = bindparam("fetch", fetch, type_=Integer)
    hits = ordered_hits(built, after, fetched, knn=knn).subquery("hits")
    # The page's rows are chosen from the candidates alone (with what the tie check needs to
    # know of all of them), then joined: the joins and the spheroid distance cost per row,
    # and a nearest page has twice as many candidates as rows.
    chosen = (
        select(
            hits.c.id,
            hits.c.sort_key,
            hits.c.tier,
            func.count().over().label("candidates"),
            func.max(hits.c.sort_key).over().label("candidates_max"),
        )
        .order_by(*hits_order(built, hits))
        .limit(bindparam("page_limit", limit, type_=Integer))
        .subquery("chosen")
    )
    distance = distance_m(params)
    return (
        select(
            chosen.c.sort_key,
            chosen.c.tier,
            distance.label("distance_m"),
            *_PAGE_COLUMNS,
            chosen.c.candidates,
            chosen.c.candidates_max,
        )
        .select_from(chosen)
        .join(VacancySite, VacancySite.id == chosen.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .join(commune, commune.id == VacancySite.area_id)
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
        if int(await session.scalar(counted) or 0) > TOTAL_BOUND:
            return TOTAL_BOUND, False
    key = None if built.shape is None else ("total", *built.shape)
    statement = reuse.statement(key, built.values, lambda: capped_count(_counted(built)))
    count = int(await session.scalar(statement, built.values) or 0)
    return min(count, TOTAL_BOUND), count <= TOTAL_BOUND


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
    return select(func.count().label("n")).select_from(query.limit(TOTAL_BOUND + 1).subquery())


def next_after(row: dict[str, Any]) -> After:
    return After(key=row["sort_key"], site_id=int(row["site_id"]), tier=int(row["tier"]))
