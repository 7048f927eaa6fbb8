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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    cast,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import geo
from app.classifications.versions import industry_version_on
from app.models import Area, Industry, VacancySite, is_open
from app.search import reuse, text
from app.search.aliases import site, vacancy
from app.search.params import Point, SearchParams, Sort

# Totals are counted exactly up to this many results, then reported as "more than".
TOTAL_BOUND = 1_000


def _site_geog() -> ColumnElement[Any]:
    return geo.geography(site.geom)


def _near_geog(near: Point) -> ColumnElement[Any]:
    return geo.geography(geo.named_point("near", near.lon, near.lat))


def distance_m(params: SearchParams, geom: Any = VacancySite.geom) -> ColumnElement[Any]:
    """A result site's metres from `near` on the spheroid (NULL without `near`): computed for
    the page's rows only, after the sphere-distance KNN picked them. `geom`: the site's point
    as the statement has it (the table's, or a subquery's that carries it)."""
    if params.near is None:
        return null()
    return func.ST_Distance(geo.geography(geom), _near_geog(params.near))


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
    lon_deg, lat_deg = radius_degrees(near, radius_m)
    box = func.ST_Expand(
        geo.named_point("near", near.lon, near.lat),
        bindparam("radius_lon_deg", lon_deg, type_=Float),
        bindparam("radius_lat_deg", lat_deg, type_=Float),
    )
    return and_(site.geom.op("&&")(box), func.ST_Distance(_site_geog(), point) <= radius)


def radius_degrees(near: Point, radius_m: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that surely hold the radius: a degree of latitude is
    at least 110,574 m, one of longitude at least 111,319 m * cos(latitude) (the WGS84
    equatorial radius)."""
    lat_deg = radius_m / 110_574 * 1.01
    widest = math.radians(min(89.0, abs(near.lat) + lat_deg))
    lon_deg = min(360.0, radius_m / (111_319 * math.cos(widest)) * 1.01)
    return lon_deg, lat_deg


def listed() -> list[ColumnElement[bool]]:
    """A site job seekers may see: listed (open, of a verified employer) and not expired."""
    return [site.public.expression, site.valid_through > func.now()]


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


async def build(
    session: AsyncSession,
    params: SearchParams,
    today: date,
    *,
    text_choice: text.TextChoice | None = None,
) -> Built:
    """The query for `params`. With `q`, `text_choice` says how it matches (a cursor carries
    the first page's choice); when not given, text.decide() chooses."""
    # Every value is a named parameter (the names are bind_values()'s): a statement built
    # once for a shape of request runs again with the next request's values.
    values = bind_values(params, today)

    def value(name: str) -> Any:
        return bindparam(name, values[name], expanding=isinstance(values[name], list))

    filters = [*listed(), *_place_filters(params, value), *_attribute_filters(params, value)]
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
    sort_key, descending = _order(params, text_choice)
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
        by_distance=params.sort is Sort.distance and params.near is not None,
    )


def _place_filters(params: SearchParams, value: Callable[[str], Any]) -> list[ColumnElement[bool]]:
    """Around `near`, in `bbox`, in the commune `area`."""
    filters: list[ColumnElement[bool]] = []
    if params.near is not None:
        filters.append(
            _within_radius(params.near, params.radius_m, by_distance=params.sort is Sort.distance)
        )
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
    return filters


def _attribute_filters(
    params: SearchParams, value: Callable[[str], Any]
) -> list[ColumnElement[bool]]:
    """Occupation, industry, employment type, pay, age and employer."""
    filters: list[ColumnElement[bool]] = []
    if params.occupation:
        occupations = range(len(params.occupation))
        filters.append(
            or_(*(site.occupation_code.startswith(value(f"occupation_{i}")) for i in occupations))
        )
    if params.industry:
        industries = value("industry")
        # A section's divisions in the VSIC version in force today (K's are 61-63 in VSIC 2025,
        # 64-66, finance, in 2018). A vacancy coded in 2018 and kept open since is matched by its
        # codes as the current version reads them.
        codes = select(Industry.code).where(
            Industry.version == value("industry_version"),
            or_(Industry.code.in_(industries), Industry.parent_code.in_(industries)),
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
    return filters


def _order(
    params: SearchParams, text_choice: text.TextChoice | None
) -> tuple[ColumnElement[Any], bool]:
    """The sort key and whether it is descending."""
    if params.sort is Sort.distance and params.near is not None:
        return _site_geog().op("<->", return_type=Float)(_near_geog(params.near)), False
    if params.sort is Sort.relevance and text_choice and not text_choice.by_words:
        return cast(text.similarity(text_choice.query), Float), True
    if params.sort is Sort.salary:
        return func.coalesce(site.salary_monthly_max, site.salary_monthly_min, -1), True
    # Newest, and relevance by words: newest first (within each tier).
    return site.published_at.expression, True


def bind_values(params: SearchParams, today: date) -> dict[str, Any]:
    """The values of the named parameters build() puts in its statement for `params`."""
    values: dict[str, Any] = {}
    if params.near is not None:
        values |= {"near_lon": params.near.lon, "near_lat": params.near.lat}
        values["radius_m"] = float(params.radius_m)
        if params.sort is not Sort.distance:
            lon_deg, lat_deg = radius_degrees(params.near, params.radius_m)
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
        values["industry_version"] = industry_version_on(today)
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
        # The text indexes hold open vacancies only (migration 0025): the literal test lets
        # the planner use them. A public site's vacancy is open, so it removes no match.
        query = query.join(vacancy, vacancy.id == site.vacancy_id).where(is_open(vacancy.status))
    return query.where(*(built.where if where is None else where))
