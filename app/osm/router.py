"""HTTP routes of the street basemap: `/v1/tiles/basemap/{z}/{x}/{y}.mvt` and its TileJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from app import http_cache
from app.db import SessionDep
from app.dependencies import TodayDep
from app.errors import Problem
from app.osm import basemap
from app.tiles.grid import Tile
from app.tiles.responses import MVT

# Cache-Control: app/http_cache.py. The tiles change only when a network is loaded; a 304 is
# answered without drawing the tile.
router = APIRouter(tags=["tiles"])


@router.get(
    "/tiles/basemap/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "Mapbox Vector Tile"},
        204: {"description": "Nothing in this tile, or no street network is loaded."},
        304: {"description": "Unchanged since the ETag sent in If-None-Match."},
        422: {"model": Problem, "description": "A tile outside the grid; `errors` names it."},
    },
    summary="Streets, water, land use and place names (OpenStreetMap) as a vector tile",
)
async def basemap_tile(
    request: Request,
    session: SessionDep,
    z: Annotated[int, Path(description="Zoom, 0 to 22.", examples=[14])],
    x: Annotated[int, Path(description="Column from the west, 0 to 2^z - 1.", examples=[13014])],
    y: Annotated[int, Path(description="Row from the north, 0 to 2^z - 1.", examples=[7721])],
) -> Response:
    """Layers `water` (`kind`, `name`), `landuse` (`kind`: industrial, marketplace; from z12),
    `roads` (`class`, `name`, `ref`, `oneway`, `bridge`, `tunnel`: trunk roads below z9,
    then primary roads and ferries, secondary from z11, tertiary from z13, every street from
    z14) and `places` (`kind`, `name`: towns and up when zoomed out, villages from z11,
    hamlets from z13). Names as tagged, in Vietnamese. Data © OpenStreetMap contributors
    (ODbL): a map that draws it must say so. 204 while no network is loaded."""
    drawn = await basemap.tile(session, Tile.checked(z, x, y), request.headers.get("if-none-match"))
    if drawn.etag is None:  # no network yet: not kept for long, one may be loaded soon
        http_cache.use_policy(request, http_cache.MAP)
        return Response(status_code=204)
    headers = {"ETag": drawn.etag}
    if drawn.body is None:
        return Response(status_code=304, headers=headers)
    if not drawn.body:
        return Response(status_code=204, headers=headers)
    return Response(drawn.body, media_type=MVT, headers=headers)


@router.get(
    "/tiles/basemap.json",
    summary="TileJSON 3.0 for the street basemap (MapLibre: add the source by this URL)",
)
async def basemap_tilejson(
    request: Request, session: SessionDep, today: TodayDep
) -> dict[str, Any]:
    """`x-loaded` says whether a street network is loaded (without one, the tiles answer 204
    and the map keeps its administrative basemap). `attribution` is the credit the
    OpenStreetMap licence asks for."""
    url = f"{str(request.base_url).rstrip('/')}/v1/tiles/basemap/{{z}}/{{x}}/{{y}}.mvt"
    document = await basemap.tilejson(session, url, today)
    if not document["x-loaded"]:  # as the tiles: a network loaded soon shows soon
        http_cache.use_policy(request, http_cache.MAP)
    return document
