"""Vector tiles built by PostgreSQL (ST_AsMVT): the search's filters, the tile's sites.

From `sites_from_zoom` on, one feature per matching work site. Below it, the sites are
grouped into cells of CLUSTER_PX tile units and each cell is one cluster feature, placed at
the mean position of its sites moved into its cell by its radius (cells.clusters), so every
matching site in the tile is counted (nothing is cut at N features) and no two symbols
overlap. A site belongs to one tile only: tiles include their west and north edges and leave
the east and south ones to their neighbours (clusters: the cell of a site decides).

Clusters without filters come from counts kept per cell (`site_cell`, migration 0010); with
filters they are counted from the matching sites. Both give the same tile.
"""

from __future__ import annotations

import functools
import math
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Numeric,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vacancy, VacancySite
from app.search import queries as search
from app.search.params import SearchParams
from app.search.queries import employer, site
from app.tiles import cells, grid
from app.tiles.grid import EXTENT, ORIGIN_SHIFT, CellWindow, Tile

LAYER = "vacancies"


def _in_tile(tile: Tile) -> list[ColumnElement[bool]]:
    """The tile's sites: its box through the index, then its west and north edges in and its
    east and south edges out, so a site on an edge is in one tile only."""
    west, south, east, north = tile.lonlat_bounds
    lon, lat = func.ST_X(site.geom), func.ST_Y(site.geom)
    envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
    return [site.geom.op("&&")(envelope), lon >= west, lon < east, lat > south, lat <= north]


async def tile_bytes(
    session: AsyncSession, params: SearchParams, tile: Tile, today: date, *, sites_from_zoom: int
) -> bytes:
    """The tile as MVT bytes; empty when no matching site is in it."""
    plain = plain_tile(tile, sites_from_zoom) if cells.unfiltered(params) else None
    if plain is not None:
        statement, values = plain
    elif tile.z >= sites_from_zoom:
        built = await search.matches(session, params, today)
        statement, values = _sites(built, tile), built.values | _tile_values(tile)
    else:
        window = CellWindow.of_tile(tile)
        built = await search.matches(session, params, today)
        statement = _as_mvt(_clusters(cells.clusters(cells.matching(built, window))))
        values = cells.cluster_values(tile.z, sites_from_zoom) | _tile_values(tile) | built.values
    body = await session.scalar(statement, values)
    return bytes(body or b"")


def plain_tile(tile: Tile, sites_from_zoom: int) -> tuple[Select[Any], dict[str, Any]] | None:
    """The statement and values of a tile without filters drawn from the kept cells (None
    from sites_from_zoom, or below the kept zooms' reach): the same statement for all."""
    window = CellWindow.of_tile(tile)
    if tile.z >= sites_from_zoom or window.zoom > cells.LAST_KEPT_ZOOM:
        return None
    values = cells.cluster_values(tile.z, sites_from_zoom) | _tile_values(tile)
    return _kept_tile(), values | cells.kept_values(window)


@functools.cache
def _kept_tile() -> Any:
    """The statement of every tile of clusters without filters, built once."""
    return _as_mvt(_clusters(cells.clusters(cells.kept())))


def _tile_values(tile: Tile) -> dict[str, float]:
    min_x, _, _, max_y = tile.mercator_bounds
    return {"tile_min_x": min_x, "tile_max_y": max_y, "tile_scale": EXTENT / tile.size_m}


def _pixels(x: ColumnElement[Any], y: ColumnElement[Any]) -> tuple[Any, Any]:
    """Mercator metres to tile units (y down, as MVT draws); parameters: _tile_values()."""
    min_x, max_y = bindparam("tile_min_x", type_=Float), bindparam("tile_max_y", type_=Float)
    scale = bindparam("tile_scale", type_=Float)
    return (x - min_x) * scale, (max_y - y) * scale


