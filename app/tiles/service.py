"""What the map asks of the tiles, apart from HTTP: a vector tile (kept while nothing it shows
can have changed), the clusters of a view as GeoJSON, and the TileJSON describing the layer."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import queries as area_queries
from app.errors import FieldError, InvalidInputError
from app.models import Area
from app.search.params import BBox, SearchParams
from app.tiles import grid, repository
from app.tiles.cache import KeptTile, MapState, TileCache, tile_key

# TileJSON bounds when no communes are loaded: all of the Web Mercator square.
WEB_MERCATOR_WORLD = [-180.0, -85.0511, 180.0, 85.0511]

# A Leaflet map of a phone or desktop screen spans a few tiles: 16 tiles' cells is plenty.
MAX_CLUSTER_CELLS = 16 * grid.CLUSTER_CELLS_PER_TILE**2

FIELDS = {
    "id": "Number: work site (at high zoom)",
    "vacancy_id": "String: the vacancy, /v1/vacancies/{vacancy_id}",
    "title": "String",
    "employer": "String",
    "positions": "Number: positions at the site, or in the cluster",
    "salary_min": "Number: monthly VND",
    "salary_max": "Number: monthly VND",
    "occupation_group": "String: ISCO-08 major group",
    "count": "Number: matching sites in the cluster (at low zoom)",
    "radius": "Number: the cluster's drawn radius in pixels, border included (no two overlap)",
    "label": "String: the count as drawn, Vietnamese style (999, 1,2 N, 12 N, 1,2 Tr)",
    "expansion_zoom": "Number: the zoom at which the cluster parts",
}


async def tile(
    session: AsyncSession,
    tiles: TileCache,
    state: MapState,
    filters: SearchParams,
    at: grid.Tile,
    today: date,
    *,
    sites_from_zoom: int,
) -> tuple[KeptTile, bool]:
    """The tile, and whether it was kept already (else it is drawn and kept)."""
    key = tile_key(at, filters.fingerprint(), sites_from_zoom)
    kept = tiles.get(key, state)
    if kept is not None:
        return kept, True
    body = await repository.tile_bytes(session, filters, at, today, sites_from_zoom=sites_from_zoom)
    return tiles.keep(key, state, body), False


async def clusters(
    session: AsyncSession,
    filters: SearchParams,
    box: BBox,
    zoom: int,
    today: date,
    *,
    sites_from_zoom: int,
) -> bytes:
    """The clusters the tiles of `zoom` hold for the cells the box touches, as GeoJSON."""
    if zoom >= sites_from_zoom:
        raise InvalidInputError(
            f"Clusters stop at zoom {sites_from_zoom - 1}; from there, ask "
            "/v1/vacancies.geojson for the sites.",
            errors=[FieldError(field="query.zoom", message="too deep for clusters", type="zoom")],
        )
    window = grid.CellWindow.of_box(
        grid.cluster_grid_zoom(zoom), box.min_lon, box.min_lat, box.max_lon, box.max_lat
    )
    if window.count > MAX_CLUSTER_CELLS:
        raise InvalidInputError(
            f"The box covers {window.count:,} cells at zoom {zoom}, over {MAX_CLUSTER_CELLS:,}:"
            " zoom out or narrow it.",
            errors=[FieldError(field="query.bbox", message="too large", type="too_large")],
        )
    return await repository.clusters_geojson(
        session, filters, window, today, sites_from_zoom=sites_from_zoom
    )


async def tilejson(
    session: AsyncSession, tiles_url: str, today: date, *, sites_from_zoom: int
) -> dict[str, Any]:
    """TileJSON 3.0 for the layer, its bounds those of today's communes."""
    current_communes = (Area.level == "commune", area_queries.valid_at(today))
    bounds = await area_queries.bounds(session, *current_communes) or WEB_MERCATOR_WORLD
    centre = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 9]
    return {
        "tilejson": "3.0.0",
        "name": "Vĩnh Long job map: open vacancies",
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": grid.MAX_ZOOM,
        "bounds": bounds,
        "center": centre,
        "vector_layers": [
            {"id": repository.LAYER, "fields": FIELDS, "minzoom": 0, "maxzoom": grid.MAX_ZOOM}
        ],
        "attribution": "Vacancies posted by employers on the Vĩnh Long job exchange",
        "x-sites-from-zoom": sites_from_zoom,
    }
