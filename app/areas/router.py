"""HTTP routes for administrative areas."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app import geo, http_cache
from app.areas import service
from app.areas.dependencies import AREA_CODE_PATTERN, AreaCode, AtDateDep, AtQuery
from app.areas.schemas import AreaFeature, AreaFeatureCollection, AreaLookup, GeometryMode
from app.db import SessionDep
from app.dependencies import TodayDep
from app.errors import Problem
from app.geo import GEOJSON
from app.http_cache import cached_response
from app.models.area import AreaLevel

router = APIRouter(prefix="/areas", tags=["areas"])

GeometryQuery = Annotated[
    GeometryMode,
    Query(
        description="`full` boundaries, `simplified` ones for basemaps (about 11 m, 5 "
        "decimals: a quarter of the size), a representative `point` inside each, or `none`."
    ),
]


def _geojson_doc(model: type[AreaFeature] | type[AreaFeatureCollection]) -> dict[int | str, dict]:  # type: ignore[type-arg]
    return {
        200: {"model": model, "content": {GEOJSON: {}}},
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        422: {"model": Problem, "content": {"application/problem+json": {}}},
    }


@router.get(
    "",
    response_class=Response,
    responses=_geojson_doc(AreaFeatureCollection),
    summary="Administrative units valid on a date, as GeoJSON",
)
async def list_areas(
    request: Request,
    session: SessionDep,
    at: AtDateDep,
    level: Annotated[AreaLevel | None, Query(description="Only units of this level.")] = None,
    parent: Annotated[
        str | None,
        Query(pattern=AREA_CODE_PATTERN, description="Only units whose parent has this code."),
    ] = None,
    geometry: GeometryQuery = GeometryMode.full,
    with_: Annotated[
        Literal["vacancies"] | None,
        Query(
            alias="with",
            description="`vacancies`: add `open_vacancies` and `open_positions` (public, "
            "unexpired) to each unit, for choropleths.",
        ),
    ] = None,
) -> Response:
    """Units valid on `at`: since 2025-07-01 the province and its 124 communes; before it,
    the province, its 8 districts and their communes (codes only, no boundaries)."""
    body = await service.units_on(
        session,
        at=at,
        level=level,
        parent_code=parent,
        geometry=geometry,
        with_vacancies=with_ == "vacancies",
    )
    if with_:  # counts change with every posting: kept as briefly as the map's tiles
        http_cache.use_policy(request, http_cache.MAP)
    return cached_response(request, body, media_type=GEOJSON)


@router.get(
    "/lookup",
    response_model=AreaLookup,
    responses={404: {"model": Problem, "description": "The point is outside every unit."}},
    summary="Units containing a point on a date",
)
async def lookup_area(
    session: SessionDep,
    at: AtDateDep,
    lon: Annotated[geo.Longitude, Query(description="Longitude, WGS84 degrees.")],
    lat: Annotated[geo.Latitude, Query(description="Latitude, WGS84 degrees.")],
) -> AreaLookup:
    """The commune (since 2025-07-01) or district (before) and province containing the point."""
    return await service.lookup(session, lon, lat, at)


@router.get(
    "/{code}",
    response_class=Response,
    responses={**_geojson_doc(AreaFeature), 404: {"model": Problem}},
    summary="One administrative unit, with its validity",
)
async def get_area(
    request: Request,
    session: SessionDep,
    code: AreaCode,
    today: TodayDep,
    at: AtQuery = None,
    geometry: GeometryQuery = GeometryMode.full,
) -> Response:
    """The version of the unit valid on `at`; without `at`, today's version or, for a unit
    that no longer exists, its last one."""
    body = await service.unit(session, code, at=at, today=today, geometry=geometry)
    return cached_response(request, body, media_type=GEOJSON)
