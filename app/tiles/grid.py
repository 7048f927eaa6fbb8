"""The Web Mercator tile grid (XYZ, y from the north): which tiles exist and what they cover."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.errors import FieldError, InvalidInputError

MAX_ZOOM = 22
# Half the width of the Web Mercator world in metres (EPSG:3857).
ORIGIN_SHIFT = 20_037_508.342789244
EXTENT = 4096  # tile coordinates per side, as MVT clients expect


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


def _lon(x: float) -> float:
    return x / ORIGIN_SHIFT * 180.0


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y / ORIGIN_SHIFT * math.pi)) - math.pi / 2)


def _outside(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"No such tile: {field} {message}.",
        errors=[FieldError(field=f"path.{field}", message=message, type="tile_outside_grid")],
    )
