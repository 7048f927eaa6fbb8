"""HTTP routes for job seekers: `/v1/vacancies` (JSON) and `/v1/vacancies.geojson`."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app import cursors
from app.db import SessionDep
from app.dependencies import TodayDep
from app.errors import Problem
from app.geo import GEOJSON
from app.models.travel_speed import TravelMode
from app.search import geojson, isochrones, route, service
from app.search.joints import network_required
from app.search.params import (
    DEFAULT_PAGE_LIMIT,
    GEOJSON_DEFAULT_LIMIT,
    GEOJSON_MAX_LIMIT,
    MAX_PAGE_LIMIT,
    SearchParams,
    parse_minutes,
    parse_near,
    search_params,
)
from app.search.schemas import SearchPage

router = APIRouter(tags=["search"])
Params = Annotated[SearchParams, Depends(search_params)]
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid parameter; `errors` names it."}
}


@router.get(
    "/vacancies",
    response_model=SearchPage,
    responses={
        **ERRORS,
        200: {"content": {GEOJSON: {}}},
        409: {
            "model": Problem,
            "description": "`travel_mode` while no street network is loaded (`jobmap osm load`).",
        },
    },
    summary="Search open vacancies (JSON, or GeoJSON with Accept: application/geo+json)",
)
async def search_vacancies(
    request: Request,
    session: SessionDep,
    params: Params,
    today: TodayDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
    cursor: Annotated[str | None, Query(max_length=cursors.MAX_CURSOR_LENGTH)] = None,
    facets: Annotated[bool, Query(description="Add counts by group.")] = False,
    count: Annotated[
        Literal["none", "exact"],
        Query(
            description="`exact`: count the results on the first page (`total`, exact up to "
            "1,000, beyond it `total_exact` false). Counting costs more than the page itself "
            "near a point, so it is done only on request."
        ),
    ] = "none",
) -> Response:
    """Open, unexpired vacancies of verified employers, one result per matching work site.
    Around a point (`near`, `radius_m`), in a viewport (`bbox`) or a commune (`area`), with
    free text `q` ("ke toan" finds "Kế toán") and filters. Page with `cursor`."""
    if GEOJSON in request.headers.get("accept", ""):
        return await search_vacancies_geojson(session, params, today, limit=limit)
    page = await service.search(
        session,
        params,
        today,
        limit=limit,
        cursor=cursor,
        count_exact=count == "exact",
        facets=facets,
    )
    return Response(page.model_dump_json().encode(), media_type="application/json")


@router.get(
    "/vacancies.geojson",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {GEOJSON: {}}, "description": "FeatureCollection"}},
    summary="Search results as GeoJSON work-site points",
)
async def search_vacancies_geojson(
    session: SessionDep,
    params: Params,
    today: TodayDep,
    limit: Annotated[int, Query(ge=1, le=GEOJSON_MAX_LIMIT)] = GEOJSON_DEFAULT_LIMIT,
) -> Response:
    """The same search as points for a map: light properties, `numberMatched` (exact up to
    1,000; beyond it `numberMatchedAtLeast`) and `numberReturned`. In a viewport without
    `sort`, the sites nearest its centre come first."""
    body = await geojson.feature_collection(session, params, today, limit=limit)
    return Response(body, media_type=GEOJSON)


@router.get(
    "/isochrones",
    responses={
        200: {"content": {GEOJSON: {}}, "description": "FeatureCollection"},
        409: {"model": Problem, "description": "No street network is loaded."},
        422: {"model": Problem, "description": "Invalid parameter; `errors` names it."},
    },
    summary="Areas reachable from a point within each time, as GeoJSON polygons",
)
async def isochrones_geojson(
    session: SessionDep,
    near: Annotated[str, Query(description="`lon,lat`: the start.", examples=["105.9723,10.2537"])],
    travel_mode: Annotated[TravelMode, Query()],
    minutes: Annotated[
        str,
        Query(description="Comma-separated minutes, 1 to 120, at most 6.", examples=["10,20,30"]),
    ],
) -> Response:
    """One polygon per time: the cells the roads wholly reached within it pass through,
    widened by half a cell (it follows the streets and does not bridge rivers), drawn for a
    map: cells of 50 m up to 20 minutes, larger after (112.5 m at 45), holes under 0.1 km²
    filled, the outline simplified to a quarter of a cell. `geometry` is null when `near` is
    farther than 500 m from every road the mode may use. 409 without a street network."""
    point = parse_near(near)
    with network_required():
        body = await isochrones.isochrones(
            session, travel_mode, point.lon, point.lat, parse_minutes(minutes)
        )
    return Response(json.dumps(body).encode(), media_type=GEOJSON)


@router.get(
    "/vacancies/{vacancy_id}/route",
    responses={
        200: {
            "content": {
                GEOJSON: {
                    "example": {
                        "type": "Feature",
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[105.9723, 10.2537], [105.9751, 10.2544]],
                        },
                        "properties": {
                            "vacancy_id": "0b7f2c4e-8d1a-4a5e-9c1e-3f4b5a6c7d8e",
                            "site_id": 42,
                            "travel_mode": "motorbike",
                            "travel_s": 61.5,
                            "travel_m": 318.2,
                            "reason": None,
                        },
                    }
                }
            },
            "description": "A GeoJSON Feature: the route's line, or null geometry and a reason.",
        },
        404: {"model": Problem, "description": "No listed vacancy, or no such site of it."},
        409: {"model": Problem, "description": "No street network is loaded."},
        422: {"model": Problem, "description": "Invalid parameter; `errors` names it."},
    },
    summary="The route from a point to a vacancy's work site, with its time and length",
)
async def vacancy_route(
    session: SessionDep,
    vacancy_id: uuid.UUID,
    near: Annotated[str, Query(description="`lon,lat`: the start.", examples=["105.9723,10.2537"])],
    travel_mode: Annotated[TravelMode, Query()] = TravelMode.motorbike,
    site: Annotated[
        int | None,
        Query(
            ge=1,
            description="The site's id (`site.id` of a search result); default: the "
            "vacancy's listed site nearest `near` in a straight line.",
        ),
    ] = None,
) -> Response:
    """The fastest route along the street network by `travel_mode`, as the travel-time search
    counts it: the walk from `near` to its nearest usable road and from the site's road to the
    site included (at 5 km/h), one-way streets and ferries' waits respected. `travel_s` is the
    same the search gives that site. `geometry` is null when there is no route, with `reason`:
    `start_off_network` or `site_off_network` (more than 500 m from every road the mode may
    use), or `no_route`. 409 without a street network."""
    point = parse_near(near)
    with network_required():
        to = await route.target(session, vacancy_id, site, point)
        found = await route.route(session, travel_mode, point, to)
    feature = {
        "type": "Feature",
        "geometry": found["geometry"],
        "properties": {
            "vacancy_id": str(vacancy_id),
            "site_id": to.site_id,
            "travel_mode": travel_mode.value,
            "travel_s": found["travel_s"],
            "travel_m": found["travel_m"],
            "reason": found["reason"],
        },
    }
    return Response(json.dumps(feature).encode(), media_type=GEOJSON)
