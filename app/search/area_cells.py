"""The cells of an isochrone (app/search/isochrones.py), drawn in the worker: the roads reached
burnt into a grid of square cells in Web Mercator, the small holes filled, as a PostGIS raster
(WKB) that `ST_Polygon` traces.

The grid is fixed in space (cells are multiples of their size from Web Mercator's origin, as
`ST_AsRaster` with a grid reference of 0, 0 lays them), so an area does not shimmer as its
start moves. A cell is burnt when a point of a road within it is: points along each segment
at most half a cell apart, so a road only clipping a cell's corner may miss it; the outline is
widened by half a cell after (isochrones.MARGIN), which keeps every road inside."""

from __future__ import annotations

import struct

import numpy as np
from scipy import ndimage

from app.search.road_graph import Segments, mercator

SRID = 3857
_PIXEL_8BUI_WITH_NODATA = 0x40 | 4  # PostGIS raster WKB: has a no-data value, 8-bit unsigned


def _points(segments: Segments, chosen: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along the chosen segments, at most `step` apart, both ends included."""
    x0, y0 = segments.x0[chosen], segments.y0[chosen]
    dx, dy = segments.x1[chosen] - x0, segments.y1[chosen] - y0
    pieces = np.ceil(np.hypot(dx, dy) / step).astype(np.int64)
    count = pieces + 1
    of = np.repeat(np.arange(count.size), count)
    nth = np.arange(of.size) - np.repeat(np.cumsum(count) - count, count)
    share = nth / np.maximum(pieces, 1)[of]
    return x0[of] + share * dx[of], y0[of] + share * dy[of]


def _fill_small_holes(cells: np.ndarray, most_cells: float) -> None:
    """Fill every hole (empty cells enclosed by burnt ones, side by side) of fewer than
    `most_cells` cells; the grid's border is empty, so what touches it is outside."""
    empty, count = ndimage.label(~cells)
    if count == 0:
        return
    sizes = np.bincount(empty.ravel())
    small = sizes < most_cells
    small[0] = False  # burnt cells
    border = np.concatenate([empty[0], empty[-1], empty[:, 0], empty[:, -1]])
    small[border] = False
    cells |= small[empty]


def raster(
    segments: Segments,
    edges: np.ndarray,
    start: tuple[float, float],
    cell: float,
    min_hole: float,
) -> bytes:
    """The PostGIS raster (WKB, 8-bit, 1 for a cell reached, 0 no data) of `edges` (indices
    into the network) and the `start` (lon, lat), in cells of `cell` Web Mercator units, with
    holes smaller than `min_hole` square units filled."""
    chosen = np.zeros(segments.edges, dtype=bool)
    chosen[edges] = True
    x, y = _points(segments, chosen[segments.edge], cell / 2)
    start_x, start_y = mercator(np.array([start[0]]), np.array([start[1]]))
    column = np.floor(np.concatenate([x, start_x]) / cell).astype(np.int64)
    row = np.floor(np.concatenate([y, start_y]) / cell).astype(np.int64)
    # One empty cell around the area, so that what is outside touches the border.
    left, top = int(column.min()) - 1, int(row.max()) + 1
    width, height = int(column.max()) - left + 2, top - int(row.min()) + 2
    cells = np.zeros((height, width), dtype=bool)
    cells[top - row, column - left] = True
    _fill_small_holes(cells, min_hole / cell**2)
    header = struct.pack(
        "<BHHddddddiHH", 1, 0, 1, cell, -cell, left * cell, (top + 1) * cell, 0, 0, SRID,
        width, height,
    )  # fmt: skip
    band = struct.pack("<BB", _PIXEL_8BUI_WITH_NODATA, 0)
    return header + band + cells.astype(np.uint8).tobytes()


__all__ = ["SRID", "raster"]
