"""The search query: public work sites filtered, ordered and paged in PostgreSQL.

Orders and the index that serves each:
- distance: geography KNN (`<->`, metres on the sphere) on ix_vacancy_site_public_geog, the
  radius as an index condition (`ST_DWithin`, spheroid, exact); `distance_m` is then computed
  on the spheroid for the page's rows only;
- newest: ix_vacancy_site_public_published;
- salary and relevance: top-N over the filtered set.
Keyset paging: the cursor holds the last row's sort key and site id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Numeric,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import Text

from app import geo
from app.areas.repository import valid_at
from app.models import Area, Employer, Industry, Vacancy, VacancySite
from app.search.params import SearchParams, Sort

# Totals are counted exactly up to this many results, then reported as "more than".
TOTAL_BOUND = 1_000
SALARY_BANDS = (5_000_000, 10_000_000, 15_000_000, 20_000_000)

site = aliased(VacancySite, name="site")
vacancy = aliased(Vacancy, name="v")


def _site_geog() -> ColumnElement[Any]:
    return geo.geography(site.geom)


def _point_geog(lon: float, lat: float) -> ColumnElement[Any]:
    return geo.geography(geo.point(lon, lat))


def _folded_query(q: str) -> ColumnElement[Any]:
    return func.jobmap_fold(literal(q))


def _tsquery(q: str) -> ColumnElement[Any]:
    """Every distinct word of the folded query, as a prefix when longer than one letter:
    'ke toan' -> 'ke:* & toan:*' (one-letter prefixes would match nearly everything)."""
    words = func.regexp_split_to_table(_folded_query(q), literal("[^a-z0-9]+"))
    word: ColumnElement[Any] = literal_column("w")
    term = word.op("||")(case((func.length(word) > 1, literal(":*")), else_=literal("")))
    prefixes = (
        select(func.string_agg(term.distinct(), literal(" & ")))
        .select_from(words.alias("w"))
        .where(word != "")
    )
    return func.to_tsquery(literal_column("'simple'::regconfig"), prefixes.scalar_subquery())


def _distance_m(params: SearchParams) -> ColumnElement[Any]:
    """A result site's metres from `near` on the spheroid (NULL without `near`): computed for
    the page's rows only, after the sphere-distance KNN picked them."""
    if params.near is None:
        return null()
    return func.ST_Distance(
        geo.geography(VacancySite.geom), _point_geog(params.near.lon, params.near.lat)
    )


@dataclass(frozen=True)
class Built:
    """The filtered set and the expressions paging and output need."""

    where: Sequence[ColumnElement[bool]]
    sort_key: ColumnElement[Any]
    descending: bool
    rank: ColumnElement[Any] | None
    needs_vacancy: bool


def build(params: SearchParams, today: date) -> Built:
    where: list[ColumnElement[bool]] = [site.public.expression, site.valid_through > func.now()]
    if params.near is not None:
        where.append(
            func.ST_DWithin(
                _site_geog(), _point_geog(params.near.lon, params.near.lat), params.radius_m
            )
        )
    if params.bbox is not None:
        box = params.bbox
        envelope = func.ST_MakeEnvelope(box.min_lon, box.min_lat, box.max_lon, box.max_lat, 4326)
        where.append(site.geom.op("&&")(envelope))
    if params.area is not None:
        commune = select(Area.id).where(
            Area.code == params.area, Area.level == "commune", valid_at(today)
        )
        where.append(site.area_id.in_(commune.scalar_subquery()))
    if params.occupation:
        where.append(or_(*(site.occupation_code.startswith(code) for code in params.occupation)))
    if params.industry:
        codes = select(Industry.code).where(
            or_(Industry.code.in_(params.industry), Industry.parent_code.in_(params.industry))
        )
        where.append(site.industry_code.in_(codes))
    if params.employment_type:
        where.append(site.employment_type.in_([t.value for t in params.employment_type]))
    if params.salary_min is not None:
        pays = func.coalesce(site.salary_monthly_max, site.salary_monthly_min) >= params.salary_min
        unspecified = and_(site.salary_monthly_max.is_(None), site.salary_monthly_min.is_(None))
        where.append(or_(pays, unspecified) if params.include_unspecified else pays)
    if params.posted_within_days is not None:
        where.append(site.published_at >= func.now() - timedelta(days=params.posted_within_days))
    if params.employer_id is not None:
        where.append(site.employer_id == params.employer_id)

    rank = None
    if params.q is not None:
        tsquery = _tsquery(params.q)
        folded = _folded_query(params.q)
        # Words (any order, as prefixes), or a typo-tolerant match on the title.
        where.append(
            or_(vacancy.search_doc.op("@@")(tsquery), folded.op("<%")(vacancy.title_folded))
        )
        rank = cast(
            func.ts_rank(vacancy.search_doc, tsquery)
            + func.word_similarity(folded, vacancy.title_folded),
            Float,
        )

    sort_key: ColumnElement[Any]
    if params.sort is Sort.distance and params.near is not None:
        sort_key = _site_geog().op("<->", return_type=Float)(
            _point_geog(params.near.lon, params.near.lat)
        )
        descending = False
    elif params.sort is Sort.relevance and rank is not None:
        sort_key, descending = rank, True
    elif params.sort is Sort.salary:
        sort_key = func.coalesce(site.salary_monthly_max, site.salary_monthly_min, -1)
        descending = True
    else:
        sort_key, descending = site.published_at.expression, True
    return Built(where, sort_key, descending, rank, needs_vacancy=params.q is not None)


