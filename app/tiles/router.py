"""HTTP routes for map clients: `/v1/tiles/vacancies/{z}/{x}/{y}.mvt` and its TileJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.areas import queries as area_queries
from app.areas.router import GEOJSON
from app.db import SessionDep
from app.dependencies import SettingsDep, TodayDep
from app.errors import FieldError, InvalidInputError, Problem
from app.models import Area, EmploymentType
from app.search.params import (
    MAX_Q_LENGTH,
    OCCUPATION_DOC,
    SearchParams,
    parse_bbox,
    search_params,
)
from app.tiles import grid, repository
from app.tiles.cache import MapState, MapStateReader, TileCache, tile_key
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


async def current_map_state(request: Request) -> MapState:
    """Read before the tile is drawn (see app/tiles/cache.py); shared by concurrent requests."""
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
    (zoom in to there to see them apart), placed at the mean of their sites. Every matching
    site in the tile is counted: nothing is cut off. Each worker keeps tiles in memory
    (`APP_TILE_CACHE_MB`) while nothing they show can have changed (`X-Tile-Cache`)."""
    tile = grid.Tile.checked(z, x, y)
    tiles: TileCache = request.app.state.tile_cache
    key = tile_key(tile, filters.fingerprint(), settings.tile_sites_from_zoom)
    kept = tiles.get(key, state)
    if kept is not None:
        return kept_response(kept, request.headers.get("if-none-match"), hit=True)
    body = await repository.tile_bytes(
        session, filters, tile, today, sites_from_zoom=settings.tile_sites_from_zoom
    )
    kept = tiles.keep(key, state, body)
    return kept_response(kept, request.headers.get("if-none-match"), hit=False)


# TileJSON bounds when no communes are loaded: all of the Web Mercator square.
WEB_MERCATOR_WORLD = [-180.0, -85.0511, 180.0, 85.0511]

# A Leaflet map of a phone or desktop screen spans a few tiles: 16 tiles' cells is plenty.
MAX_CLUSTER_CELLS = 16 * grid.CELLS_PER_TILE**2


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
    cells, counts and places): Point features with `count`, `positions` and
    `expansion_zoom`; `sites` is the sum of the counts. From `APP_TILE_SITES_FROM_ZOOM`
    (16) on there are no clusters: ask `/v1/vacancies.geojson` for the sites."""
    box = parse_bbox(bbox)
    if zoom >= settings.tile_sites_from_zoom:
        raise InvalidInputError(
            f"Clusters stop at zoom {settings.tile_sites_from_zoom - 1}; from there, ask "
            "/v1/vacancies.geojson for the sites.",
            errors=[FieldError(field="query.zoom", message="too deep for clusters", type="zoom")],
        )
    window = grid.CellWindow.of_box(zoom, box.min_lon, box.min_lat, box.max_lon, box.max_lat)
    if window.count > MAX_CLUSTER_CELLS:
        raise InvalidInputError(
            f"The box covers {window.count:,} cells at zoom {zoom}, over {MAX_CLUSTER_CELLS:,}:"
            " zoom out or narrow it.",
            errors=[FieldError(field="query.bbox", message="too large", type="too_large")],
        )
    body = await repository.clusters_geojson(
        session, filters, window, today, sites_from_zoom=settings.tile_sites_from_zoom
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
    current_communes = (Area.level == "commune", area_queries.valid_at(today))
    bounds = await area_queries.bounds(session, *current_communes) or WEB_MERCATOR_WORLD
    centre = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 9]
    fields = {
        "id": "Number: work site (at high zoom)",
        "vacancy_id": "String: the vacancy, /v1/vacancies/{vacancy_id}",
        "title": "String",
        "employer": "String",
        "positions": "Number: positions at the site, or in the cluster",
        "salary_min": "Number: monthly VND",
        "salary_max": "Number: monthly VND",
        "occupation_group": "String: ISCO-08 major group",
        "count": "Number: matching sites in the cluster (at low zoom)",
        "expansion_zoom": "Number: the zoom at which the cluster parts",
    }
    return {
        "tilejson": "3.0.0",
        "name": "Vĩnh Long job map: open vacancies",
        "tiles": [url],
        "minzoom": 0,
        "maxzoom": grid.MAX_ZOOM,
        "bounds": bounds,
        "center": centre,
        "vector_layers": [
            {"id": repository.LAYER, "fields": fields, "minzoom": 0, "maxzoom": grid.MAX_ZOOM}
        ],
        "attribution": "Vacancies posted by employers on the Vĩnh Long job exchange",
        "x-sites-from-zoom": settings.tile_sites_from_zoom,
    }
