"""Cluster cells: a tile's clusters are its 8 x 8 cells of the grid three zooms up
(app/tiles/grid.py), counted from the sites that match a search, or read from `site_cell`, the
counts of public sites kept per cell by triggers (migration 0010) for grids 8 to 15. Both give
the same clusters.

Each cluster is drawn inside its own cell (`clusters`: the mean of its sites, moved in by at
most its radius), so no two cluster symbols overlap at any zoom, across tile edges too.

Expiry is not a write: the kept counts still hold sites past their valid_through until the
sweep closes them, so readers take those away (few: the sweep runs every few minutes)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from app.models import SiteCell
from app.search import queries as search
from app.search.params import SearchParams
from app.search.queries import site
from app.tiles.grid import (
    CLUSTER_PX,
    CLUSTER_SCREEN_PX,
    EXTENT,
    ORIGIN_SHIFT,
    CellWindow,
    cells_across,
    cluster_grid_zoom,
)

# The zooms whose cells site_cell keeps (a cell of a lower zoom is a block of the first's).
FIRST_KEPT_ZOOM, LAST_KEPT_ZOOM = 8, 15
# cell number >> 3 = block number: ix_site_cell_block finds cells by blocks of 8 x 8, the
# clusters of one tile from zoom 11 on (grid 8), whole blocks at lower zooms.
BLOCK_SHIFT = 3
BLOCK_SHIFT_SQL: ColumnElement[int] = literal_column(str(BLOCK_SHIFT))
NO_INDEX: ColumnElement[int] = literal_column("0")  # `column + 0`: a filter, never an index key


def unfiltered(params: SearchParams) -> bool:
    """No filter a tile takes (the place is the tile): every public site counts."""
    return (
        params.q is None
        and not params.occupation
        and not params.employment_type
        and params.salary_min is None
        and params.posted_within_days is None
    )


def matching(built: search.Matches, window: CellWindow) -> Any:
    """The window's cells counted from the sites that match the filters."""
    cx, cy = func.jobmap_cell_x(site.geom, window.zoom), func.jobmap_cell_y(site.geom, window.zoom)
    west, south, east, north = window.lonlat_bounds
    # The box finds candidates through the index (edges included); the cell decides.
    envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
    where = [*built.where, site.geom.op("&&")(envelope)]
    where += [cx.between(window.first_x, window.last_x), cy.between(window.first_y, window.last_y)]
    mx, my = func.jobmap_mercator_x(site.geom), func.jobmap_mercator_y(site.geom)
    located = search.sites_matching(
        built,
        cx.label("cx"),
        cy.label("cy"),
        site.positions.label("positions"),
        mx.label("mx"),
        my.label("my"),
        group_key(site.occupation_code).label("group_key"),
        where=where,
    ).subquery("located")
    c = located.c
    sums = (c.mx, c.my, c.mx * c.mx, c.my * c.my, c.group_key)
    return _per_cell(c, func.count(), c.positions, *sums).subquery("cells")


def group_key(occupation_code: Any) -> ColumnElement[int]:
    """What a site adds to its cell's `group_sum`: the code point of its occupation code's
    first character (its ISCO major group), 0 without one. Sums add and subtract exactly, as
    site_cell's triggers keep them (jobmap_site_cells.sql); a cell of one site holds its own."""
    return func.coalesce(func.ascii(occupation_code), 0)


def _int(name: str) -> Any:
    return bindparam(name, type_=Integer)


def _per_cell(c: Any, sites: Any, positions: Any, *sums: Any) -> Any:
    """Per cell (`c.cx`, `c.cy`): sites, positions, the sums of x, y, x² and y², and of the
    sites' group keys."""
    names = ("sum_x", "sum_y", "sum_xx", "sum_yy", "group_sum")
    return select(
        c.cx,
        c.cy,
        sites.label("sites"),
        func.sum(positions).label("positions"),
        *(func.sum(value).label(name) for value, name in zip(sums, names, strict=True)),
    ).group_by(c.cx, c.cy)