def _from(built: Built, *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(site)
    if built.needs_vacancy:
        query = query.join(vacancy, vacancy.id == site.vacancy_id)
    return query.where(*built.where)


def _ordered(
    built: Built, query: Select[Any], after: tuple[Any, int] | None, *, knn: bool = False
) -> Select[Any]:
    """Keyset order by (key, site id). With `knn`, by the key alone: a GiST index orders by
    one distance but not by (distance, id), and (distance, id) would sort every row in range."""
    key = built.sort_key
    if after is not None:
        position = tuple_(key, site.id)
        cursor = tuple_(literal(after[0]), literal(after[1]))
        query = query.where(position < cursor if built.descending else position > cursor)
    if knn:
        return query.order_by(key)
    if built.descending:
        return query.order_by(key.desc(), site.id.desc())
    return query.order_by(key, site.id)


# Extra nearest candidates fetched so that sites at exactly the same distance (the same
# point, e.g. several vacancies at one address) are not split arbitrarily by the LIMIT.
KNN_TIE_MARGIN = 32


async def page(
    session: AsyncSession,
    params: SearchParams,
    built: Built,
    *,
    limit: int,
    after: tuple[Any, int] | None,
) -> list[dict[str, Any]]:
    """One page of results: the site, its vacancy's essentials and the sort key."""
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
    after: tuple[Any, int] | None,
    knn: bool,
) -> list[dict[str, Any]]:
    key = built.sort_key.label("sort_key")
    fetch = limit + KNN_TIE_MARGIN if knn else limit
    ids = _ordered(built, _from(built, site.id, key), after, knn=knn).limit(fetch).subquery("hits")
    employer = aliased(Employer, name="e")
    commune = aliased(Area, name="commune")
    distance = _distance_m(params)
    rows = await session.execute(
        select(
            ids.c.sort_key,
            VacancySite.id.label("site_id"),
            VacancySite.positions.label("site_positions"),
            VacancySite.approximate,
            func.ST_X(VacancySite.geom).label("lon"),
            func.ST_Y(VacancySite.geom).label("lat"),
            commune.code.label("commune_code"),
            commune.full_name.label("commune_name"),
            distance.label("distance_m"),
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
            func.count().over().label("candidates"),
            func.max(ids.c.sort_key).over().label("candidates_max"),
        )
        .select_from(ids)
        .join(VacancySite, VacancySite.id == ids.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .join(commune, commune.id == VacancySite.area_id)
        .order_by(
            *(
                [ids.c.sort_key.desc(), ids.c.id.desc()]
                if built.descending
                else [ids.c.sort_key, ids.c.id]
            )
        )
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


async def total(session: AsyncSession, built: Built) -> tuple[int, bool]:
    """How many results, exactly up to TOTAL_BOUND: (count, exact)."""
    capped = _from(built, site.id).limit(TOTAL_BOUND + 1).subquery()
    count = int(await session.scalar(select(func.count()).select_from(capped)) or 0)
    return min(count, TOTAL_BOUND), count <= TOTAL_BOUND


async def facets(session: AsyncSession, built: Built) -> dict[str, dict[str, int]]:
    """Counts of results by occupation major group, employment type, commune, salary band."""
    pay = func.coalesce(site.salary_monthly_max, site.salary_monthly_min)
    band = case(
        (pay.is_(None), literal("unspecified")),
        (pay < SALARY_BANDS[0], literal("<5m")),
        (pay < SALARY_BANDS[1], literal("5m-10m")),
        (pay < SALARY_BANDS[2], literal("10m-15m")),
        (pay < SALARY_BANDS[3], literal("15m-20m")),
        else_=literal(">=20m"),
    )
    commune = aliased(Area, name="fc")
    dimensions: dict[str, Any] = {
        "occupation_group": func.left(site.occupation_code, 1),
        "employment_type": site.employment_type,
        "commune": commune.code,
        "salary_band": band,
    }
    result: dict[str, dict[str, int]] = {}
    for name, dimension in dimensions.items():
        query = _from(built, dimension.label("value"), func.count().label("n"))
        if name == "commune":
            query = query.join(commune, commune.id == site.area_id)
        rows = await session.execute(query.group_by(dimension).order_by(func.count().desc()))
        result[name] = {str(value): int(n) for value, n in rows}
    return result


async def geojson(
    session: AsyncSession, params: SearchParams, built: Built, *, limit: int
) -> bytes:
    """Matching sites as a GeoJSON FeatureCollection, built by PostgreSQL."""
    # A map needs no paging here, so distance orders need no id tie-break: a GiST index
    # orders by one distance, and (distance, id) would sort every site in the box.
    if params.bbox is not None and params.near is None and params.sort is Sort.newest:
        # A viewport: nearest to its centre first, straight off the GiST index.
        centre = params.bbox.centre
        order: list[Any] = [
            site.geom.op("<->", return_type=Float)(geo.point(centre.lon, centre.lat))
        ]
    elif params.sort is Sort.distance:
        order = [built.sort_key]
    else:
        key = built.sort_key
        order = [key.desc(), site.id.desc()] if built.descending else [key, site.id]
    hits = _from(built, site.id.label("id")).order_by(*order).limit(limit).subquery("hits")
    distance = _distance_m(params)
    if params.near is not None:
        distance = func.round(cast(distance, Numeric), 1)
    employer = aliased(Employer, name="e")
    properties = func.json_build_object(
        "vacancy_id", Vacancy.id,
        "title", Vacancy.title,
        "employer", employer.name,
        "positions", VacancySite.positions,
        "salary_monthly_min", Vacancy.salary_monthly_min,
        "salary_monthly_max", Vacancy.salary_monthly_max,
        "occupation_group", func.left(Vacancy.occupation_code, 1),
        "employment_type", Vacancy.employment_type,
        "approximate", VacancySite.approximate,
        "distance_m", distance,
    )  # fmt: skip
    feature = func.json_build_object(
        "type", "Feature",
        "id", VacancySite.id,
        "geometry", geo.as_geojson(VacancySite.geom),
        "properties", properties,
    )  # fmt: skip
    features = (
        select(feature.label("f"), hits.c.id)
        .select_from(hits)
        .join(VacancySite, VacancySite.id == hits.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .subquery("features")
    )
    returned = select(
        func.coalesce(func.json_agg(features.c.f), literal_column("'[]'::json")).label("fs"),
        func.count().label("n"),
    ).subquery("agg")
    count, exact = await total(session, built)
    # numberMatched only when exact (OGC API Features makes it optional); else a lower bound.
    matched = "numberMatched" if exact else "numberMatchedAtLeast"
    body = select(
        func.json_build_object(
            "type", "FeatureCollection",
            matched, literal(count),
            "numberReturned", returned.c.n,
            "features", returned.c.fs,
        ).cast(Text)
    )  # fmt: skip
    return str(await session.scalar(body)).encode()


def next_after(row: dict[str, Any]) -> tuple[Any, int]:
    key = row["sort_key"]
    return (key.isoformat() if isinstance(key, datetime) else key, int(row["site_id"]))
