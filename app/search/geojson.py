"""Search results as a GeoJSON FeatureCollection, built by PostgreSQL in one statement."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
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
from sqlalchemy.types import Text

from app import geo
from app.errors import FieldError, InvalidInputError
from app.models import Vacancy, VacancySite
from app.search import repository, reuse
from app.search.aliases import employer, site
from app.search.pages import capped_count, hits_order, ordered_hits, total
from app.search.params import Point, SearchParams, Sort
from app.search.repository import Built, distance_m, matching_sites


def feature(distance: ColumnElement[Any], sites: Any = VacancySite) -> ColumnElement[Any]:
    """A result site as a GeoJSON Feature with light properties; the site's own columns (id,
    geom, positions, approximate) read from `sites`: the table, or a subquery carrying them."""
    properties = func.json_build_object(
        "vacancy_id", Vacancy.id,
        "title", Vacancy.title,
        "employer", employer.name,
        "positions", sites.positions,
        "salary_monthly_min", Vacancy.salary_monthly_min,
        "salary_monthly_max", Vacancy.salary_monthly_max,
        "occupation_group", func.left(Vacancy.occupation_code, 1),
        "employment_type", Vacancy.employment_type,
        "approximate", sites.approximate,
        "distance_m", distance,
    )  # fmt: skip
    return func.json_build_object(
        "type", "Feature",
        "id", sites.id,
        "geometry", geo.as_geojson(sites.geom),
        "properties", properties,
    )  # fmt: skip


# Built once: constructing these expressions is a good part of a viewport request's CPU.
_FEATURE_WITHOUT_DISTANCE = feature(null())
# The site columns a viewport's walk carries for its features (app/search/pages.py does the
# same for a page of results).
_CARRIED = (
    site.vacancy_id.label("vacancy_id"),
    site.positions.label("positions"),
    site.approximate.label("approximate"),
    site.geom.label("geom"),
)


def _is_viewport(params: SearchParams) -> bool:
    return params.bbox is not None and params.near is None and params.sort is Sort.newest


async def feature_collection(
    session: AsyncSession, params: SearchParams, today: date, *, limit: int
) -> bytes:
    """Matching sites as a GeoJSON FeatureCollection, built by PostgreSQL."""
    if params.travel_mode is not None:
        # Not a radius in disguise: travel times come from the JSON search only.
        raise _invalid_travel()
    kept = kept_collection(params, today, limit)
    if kept is not None:  # the map's common case: not even the filters are built again
        return str(await session.scalar(*kept)).encode()
    values = _values(params, today, limit)
    built = await repository.build(session, params, today)
    # With a phrase (text queries only) the total is counted first, in its own statements.
    counted = await total(session, built) if built.phrase is not None else None
    key = None if built.shape is None else ("geojson", *built.shape)
    statement = reuse.statement(key, values, lambda: _statement(params, built, limit, counted))
    return str(await session.scalar(statement, values)).encode()


def kept_collection(
    params: SearchParams, today: date, limit: int
) -> tuple[Select[Any], dict[str, Any]] | None:
    """The statement of the collection as the route keeps it (reuse.py), with this request's
    values: for the route, and for the viewport's fast path (app/search/fast_path.py), which
    builds no statements. None until the route has built it once in this process."""
    shape = reuse.shape(params, repository.TOTAL_BOUND)
    statement = reuse.kept(("geojson", *shape)) if shape is not None else None
    if statement is None:
        return None
    return statement, _values(params, today, limit)


def _values(params: SearchParams, today: date, limit: int) -> dict[str, Any]:
    values = repository.bind_values(params, today) | {"limit": limit}
    if _is_viewport(params) and params.bbox is not None:
        values |= {"centre_lon": params.bbox.centre.lon, "centre_lat": params.bbox.centre.lat}
        values["walk"] = _walk_length(limit)
    return values


def _walk_length(limit: int) -> int:
    """A viewport reads its sites once, nearest the centre first, for the page and the count."""
    return max(limit, repository.TOTAL_BOUND + 1)


def _statement(
    params: SearchParams, built: Built, limit: int, counted: tuple[int, bool] | None
) -> Select[Any]:
    if _is_viewport(params) and params.bbox is not None and counted is None:
        return _viewport_statement(built, params.bbox.centre, limit)
    # A map needs no paging here, so distance orders need no id tie-break: a GiST index
    # orders by one distance, and (distance, id) would sort every site in the box.
    fetch = bindparam("limit", limit, type_=Integer)
    to_centre: ColumnElement[float] | None = None
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
    if counted is None:  # the count in the same statement: one round trip, not two
        matches = matching_sites(built, site.id)
        if to_centre is not None:
            # Counted along the page's own walk (nearest the centre first), so the count too
            # reads at most TOTAL_BOUND + 1 sites of the index; unordered, a custom plan for a
            # dense box read the whole box into a bitmap first.
            matches = matches.order_by(to_centre)
        bounded = capped_count(matches).subquery("counted")
        number = bounded.c.n
        matched: Any = case(
            (number <= repository.TOTAL_BOUND, literal("numberMatched")),
            else_=literal("numberMatchedAtLeast"),
        )
        count: Any = func.least(number, repository.TOTAL_BOUND)
        source: Any = returned.join(bounded, true())  # one row each
    else:
        counted_value, exact = counted
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


def _viewport_statement(built: Built, centre: Point, limit: int) -> Select[Any]:
    """A viewport's features and its bounded count from one walk of the geometry index nearest
    the box's centre first (a CTE read twice, so PostgreSQL runs it once): the page is its
    first `limit` sites, the count its length. Two walks (page, then count) read the first
    sites twice and joined each page row to its site again: about a sixth of the statement."""
    to_centre = site.geom.op("<->", return_type=Float)(
        geo.named_point("centre", centre.lon, centre.lat)
    )
    walk_length = bindparam("walk", _walk_length(limit), type_=Integer)
    walk = (
        matching_sites(built, site.id.label("id"), to_centre.label("sort_key"), *_CARRIED)
        .order_by(to_centre)
        .limit(walk_length)
        .cte("walk")
        .prefix_with("MATERIALIZED")
    )
    fetch = bindparam("limit", limit, type_=Integer)
    hits = select(walk).order_by(walk.c.sort_key).limit(fetch).subquery("hits")
    features = (
        select(feature(null(), hits.c).label("f"))
        .select_from(hits)
        .join(Vacancy, Vacancy.id == hits.c.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .order_by(hits.c.sort_key)
        .subquery("features")
    )
    returned = select(
        func.coalesce(func.json_agg(features.c.f), literal_column("'[]'::json")).label("fs"),
        func.count().label("n"),
    ).subquery("agg")
    counted = select(func.count().label("n")).select_from(walk).subquery("counted")
    number = counted.c.n
    matched = case(
        (number <= repository.TOTAL_BOUND, literal("numberMatched")),
        else_=literal("numberMatchedAtLeast"),
    )
    return select(
        func.json_build_object(
            "type", "FeatureCollection",
            matched, func.least(number, repository.TOTAL_BOUND),
            "numberReturned", returned.c.n,
            "features", returned.c.fs,
        ).cast(Text)
    ).select_from(returned.join(counted, true()))  # fmt: skip


def _invalid_travel() -> InvalidInputError:
    message = "use the JSON search (Accept: application/json) for travel_mode"
    return InvalidInputError(
        f"Invalid travel_mode: {message}.",
        errors=[FieldError(field="query.travel_mode", message=message, type="invalid")],
    )
