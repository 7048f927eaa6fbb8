"""Search results as a GeoJSON FeatureCollection, built by PostgreSQL in one statement."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Numeric,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import visitors
from sqlalchemy.types import Text

from app import geo
from app.models import Vacancy, VacancySite
from app.search import repository
from app.search.aliases import employer, site
from app.search.params import SearchParams, Sort
from app.search.repository import (
    Built,
    capped_count,
    distance_m,
    hits_order,
    matching_sites,
    ordered_hits,
    total,
)


def feature(distance: ColumnElement[Any]) -> ColumnElement[Any]:
    """A result site as a GeoJSON Feature with light properties."""
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
    return func.json_build_object(
        "type", "Feature",
        "id", VacancySite.id,
        "geometry", geo.as_geojson(VacancySite.geom),
        "properties", properties,
    )  # fmt: skip


# Built once: constructing these expressions is a good part of a viewport request's CPU.
_FEATURE_WITHOUT_DISTANCE = feature(null())


# Statements built once per shape of request (which filters, which order), run again with
# each request's values: building and keying the SQLAlchemy statement cost more than half of
# a viewport request's CPU. Text queries are not kept: their statement depends on what the
# database says about the words. Shapes are few (the filters present), so the map is bounded.
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}
MAX_SHAPES = 1024
logger = logging.getLogger(__name__)


def _shape(params: SearchParams) -> tuple[Any, ...] | None:
    if params.q is not None:
        return None
    return (
        params.near is not None,
        params.sort,
        params.bbox is not None,
        params.area is not None,
        len(params.occupation),
        bool(params.industry),
        bool(params.employment_type),
        params.salary_min is not None,
        params.include_unspecified,
        params.posted_within_days is not None,
        params.employer_id is not None,
        repository.TOTAL_BOUND,
    )


def _is_viewport(params: SearchParams) -> bool:
    return params.bbox is not None and params.near is None and params.sort is Sort.newest


def _named_parameters(statement: Select[Any]) -> set[str]:
    return {
        element.key
        for element in visitors.iterate(statement)
        if isinstance(element, BindParameter) and not element.unique
    }


async def feature_collection(
    session: AsyncSession, params: SearchParams, today: date, *, limit: int
) -> bytes:
    """Matching sites as a GeoJSON FeatureCollection, built by PostgreSQL."""
    values = repository.bind_values(params, today) | {"limit": limit}
    if _is_viewport(params) and params.bbox is not None:
        values |= {"centre_lon": params.bbox.centre.lon, "centre_lat": params.bbox.centre.lat}
    shape = _shape(params)
    statement = _STATEMENTS.get(shape) if shape is not None else None
    if statement is None:
        built = await repository.build(session, params, today)
        statement = await _statement(session, params, built, limit)
        if shape is not None and len(_STATEMENTS) < MAX_SHAPES:
            # Kept only when every value in it is one of this request's named values, so a
            # later request cannot run with a value left over from this one.
            if _named_parameters(statement) == set(values):
                _STATEMENTS[shape] = statement
            else:
                logger.error("search statement not reusable: parameters differ from values")
    return str(await session.scalar(statement, values)).encode()


async def _statement(
    session: AsyncSession, params: SearchParams, built: Built, limit: int
) -> Select[Any]:
    # A map needs no paging here, so distance orders need no id tie-break: a GiST index
    # orders by one distance, and (distance, id) would sort every site in the box.
    fetch = bindparam("limit", limit, type_=Integer)
    if _is_viewport(params) and params.bbox is not None:
        # A viewport: nearest to its centre first, straight off the GiST index.
        centre = params.bbox.centre
        to_centre = site.geom.op("<->", return_type=Float)(
            geo.named_point("centre", centre.lon, centre.lat)
        )
        viewport = matching_sites(built, site.id.label("id"), to_centre.label("sort_key"))
        hits = viewport.order_by(to_centre).limit(fetch).subquery("hits")
        order = [hits.c.sort_key]
    elif params.sort is Sort.distance:
        hits = ordered_hits(built, None, fetch, knn=True).subquery("hits")
        order = [hits.c.sort_key]
    else:
        hits = ordered_hits(built, None, fetch).subquery("hits")
        order = hits_order(built, hits)
    if params.near is None:
        site_feature = _FEATURE_WITHOUT_DISTANCE
    else:
        site_feature = feature(func.round(cast(distance_m(params), Numeric), 1))
    # json_agg takes the rows in the order this subquery sorts them.
    features = (
        select(site_feature.label("f"))
        .select_from(hits)
        .join(VacancySite, VacancySite.id == hits.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .order_by(*order)
        .subquery("features")
    )
    returned = select(
        func.coalesce(func.json_agg(features.c.f), literal_column("'[]'::json")).label("fs"),
        func.count().label("n"),
    ).subquery("agg")
    # numberMatched only when exact (OGC API Features makes it optional); else a lower bound.
    if built.phrase is None:  # the count in the same statement: one round trip, not two
        counted = capped_count(matching_sites(built, site.id)).subquery("counted")
        number = counted.c.n
        matched: Any = case(
            (number <= repository.TOTAL_BOUND, literal("numberMatched")),
            else_=literal("numberMatchedAtLeast"),
        )
        count: Any = func.least(number, repository.TOTAL_BOUND)
        source: Any = returned.join(counted, true())  # one row each
    else:
        counted_value, exact = await total(session, built)
        count = literal(counted_value)
        matched = literal("numberMatched" if exact else "numberMatchedAtLeast")
        source = returned
    return select(
        func.json_build_object(
            "type", "FeatureCollection",
            matched, count,
            "numberReturned", returned.c.n,
            "features", returned.c.fs,
        ).cast(Text)
    ).select_from(source)  # fmt: skip