def _as_mvt(rows: Any) -> Any:
    layer = rows.subquery("features")
    return select(func.ST_AsMVT(layer.table_valued(), literal(LAYER), EXTENT, literal("geom")))


def _sites(built: search.Matches, tile: Tile) -> Any:
    px, py = _pixels(func.jobmap_mercator_x(site.geom), func.jobmap_mercator_y(site.geom))
    where = [*built.where, *_in_tile(tile)]
    hits = search.sites_matching(
        built,
        site.id.label("id"),
        _unit(px).label("px"),
        _unit(py).label("py"),
        where=where,
    ).subquery("hits")
    rows = (
        select(
            func.ST_MakePoint(hits.c.px, hits.c.py).label("geom"),
            hits.c.id.label("id"),
            cast(Vacancy.id, Text).label("vacancy_id"),
            Vacancy.title.label("title"),
            employer.name.label("employer"),
            VacancySite.positions.label("positions"),
            VacancySite.salary_monthly_min.label("salary_min"),
            VacancySite.salary_monthly_max.label("salary_max"),
            func.left(VacancySite.occupation_code, 1).label("occupation_group"),
        )
        .select_from(hits)
        .join(VacancySite, VacancySite.id == hits.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
    )
    return _as_mvt(rows)


def _clusters(clusters: Any) -> Any:
    """Cluster features, in tile units."""
    px, py = _pixels(clusters.c.mx, clusters.c.my)
    return select(
        func.ST_MakePoint(_unit(px), _unit(py)).label("geom"),
        clusters.c.count,
        clusters.c.positions,
        clusters.c.radius,
        clusters.c.label,
        clusters.c.expansion_zoom,
        clusters.c.occupation_group,
    )


def _unit(value: Any) -> ColumnElement[Any]:
    """A tile unit, 0 to EXTENT - 1 (a mean of sites in the tile is in it; rounding aside)."""
    return func.least(func.greatest(func.floor(value), 0), EXTENT - 1)


async def clusters_geojson(
    session: AsyncSession,
    params: SearchParams,
    window: CellWindow,
    today: date,
    *,
    sites_from_zoom: int,
) -> bytes:
    """The clusters of a block of cells as a GeoJSON FeatureCollection (built by PostgreSQL):
    the same cells, counts and positions as the tiles of that zoom."""
    tile_zoom = window.zoom + grid.CLUSTER_ZOOMS_UP
    built = await search.matches(session, params, today)
    values = built.values | cells.cluster_values(tile_zoom, sites_from_zoom)
    if cells.unfiltered(params) and window.zoom <= cells.LAST_KEPT_ZOOM:
        counted = cells.kept()
        values |= cells.kept_values(window)
    else:
        counted = cells.matching(built, window)
    found = cells.clusters(counted)
    lon = found.c.mx / ORIGIN_SHIFT * 180.0
    lat = func.degrees(2 * func.atan(func.exp(found.c.my / ORIGIN_SHIFT * math.pi)) - math.pi / 2)
    point = func.json_build_array(
        func.round(cast(lon, Numeric), 6), func.round(cast(lat, Numeric), 6)
    )
    feature = func.json_build_object(
        "type", "Feature",
        "geometry", func.json_build_object("type", "Point", "coordinates", point),
        "properties", func.json_build_object(
            "count", found.c.count,
            "positions", found.c.positions,
            "radius", found.c.radius,
            "label", found.c.label,
            "expansion_zoom", found.c.expansion_zoom,
            "occupation_group", found.c.occupation_group,
        ),
    )  # fmt: skip
    collection = func.json_build_object(
        "type", "FeatureCollection",
        "zoom", tile_zoom,
        "numberReturned", func.count(),
        "sites", func.coalesce(func.sum(found.c.count), 0),
        "features", func.coalesce(func.json_agg(feature), literal_column("'[]'::json")),
    )  # fmt: skip
    body = await session.scalar(select(cast(collection, Text)), values)
    return str(body).encode()
