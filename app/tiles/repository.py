"""Vector tiles built by PostgreSQL (ST_AsMVT): the search's filters, the tile's sites.

From `sites_from_zoom` on, one feature per matching work site. Below it, the sites are
grouped into cells of CELL_PX tile units and each cell is one cluster feature, placed at the
mean position of its sites, so every matching site in the tile is counted (nothing is cut at
N features). A site belongs to one tile only: tiles include their west and north edges and
leave the east and south ones to their neighbours (clusters: the cell of a site decides).

Clusters without filters come from counts kept per cell (`site_cell`, migration 0010); with
filters they are counted from the matching sites. Both give the same tile.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Text, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import SiteCell, Vacancy, VacancySite
from app.search import repository as search
from app.search.aliases import employer, site
from app.search.params import SearchParams
from app.tiles.grid import EXTENT, ORIGIN_SHIFT, Tile

LAYER = "vacancies"
CELL_PX = 64  # cluster cell: 64 of the tile's 4096 units, a 64 x 64 grid per tile
CELLS_PER_TILE = EXTENT // CELL_PX
# The zooms whose cells site_cell keeps (a cell of a lower zoom is a block of FIRST's).
FIRST_CELL_ZOOM, LAST_CELL_ZOOM = 8, 13


def _in_tile(tile: Tile) -> list[ColumnElement[bool]]:
    west, south, east, north = tile.lonlat_bounds
    lon, lat = func.ST_X(site.geom), func.ST_Y(site.geom)
    envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
    return [site.geom.op("&&")(envelope), lon >= west, lon < east, lat > south, lat <= north]


async def tile_bytes(
    session: AsyncSession, params: SearchParams, tile: Tile, today: date, *, sites_from_zoom: int
) -> bytes:
    """The tile as MVT bytes; empty when no matching site is in it."""
    built = await search.build(session, params, today)
    if tile.z >= sites_from_zoom:
        statement = _sites(built, tile)
    elif _unfiltered(params) and tile.z <= LAST_CELL_ZOOM:
        statement = _as_mvt(_clusters(tile, _stored_cells(tile), sites_from_zoom))
    else:
        cells = _matching_cells(built, tile)
        statement = _as_mvt(_clusters(tile, cells, sites_from_zoom))
    body = await session.scalar(statement, built.values)
    return bytes(body or b"")


def _pixels(tile: Tile, x: ColumnElement[Any], y: ColumnElement[Any]) -> tuple[Any, Any]:
    """Mercator metres to tile units (y down, as MVT draws)."""
    min_x, _, _, max_y = tile.mercator_bounds
    scale = EXTENT / tile.size_m
    return (x - min_x) * scale, (max_y - y) * scale


def _as_mvt(rows: Any) -> Any:
    layer = rows.subquery("features")
    return select(func.ST_AsMVT(layer.table_valued(), literal(LAYER), EXTENT, literal("geom")))


def _sites(built: search.Built, tile: Tile) -> Any:
    mx, my = func.jobmap_mercator_x(site.geom), func.jobmap_mercator_y(site.geom)
    px, py = _pixels(tile, mx, my)
    where = [*built.where, *_in_tile(tile)]
    hits = search.matching_sites(
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


def _unfiltered(params: SearchParams) -> bool:
    """No filter a tile takes (the place is the tile): every public site counts."""
    return (
        params.q is None
        and not params.occupation
        and not params.employment_type
        and params.salary_min is None
        and params.posted_within_days is None
    )


def _cell_range(tile: Tile, zoom: int) -> tuple[int, int, int, int]:
    """The tile's cells at `zoom` (>= tile.z): first and last x, first and last y."""
    side = CELLS_PER_TILE << (zoom - tile.z)
    return tile.x * side, (tile.x + 1) * side - 1, tile.y * side, (tile.y + 1) * side - 1


def _matching_cells(built: search.Built, tile: Tile) -> Any:
    """The tile's cells counted from the sites that match the filters."""
    cx, cy = func.jobmap_cell_x(site.geom, tile.z), func.jobmap_cell_y(site.geom, tile.z)
    first_x, last_x, first_y, last_y = _cell_range(tile, tile.z)
    west, south, east, north = tile.lonlat_bounds
    # The box finds candidates through the index (edges included); the cell decides.
    envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
    where = [*built.where, site.geom.op("&&")(envelope)]
    where += [cx.between(first_x, last_x), cy.between(first_y, last_y)]
    mx, my = func.jobmap_mercator_x(site.geom), func.jobmap_mercator_y(site.geom)
    located = search.matching_sites(
        built,
        cx.label("cx"),
        cy.label("cy"),
        site.positions.label("positions"),
        mx.label("mx"),
        my.label("my"),
        where=where,
    ).subquery("located")
    c = located.c
    return (
        select(
            c.cx,
            c.cy,
            func.count().label("sites"),
            func.sum(c.positions).label("positions"),
            func.sum(c.mx).label("sum_x"),
            func.sum(c.my).label("sum_y"),
            func.sum(c.mx * c.mx).label("sum_xx"),
            func.sum(c.my * c.my).label("sum_yy"),
        )
        .group_by(c.cx, c.cy)
        .subquery("cells")
    )


