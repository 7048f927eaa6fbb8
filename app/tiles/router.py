"""HTTP routes for map clients: `/v1/tiles/vacancies/{z}/{x}/{y}.mvt` and its TileJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.db import SessionDep
from app.dependencies import SettingsDep, TodayDep
from app.errors import Problem
from app.geo import GEOJSON
from app.models import EmploymentType
from app.search.params import (
    MAX_Q_LENGTH,
    OCCUPATION_DOC,
    SearchParams,
    parse_bbox,
    search_params,
)
from app.tiles import grid, service
from app.tiles.cache import MapState, MapStateReader, TileCache, map_state
from app.tiles.responses import MVT, kept_response

router = APIRouter(tags=["tiles"])
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid tile or filter; `errors` names it."}
}


async def tile_filters(
    q: Annotated[
        str | None,
        # The search's own bound: search_params is called here, not declared as the query.
        Query(
            max_length=MAX_Q_LENGTH,
            description="Free text, with or without diacritics ('ke toan').",
        ),
    ] = None,
    occupation: Annotated[
        list[str] | None,
        Query(description="ISCO-08 code or prefix; repeatable.", json_schema_extra=OCCUPATION_DOC),
    ] = None,
    employment_type: Annotated[list[EmploymentType] | None, Query()] = None,
    salary_min: Annotated[
        int | None, Query(ge=0, le=10**10, description="Monthly VND the job pays at least.")
    ] = None,
    include_unspecified: Annotated[bool, Query()] = False,
    posted_within_days: Annotated[int | None, Query(ge=1, le=365)] = None,
) -> SearchParams:
    """The search filters a map layer can take (the tile itself is the place)."""
    return await search_params(
        q=q,
        occupation=occupation,
        employment_type=employment_type,
        salary_min=salary_min,
        include_unspecified=include_unspecified,
        posted_within_days=posted_within_days,
    )


Filters = Annotated[SearchParams, Depends(tile_filters)]


async def current_map_state(request: Request, session: SessionDep) -> MapState:
    """Read before the tile is drawn (see app/tiles/cache.py); shared by concurrent requests.
    Behind a transaction pooler, read in the request's own transaction instead: the key check
    may already hold a server connection, and waiting for a second one from a pool that such
    requests fill would never end. With replicas too: the state must come from the server the
    tile is drawn on, the session's."""
    settings = request.app.state.settings
    if settings.db_transaction_pooler or settings.database_replica_urls:
        return await map_state(session)
    reader: MapStateReader = request.app.state.map_states
    return await reader.current()


MapStateDep = Annotated[MapState, Depends(current_map_state)]


@router.get(
    "/tiles/vacancies/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        **ERRORS,
        200: {"content": {MVT: {}}, "description": "Mapbox Vector Tile, layer `vacancies`"},
        204: {"description": "No matching work site in this tile."},
        304: {"description": "Unchanged since the ETag sent in If-None-Match."},
    },
    summary="Open vacancies as a vector tile (sites, or clusters when zoomed out)",
)
async def vacancy_tile(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    filters: Filters,
    state: MapStateDep,
    z: Annotated[int, Path(description="Zoom, 0 to 22.", examples=[12])],
    x: Annotated[int, Path(description="Column from the west, 0 to 2^z - 1.", examples=[3253])],
    y: Annotated[int, Path(description="Row from the north, 0 to 2^z - 1.", examples=[1930])],
) -> Response:
    """Layer `vacancies`. From zoom `APP_TILE_SITES_FROM_ZOOM` (default 16) one point per
    matching work site: `id`, `vacancy_id`, `title`, `employer`, `positions` (at the site),
    `salary_min`/`salary_max` (monthly VND), `occupation_group`. Below it, clusters:
    `count` (matching sites, each one vacancy at one place), `positions`, `expansion_zoom`
    (zoom in to there to see them apart), placed at the mean of their sites; a cluster of one
    site also has its `occupation_group`. Every matching
    site in the tile is counted: nothing is cut off. Each worker keeps tiles in memory
    (`APP_TILE_CACHE_MB`) while nothing they show can have changed (`X-Tile-Cache`)."""
    tiles: TileCache = request.app.state.tile_cache
    kept, hit = await service.tile(
        session,
        tiles,
        state,
        filters,
        grid.Tile.checked(z, x, y),
        today,
        sites_from_zoom=settings.tile_sites_from_zoom,
    )
    return kept_response(kept, request.headers.get("if-none-match"), hit=hit)


@router.get(
    "/vacancies/clusters",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {GEOJSON: {}}, "description": "FeatureCollection"}},
    summary="Clusters of open vacancies as GeoJSON (for maps without vector tiles)",
)
async def vacancy_clusters(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    filters: Filters,
    bbox: Annotated[
        str,
        Query(
            description="`minLon,minLat,maxLon,maxLat`: the map's view.",
            examples=["105.9,10.2,106.0,10.3"],
        ),
    ],
    zoom: Annotated[int, Query(ge=0, le=grid.MAX_ZOOM, description="The map's zoom.")],
) -> Response:
    """The clusters the vector tiles of `zoom` hold for the cells the box touches (same
    cells, counts and places): Point features with `count`, `positions`,
    `expansion_zoom` and `occupation_group` (a single site's, else null); `sites` is the sum
    of the counts. From `APP_TILE_SITES_FROM_ZOOM`
    (16) on there are no clusters: ask `/v1/vacancies.geojson` for the sites."""
    body = await service.clusters(
        session,
        filters,
        parse_bbox(bbox),
        zoom,
        today,
        sites_from_zoom=settings.tile_sites_from_zoom,
    )
    return Response(body, media_type=GEOJSON)


@router.get(
    "/tiles/vacancies.json",
    responses=ERRORS,
    summary="TileJSON 3.0 for the vacancy tiles (MapLibre: add the source by this URL)",
)
async def vacancy_tilejson(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, _: Filters
) -> dict[str, Any]:
    """The filters given here are carried into the tile URL."""
    query = f"?{request.url.query}" if request.url.query else ""
    url = f"{str(request.base_url).rstrip('/')}/v1/tiles/vacancies/{{z}}/{{x}}/{{y}}.mvt{query}"
    return await service.tilejson(
        session, url, today, sites_from_zoom=settings.tile_sites_from_zoom
    )
