"""Vector tiles built by PostgreSQL (ST_AsMVT): the search's filters, the tile's sites.

From `sites_from_zoom` on, one feature per matching work site. Below it, the sites are
grouped into cells of CELL_PX tile pixels and each cell is one cluster feature, placed at the
mean position of its sites, so every matching site in the tile is counted (nothing is cut at
N features). A site belongs to one tile only: tiles include their west and north edges and
leave the east and south ones to their neighbours.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Text, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vacancy, VacancySite
from app.search import repository as search
from app.search.aliases import employer, site
from app.search.params import SearchParams
from app.tiles.grid import EXTENT, ORIGIN_SHIFT, Tile

LAYER = "vacancies"
CELL_PX = 64  # cluster cell: 64 of the tile's 4096 units, a 64 x 64 grid per tile


def _mercator_x() -> ColumnElement[Any]:
    return func.ST_X(site.geom) * (ORIGIN_SHIFT / 180.0)


def _mercator_y() -> ColumnElement[Any]:
    # y = R ln(tan(pi/4 + lat/2)), with R = ORIGIN_SHIFT / pi: the EPSG:3857 formula, without
    # a coordinate transform per site.
    half_lat = func.radians(func.ST_Y(site.geom)) / 2
    return func.ln(func.tan(math.pi / 4 + half_lat)) * (ORIGIN_SHIFT / math.pi)


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
    where = [*built.where, *_in_tile(tile)]
    if tile.z >= sites_from_zoom:
        statement = _sites(built, tile, where)
    else:
        statement = _clusters(built, tile, where, sites_from_zoom)
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


def _sites(built: search.Built, tile: Tile, where: list[ColumnElement[bool]]) -> Any:
    px, py = _pixels(tile, _mercator_x(), _mercator_y())
    hits = search.matching_sites(
        built,
        site.id.label("id"),
        func.floor(px).label("px"),
        func.floor(py).label("py"),
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


def _clusters(
    built: search.Built, tile: Tile, where: list[ColumnElement[bool]], sites_from_zoom: int
) -> Any:
    min_x, _, _, max_y = tile.mercator_bounds
    cell_m = tile.size_m * CELL_PX / EXTENT
    located = search.matching_sites(
        built,
        site.positions.label("positions"),
        _mercator_x().label("mx"),
        _mercator_y().label("my"),
        where=where,
    ).subquery("located")
    mx, my = located.c.mx, located.c.my
    cells = (
        select(
            func.count().label("count"),
            func.sum(located.c.positions).label("positions"),
            func.avg(mx).label("mx"),
            func.avg(my).label("my"),
            func.greatest(func.max(mx) - func.min(mx), func.max(my) - func.min(my)).label("span"),
        )
        .group_by(func.floor((mx - min_x) / cell_m), func.floor((max_y - my) / cell_m))
        .subquery("cells")
    )
    px, py = _pixels(tile, cells.c.mx, cells.c.my)
    rows = select(
        func.ST_MakePoint(func.floor(px), func.floor(py)).label("geom"),
        cast(cells.c.count, Integer).label("count"),
        cast(cells.c.positions, Integer).label("positions"),
        _expansion_zoom(cells.c.span, tile.z, sites_from_zoom).label("expansion_zoom"),
    )
    return _as_mvt(rows)


def _expansion_zoom(span: Any, z: int, sites_from_zoom: int) -> ColumnElement[Any]:
    """The first zoom at which a cluster's sites no longer share one cell (its spread in
    metres exceeds a cell), at most the zoom where single sites show; sites at one point
    (no spread) only part there."""
    # A cell at zoom z' is 2 * ORIGIN_SHIFT / 2^z' * CELL_PX / EXTENT metres wide.
    cells_per_world = 2 * ORIGIN_SHIFT * CELL_PX / EXTENT
    parts_at = func.floor(func.ln(cells_per_world / func.nullif(span, 0)) / math.log(2)) + 1
    zoom = func.least(sites_from_zoom, func.greatest(z + 1, func.coalesce(parts_at, 99)))
    return cast(zoom, Integer)