def kept() -> Any:
    """A window's cells from site_cell, less the sites still public after their expiry. Every
    value is a named parameter (kept_values()), so the statement is built once for all tiles:
    building it cost more than PostgreSQL spends answering it."""
    zoom, shift = _int("kept_zoom"), _int("kept_shift")
    first_x, last_x = _int("kept_first_x"), _int("kept_last_x")
    first_y, last_y = _int("kept_first_y"), _int("kept_last_y")
    stored = select(
        SiteCell.cx.op(">>")(shift).label("cx"),
        SiteCell.cy.op(">>")(shift).label("cy"),
        SiteCell.sites,
        SiteCell.positions,
        SiteCell.sum_x,
        SiteCell.sum_y,
        SiteCell.sum_xx,
        SiteCell.sum_yy,
        SiteCell.group_sum,
    ).where(
        SiteCell.zoom == zoom,
        # The blocks the window spans, for ix_site_cell_block (the shift a constant in the
        # SQL, as in the index, whatever plan is cached); then the exact cells.
        SiteCell.cx.op(">>")(BLOCK_SHIFT_SQL).between(
            _int("kept_first_block_x"), _int("kept_last_block_x")
        ),
        SiteCell.cy.op(">>")(BLOCK_SHIFT_SQL).between(
            _int("kept_first_block_y"), _int("kept_last_block_y")
        ),
        # The exact cells, written `cx + 0` so they filter but cannot drive the scan: as
        # conditions on the key (zoom, cx, cy) they let the planner read a whole column of
        # cells across the province instead, which it chose for some statistics (issue 22).
        (SiteCell.cx + NO_INDEX).between(first_x, last_x),
        (SiteCell.cy + NO_INDEX).between(first_y, last_y),
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
        -group_key(site.occupation_code),
    ).where(
        site.public,
        site.valid_through <= func.now(),
        cx.between(first_x, last_x),
        cy.between(first_y, last_y),
    )
    c = union_all(stored, expired).subquery("both").c
    sites = func.sum(c.sites)
    sums = (c.sum_x, c.sum_y, c.sum_xx, c.sum_yy, c.group_sum)
    per_cell = _per_cell(c, sites, c.positions, *sums)
    return per_cell.having(sites > 0).subquery("cells")


def kept_values(window: CellWindow) -> dict[str, int]:
    """The parameters of kept() for a window: its cells at the first kept zoom or deeper (a
    cluster cell of a lower zoom is a 2^shift x 2^shift block of kept cells)."""
    zoom = max(window.zoom, FIRST_KEPT_ZOOM)
    stored = window.at(zoom)
    return {
        "kept_zoom": zoom,
        "kept_shift": zoom - window.zoom,
        "kept_first_x": stored.first_x,
        "kept_last_x": stored.last_x,
        "kept_first_y": stored.first_y,
        "kept_last_y": stored.last_y,
        "kept_first_block_x": stored.first_x >> BLOCK_SHIFT,
        "kept_last_block_x": stored.last_x >> BLOCK_SHIFT,
        "kept_first_block_y": stored.first_y >> BLOCK_SHIFT,
        "kept_last_block_y": stored.last_y >> BLOCK_SHIFT,
    }


# Drawn radii in screen pixels, border included. A cluster cell is CLUSTER_SCREEN_PX wide and
# every symbol stays inside its own, so none can reach another.
SINGLE_RADIUS_PX = 9  # a single site: a pin, as the sites layer draws it
MAX_RADIUS_PX = CLUSTER_SCREEN_PX // 2 - 2


def radius_px(count: Any) -> ColumnElement[int]:
    """A cluster's drawn radius in whole pixels: 10 + floor(5 log10(count)) (2 sites: 11,
    1,000: 25), at most MAX_RADIUS_PX; a single site's pin SINGLE_RADIUS_PX."""
    grown = func.least(MAX_RADIUS_PX, 10 + func.floor(5 * func.log(cast(count, Float))))
    return cast(case((count == 1, SINGLE_RADIUS_PX), else_=grown), Integer)


