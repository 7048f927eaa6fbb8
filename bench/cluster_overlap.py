"""Overlapping cluster symbols per tile (issue 17): for each centre of a points file and each
zoom, the tile holding the centre is fetched from each server and its cluster symbols are
drawn as the map draws them, on 512-pixel tiles. A pair overlaps when the centres are closer
than the sum of the drawn radii (border included).

A tile that gives `radius` (the service since issue 17) is drawn with it; an older tile with
the map's old style: 11, 14, 18, 23 or 28 pixels from 1, 10, 100, 1,000 and 10,000 sites, and
a 1.5-pixel border.

    .venv/bin/python bench/cluster_overlap.py new=http://127.0.0.1:8080 old=http://127.0.0.1:8084
    # POINTS=bench/points_dense.txt ZOOMS=8-15
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import httpx
import mapbox_vector_tile

TILE_PX = 512  # a vector tile on screen
EXTENT = 4096


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = math.floor((lon + 180.0) / 360.0 * n)
    y = math.floor((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def old_radius(count: int) -> float:
    steps = [(10_000, 28), (1000, 23), (100, 18), (10, 14)]
    return next((r for bound, r in steps if count >= bound), 11) + 1.5


@dataclass
class Zoom:
    tiles: int = 0
    features: int = 0
    pairs: int = 0
    worst: int = 0
    sites: int = 0
    overlapping_tiles: int = 0
    per_tile: list[int] = field(default_factory=list)


def overlapping_pairs(features: list[dict[str, Any]]) -> int:
    drawn = []
    for feature in features:
        properties = feature["properties"]
        if "count" not in properties:
            continue
        px, py = feature["geometry"]["coordinates"]
        radius = properties.get("radius") or old_radius(properties["count"])
        drawn.append((px * TILE_PX / EXTENT, py * TILE_PX / EXTENT, radius))
    pairs = 0
    for i, (x1, y1, r1) in enumerate(drawn):
        for x2, y2, r2 in drawn[i + 1 :]:
            if math.hypot(x1 - x2, y1 - y2) < r1 + r2:
                pairs += 1
    return pairs


def measure(base: str, points: list[tuple[float, float]], zooms: list[int]) -> dict[int, Zoom]:
    found: dict[int, Zoom] = {z: Zoom() for z in zooms}
    with httpx.Client(base_url=base, timeout=60) as client:
        for z in zooms:
            for x, y in sorted({tile_of(lon, lat, z) for lon, lat in points}):
                response = client.get(f"/v1/tiles/vacancies/{z}/{x}/{y}.mvt")
                response.raise_for_status()
                layers = mapbox_vector_tile.decode(response.content) if response.content else {}
                features = layers.get("vacancies", {}).get("features", [])
                pairs = overlapping_pairs(features)
                row = found[z]
                row.tiles += 1
                row.features += len(features)
                row.sites += sum(f["properties"].get("count", 1) for f in features)
                row.pairs += pairs
                row.worst = max(row.worst, pairs)
                row.overlapping_tiles += pairs > 0
    return found


def main() -> None:
    servers = dict(arg.split("=", 1) for arg in sys.argv[1:])
    path = os.environ.get("POINTS", "bench/points_dense.txt")
    with open(path) as lines:
        points = [(float(a), float(b)) for a, b in (line.split() for line in lines if line.strip())]
    first, last = (int(z) for z in os.environ.get("ZOOMS", "8-15").split("-"))
    zooms = list(range(first, last + 1))
    print(f"points: {path} ({len(points)} centres), zooms {first}-{last}, one tile per centre")
    print(
        "server\tzoom\ttiles\tfeatures/tile\tsites\toverlapping pairs\tper tile\tworst tile"
        "\ttiles with any"
    )
    for name, base in servers.items():
        for z, row in measure(base, points, zooms).items():
            print(
                f"{name}\tz{z}\t{row.tiles}\t{row.features / row.tiles:.1f}\t{row.sites}"
                f"\t{row.pairs}\t{row.pairs / row.tiles:.1f}\t{row.worst}"
                f"\t{row.overlapping_tiles}"
            )


if __name__ == "__main__":
    main()
