"""HTTP routes for job seekers: `/v1/vacancies` (JSON) and `/v1/vacancies.geojson`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app import cursors
from app.areas.router import GEOJSON
from app.db import SessionDep
from app.dependencies import TodayDep
from app.errors import Problem
from app.search import geojson, service
from app.search.params import SearchParams, search_params
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
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
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
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> Response:
    """The same search as points for a map: light properties, `numberMatched` (exact up to
    1,000; beyond it `numberMatchedAtLeast`) and `numberReturned`. In a viewport without
    `sort`, the sites nearest its centre come first."""
    body = await geojson.feature_collection(session, params, today, limit=limit)
    return Response(body, media_type=GEOJSON)