def count_label(count: Any) -> ColumnElement[str]:
    """The count as a Vietnamese map label: 999, "1,2 N" (nghìn, thousands, one decimal cut,
    never rounded up), "12 N", "1,2 Tr" (triệu, millions)."""

    def short(unit: int, suffix: str) -> ColumnElement[str]:
        whole, tenth = count // unit, (count // (unit // 10)) % 10
        decimal = case((tenth == 0, ""), else_="," + cast(tenth, Text))
        with_tenth = cast(whole, Text) + decimal + suffix
        return case((count < 10 * unit, with_tenth), else_=cast(whole, Text) + suffix)

    return case(
        (count < 1000, cast(count, Text)),
        (count < 1_000_000, short(1000, " N")),
        else_=short(1_000_000, " Tr"),
    )


def clusters(cells: Any) -> Any:
    """One row per cell: where its symbol goes (Web Mercator `mx`, `my`: the mean of its
    sites, moved into the cell by the symbol's radius), `count`, `positions`, `radius` and
    `label` as drawn, `expansion_zoom`, the zoom at which its sites part, and for a single site
    its `occupation_group` (null otherwise), which colours its pin. Parameters:
    cluster_values()."""
    zoom, sites_from_zoom = _int("cluster_zoom"), _int("sites_from_zoom")
    # In double precision: dividing by a whole number would otherwise be numeric, and ln() and
    # sqrt() of numerics took half the time of a dense z14 tile.
    n = cast(cells.c.sites, Float)
    mean_x, mean_y = cells.c.sum_x / n, cells.c.sum_y / n
    variance = func.greatest(
        cells.c.sum_xx / n - mean_x * mean_x, cells.c.sum_yy / n - mean_y * mean_y, 0
    )
    count = cast(cells.c.sites, Integer)
    radius = radius_px(count)
    cell_m = bindparam("cluster_cell_m", type_=Float)
    # The radius in metres, and a quarter pixel for the rounding to tile units.
    margin = (radius + 0.25) * (cell_m / CLUSTER_SCREEN_PX)
    west = -ORIGIN_SHIFT + cells.c.cx * cell_m
    north = ORIGIN_SHIFT - cells.c.cy * cell_m
    return select(
        _within(mean_x, west + margin, west + cell_m - margin).label("mx"),
        _within(mean_y, north - cell_m + margin, north - margin).label("my"),
        count.label("count"),
        cast(cells.c.positions, Integer).label("positions"),
        radius.label("radius"),
        count_label(count).label("label"),
        _expansion_zoom(2 * func.sqrt(variance), zoom, sites_from_zoom).label("expansion_zoom"),
        _single_group(count, cells.c.group_sum).label("occupation_group"),
    ).subquery("clusters")


def _single_group(count: Any, group_sum: Any) -> ColumnElement[str]:
    """A single site's occupation group (the first character of its code, as the sites layer
    gives it), back from its group key; null for clusters and sites without one."""
    return case((and_(count == 1, group_sum > 0), func.chr(cast(group_sum, Integer))))


def _within(value: Any, low: Any, high: Any) -> ColumnElement[float]:
    return func.least(func.greatest(value, low), high)


def cluster_values(tile_zoom: int, sites_from_zoom: int) -> dict[str, Any]:
    """The parameters of clusters() for the tiles of a zoom."""
    cell_m = 2 * ORIGIN_SHIFT / cells_across(cluster_grid_zoom(tile_zoom))
    return {"cluster_zoom": tile_zoom, "sites_from_zoom": sites_from_zoom, "cluster_cell_m": cell_m}


def _expansion_zoom(spread: Any, z: Any, sites_from_zoom: Any) -> ColumnElement[Any]:
    """The first zoom at which a cell is narrower than the cluster's spread (twice the
    standard deviation of its sites' positions: two sites d apart spread d), so its sites
    part; at most the zoom where single sites show, where sites at one point part too."""
    # A cluster cell on the tiles of zoom z' is cell_at_zoom_0 / 2^z' metres wide.
    cell_at_zoom_0 = 2 * ORIGIN_SHIFT * CLUSTER_PX / EXTENT
    spread_m = func.nullif(spread, 0, type_=Float)
    parts_at = func.floor(func.ln(cell_at_zoom_0 / spread_m) / math.log(2)) + 1
    zoom = func.least(sites_from_zoom, func.greatest(z + 1, func.coalesce(parts_at, 99)))
    return cast(zoom, Integer)