def _stored_cells(tile: Tile) -> Any:
    """The tile's cells from site_cell, less the sites still public after their expiry."""
    zoom = max(tile.z, FIRST_CELL_ZOOM)
    shift = zoom - tile.z  # a cluster cell is a 2^shift x 2^shift block of stored cells
    first_x, last_x, first_y, last_y = _cell_range(tile, zoom)
    stored = select(
        SiteCell.cx.op(">>")(shift).label("cx"),
        SiteCell.cy.op(">>")(shift).label("cy"),
        SiteCell.sites,
        SiteCell.positions,
        SiteCell.sum_x,
        SiteCell.sum_y,
        SiteCell.sum_xx,
        SiteCell.sum_yy,
    ).where(
        SiteCell.zoom == zoom,
        SiteCell.cx.between(first_x, last_x),
        SiteCell.cy.between(first_y, last_y),
        SiteCell.sites != 0,
    )
    cx, cy = func.jobmap_cell_x(site.geom, zoom), func.jobmap_cell_y(site.geom, zoom)
    mx, my = func.jobmap_mercator_x(site.geom), func.jobmap_mercator_y(site.geom)
    expired = select(
        cx.op(">>")(shift),
        cy.op(">>")(shift),
        literal(-1),
        -site.positions,
        -mx,
        -my,
        -(mx * mx),
        -(my * my),
    ).where(
        site.public,
        site.valid_through <= func.now(),
        cx.between(first_x, last_x),
        cy.between(first_y, last_y),
    )
    both = union_all(stored, expired).subquery("both")
    c = both.c
    return (
        select(
            c.cx,
            c.cy,
            func.sum(c.sites).label("sites"),
            func.sum(c.positions).label("positions"),
            func.sum(c.sum_x).label("sum_x"),
            func.sum(c.sum_y).label("sum_y"),
            func.sum(c.sum_xx).label("sum_xx"),
            func.sum(c.sum_yy).label("sum_yy"),
        )
        .group_by(c.cx, c.cy)
        .having(func.sum(c.sites) > 0)
        .subquery("cells")
    )


def _clusters(tile: Tile, cells: Any, sites_from_zoom: int) -> Any:
    """One feature per cell: at the mean of its sites, with count, positions, and the zoom
    at which its sites part."""
    n = cells.c.sites
    mean_x, mean_y = cells.c.sum_x / n, cells.c.sum_y / n
    variance = func.greatest(
        cells.c.sum_xx / n - mean_x * mean_x, cells.c.sum_yy / n - mean_y * mean_y, 0
    )
    px, py = _pixels(tile, mean_x, mean_y)
    return select(
        func.ST_MakePoint(_unit(px), _unit(py)).label("geom"),
        cast(n, Integer).label("count"),
        cast(cells.c.positions, Integer).label("positions"),
        _expansion_zoom(2 * func.sqrt(variance), tile.z, sites_from_zoom).label("expansion_zoom"),
    )


def _unit(value: Any) -> ColumnElement[Any]:
    """A tile unit, 0 to EXTENT - 1 (a mean of sites in the tile is in it; rounding aside)."""
    return func.least(func.greatest(func.floor(value), 0), EXTENT - 1)


def _expansion_zoom(spread: Any, z: int, sites_from_zoom: int) -> ColumnElement[Any]:
    """The first zoom at which a cell is narrower than the cluster's spread (twice the
    standard deviation of its sites' positions: two sites d apart spread d), so its sites
    part; at most the zoom where single sites show, where sites at one point part too."""
    # A cell at zoom z' is 2 * ORIGIN_SHIFT / 2^z' * CELL_PX / EXTENT metres wide.
    cells_per_world = 2 * ORIGIN_SHIFT * CELL_PX / EXTENT
    parts_at = func.floor(func.ln(cells_per_world / func.nullif(spread, 0)) / math.log(2)) + 1
    zoom = func.least(sites_from_zoom, func.greatest(z + 1, func.coalesce(parts_at, 99)))
    return cast(zoom, Integer)
