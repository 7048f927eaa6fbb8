"""The street basemap: vector tiles of the loaded OpenStreetMap network and their TileJSON.

What each zoom shows (generalisation): main roads only when zoomed out, every street from
z14; big rivers first, canals and streams later; place names from the province down to
hamlets as one zooms in. Tiles carry the names as tagged (Vietnamese)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import queries as area_queries
from app.http_cache import etag_matches
from app.models import Area
from app.osm import repository
from app.tiles.grid import Tile

ATTRIBUTION = "© OpenStreetMap contributors"
MIN_ZOOM = 5
# Deeper zooms scale the z16 tiles (nothing new appears past every street).
MAX_ZOOM = 16
# Change when the rules below or the SQL change what a tile holds: new ETags.
STYLE_VERSION = "1"
WORLD = [-180.0, -85.0511, 180.0, 85.0511]

_TRUNK = ("motorway", "motorway_link", "trunk", "trunk_link")
_PRIMARY = (*_TRUNK, "primary", "primary_link", "ferry")
_SECONDARY = (*_PRIMARY, "secondary", "secondary_link")
_TERTIARY = (*_SECONDARY, "tertiary", "tertiary_link", "unclassified", "road")
_ALL_ROADS = (
    *_TERTIARY,
    "residential",
    "living_street",
    "service",
    "track",
    "pedestrian",
    "cycleway",
    "path",
    "footway",
    "steps",
)
# (from zoom, road classes): the last row whose zoom is reached applies.
ROADS_BY_ZOOM = ((0, _TRUNK), (9, _PRIMARY), (11, _SECONDARY), (13, _TERTIARY), (14, _ALL_ROADS))
WATERWAYS_BY_ZOOM = (
    (0, ()),
    (8, ("river",)),
    (11, ("river", "canal")),
    (13, ("river", "canal", "stream", "drain", "ditch")),
)
PLACES_BY_ZOOM = (
    (0, ("province", "state", "city")),
    (9, ("province", "state", "city", "town")),
    (11, ("province", "state", "city", "town", "municipality", "suburb", "village")),
    (13, ("province", "state", "city", "town", "municipality", "suburb", "village",
          "quarter", "hamlet")),
)  # fmt: skip
LANDUSE_FROM_ZOOM = 12
# Water areas under about 2 x 2 pixels of the tile (256 px) are left out below z14.
WATER_MIN_PIXELS = 4
ALL_AREAS_FROM_ZOOM = 14

FIELDS = {
    "water": {"kind": "river, canal, stream, drain, ditch (lines); water, pond, lake... (areas)",
              "name": "as tagged"},
    "landuse": {"kind": "industrial or marketplace", "name": "as tagged"},
    "roads": {"class": "highway=* value, or ferry", "name": "as tagged", "ref": "road number",
              "oneway": "1 along the line, -1 against it, 0 both", "bridge": "bool",
              "tunnel": "bool"},
    "places": {"kind": "place=* value (province, town, suburb, village, hamlet...)",
               "name": "as tagged"},
}  # fmt: skip


def _at(rules: tuple[tuple[int, tuple[str, ...]], ...], z: int) -> list[str]:
    return list(next(kinds for from_zoom, kinds in reversed(rules) if z >= from_zoom))


def content(z: int) -> dict[str, object]:
    """What a tile of zoom `z` holds: the basemap SQL's parameters."""
    pixel_deg = 360.0 / (1 << z) / 256
    return {
        "classes": _at(ROADS_BY_ZOOM, z),
        "waterways": _at(WATERWAYS_BY_ZOOM, z),
        "places": _at(PLACES_BY_ZOOM, z),
        "landuse": z >= LANDUSE_FROM_ZOOM,
        "min_water_deg2": 0.0 if z >= ALL_AREAS_FROM_ZOOM else WATER_MIN_PIXELS * pixel_deg**2,
    }


def _etag(loaded_at: datetime, tile: Tile) -> str:
    key = f"{loaded_at.isoformat()}/{tile.z}/{tile.x}/{tile.y}/{STYLE_VERSION}"
    return 'W/"' + hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + '"'


@dataclass(frozen=True)
class BasemapTile:
    """A tile's ETag (None without a network) and bytes (None when not drawn: the client's
    copy is current, or there is no network)."""

    etag: str | None
    body: bytes | None


async def tile(session: AsyncSession, tile: Tile, if_none_match: str | None) -> BasemapTile:
    """The tile, or only its ETag when the client has it (nothing is drawn then). A network
    dropped between the statements is no network: 204, not an error."""
    try:
        async with repository.network_reads(session):
            return await _tile(session, tile, if_none_match)
    except repository.NetworkGoneError:
        return BasemapTile(None, None)


async def _tile(session: AsyncSession, tile: Tile, if_none_match: str | None) -> BasemapTile:
    loaded_at = await repository.network_loaded_at(session)
    if loaded_at is None:
        return BasemapTile(None, None)
    etag = _etag(loaded_at, tile)
    if etag_matches(if_none_match, etag):
        return BasemapTile(etag, None)
    drawn_at, body = await repository.basemap_tile(session, tile.z, tile.x, tile.y, content(tile.z))
    # A reload between the two statements: the tile is of the new network, and says so.
    return BasemapTile(_etag(drawn_at, tile), body)


async def tilejson(session: AsyncSession, tiles_url: str, today: date) -> dict[str, Any]:
    """TileJSON 3.0 of the basemap; `x-loaded` false (and no tiles worth asking) without a
    network (or one dropped while it is read)."""
    try:
        async with repository.network_reads(session):
            loaded_at = await repository.network_loaded_at(session)
    except repository.NetworkGoneError:
        loaded_at = None
    current_communes = (Area.level == "commune", area_queries.valid_at(today))
    bounds = await area_queries.bounds(session, *current_communes) or WORLD
    document: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": "Vĩnh Long job map: streets (OpenStreetMap)",
        "tiles": [tiles_url],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 10],
        "vector_layers": [
            {"id": layer, "fields": fields, "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM}
            for layer, fields in FIELDS.items()
        ],
        "attribution": ATTRIBUTION,
        "x-loaded": loaded_at is not None,
    }
    if loaded_at is None:
        document["description"] = (
            "No street network is loaded: tiles answer 204. Load one with `jobmap osm load FILE`."
        )
    else:
        document["description"] = f"OpenStreetMap data loaded {loaded_at.isoformat()}"
    return document
