"""The Web Mercator tile grid (XYZ, y from the north): which tiles exist and what they cover."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.errors import FieldError, InvalidInputError

MAX_ZOOM = 22
# Half the width of the Web Mercator world in metres (EPSG:3857).
ORIGIN_SHIFT = 20_037_508.342789244
EXTENT = 4096  # tile coordinates per side, as MVT clients expect
# The cell grid of a zoom: cells of 64 of its tiles' 4096 units, 64 x 64 to a tile. site_cell
# keeps counts in these cells, numbered like tiles (cell >> 6 is the tile).
CELL_PX = 64
CELLS_PER_TILE = EXTENT // CELL_PX
# A cluster on a tile of zoom z is a cell of the grid of zoom z - 3: 8 x 8 to a tile, 512
# units, 64 screen pixels on the 512-pixel tiles of a map (about supercluster's 60-pixel
# radius). With 64-unit cells a province-zoom tile held hundreds of overlapping bubbles.
CLUSTER_ZOOMS_UP = 3
CLUSTER_PX = CELL_PX << CLUSTER_ZOOMS_UP
CLUSTER_CELLS_PER_TILE = EXTENT // CLUSTER_PX
TILE_SCREEN_PX = 512  # a vector tile's width on screen (MapLibre's default for vector tiles)
CLUSTER_SCREEN_PX = CLUSTER_PX * TILE_SCREEN_PX // EXTENT  # 64


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    @classmethod
    def checked(cls, z: int, x: int, y: int) -> Tile:
        """The tile, or 422 naming the coordinate outside the grid."""
        if not 0 <= z <= MAX_ZOOM:
            raise _outside("z", f"zoom must be 0 to {MAX_ZOOM}")
        side = 1 << z
        for name, value in (("x", x), ("y", y)):
            if not 0 <= value < side:
                raise _outside(name, f"must be 0 to {side - 1} at zoom {z}")
        return cls(z, x, y)

    @property
    def valid(self) -> bool:
        """Inside the grid (checked() says which coordinate is not)."""
        return (
            0 <= self.z <= MAX_ZOOM and 0 <= self.x < (1 << self.z) and 0 <= self.y < (1 << self.z)
        )

    @property
    def size_m(self) -> float:
        """Width (= height) in Mercator metres."""
        return 2 * ORIGIN_SHIFT / (1 << self.z)

    @property
    def mercator_bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) in EPSG:3857 metres. Each edge is computed from its
        own index, so neighbours share it to the last bit (a site on it is in one tile)."""
        size = self.size_m
        return (
            -ORIGIN_SHIFT + self.x * size,
            ORIGIN_SHIFT - (self.y + 1) * size,
            -ORIGIN_SHIFT + (self.x + 1) * size,
            ORIGIN_SHIFT - self.y * size,
        )

    @property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees. Tile edges are meridians and parallels, so
        the box in degrees holds exactly the tile's points."""
        min_x, min_y, max_x, max_y = self.mercator_bounds
        return _lon(min_x), _lat(min_y), _lon(max_x), _lat(max_y)


@dataclass(frozen=True)
class CellWindow:
    """A block of cluster cells at a zoom (numbered like tiles: from the west and from the
    north, CELLS_PER_TILE to a tile), first to last inclusive."""

    zoom: int
    first_x: int
    last_x: int
    first_y: int
    last_y: int

    @classmethod
    def of_tile(cls, tile: Tile) -> CellWindow:
        """The tile's cluster cells (CLUSTER_PX each): cells of the grid CLUSTER_ZOOMS_UP
        zooms up."""
        side = CLUSTER_CELLS_PER_TILE
        x, y = tile.x * side, tile.y * side
        return cls(cluster_grid_zoom(tile.z), x, x + side - 1, y, y + side - 1)

    @classmethod
    def of_box(cls, zoom: int, west: float, south: float, east: float, north: float) -> CellWindow:
        """The cells of the grid of `zoom` a box in degrees touches."""
        cells = cells_across(zoom)
        world = 2 * ORIGIN_SHIFT

        def column(lon: float) -> int:
            return min(cells - 1, max(0, math.floor((_x(lon) + ORIGIN_SHIFT) / world * cells)))

        def row(lat: float) -> int:
            return min(cells - 1, max(0, math.floor((ORIGIN_SHIFT - _y(lat)) / world * cells)))

        return cls(zoom, column(west), column(east), row(north), row(south))

    def at(self, zoom: int) -> CellWindow:
        """The same area in the cells of a deeper zoom."""
        shift = zoom - self.zoom
        return CellWindow(
            zoom,
            self.first_x << shift,
            ((self.last_x + 1) << shift) - 1,
            self.first_y << shift,
            ((self.last_y + 1) << shift) - 1,
        )

    @property
    def count(self) -> int:
        return (self.last_x - self.first_x + 1) * (self.last_y - self.first_y + 1)

    @property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the block in degrees."""
        size = 2 * ORIGIN_SHIFT / cells_across(self.zoom)
        return (
            _lon(-ORIGIN_SHIFT + self.first_x * size),
            _lat(ORIGIN_SHIFT - (self.last_y + 1) * size),
            _lon(-ORIGIN_SHIFT + (self.last_x + 1) * size),
            _lat(ORIGIN_SHIFT - self.first_y * size),
        )


def cluster_grid_zoom(tile_zoom: int) -> int:
    """The grid whose cells are the clusters of a tile zoom (negative below zoom 3)."""
    return tile_zoom - CLUSTER_ZOOMS_UP


def cells_across(zoom: int) -> int:
    """Cells across the world in the grid of `zoom` (2^(zoom + 6); zoom may be down to -6)."""
    return 1 << (zoom + 6)


def _x(lon: float) -> float:
    return lon / 180.0 * ORIGIN_SHIFT


def _y(lat: float) -> float:
    clamped = max(-85.0511287798, min(85.0511287798, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(clamped) / 2)) * ORIGIN_SHIFT / math.pi


def _lon(x: float) -> float:
    return x / ORIGIN_SHIFT * 180.0


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y / ORIGIN_SHIFT * math.pi)) - math.pi / 2)


def _outside(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"No such tile: {field} {message}.",
        errors=[FieldError(field=f"path.{field}", message=message, type="tile_outside_grid")],
    )
