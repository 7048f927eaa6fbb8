"""How a kept tile is answered, by the route and by the fast path alike."""

from __future__ import annotations

from starlette.responses import Response

from app.http_cache import etag_matches
from app.tiles.cache import KeptTile

MVT = "application/vnd.mapbox-vector-tile"
# Tiles change whenever a vacancy does: clients keep them but ask again (a 304 is cheap).
CACHE_CONTROL = "public, no-cache"


def kept_response(kept: KeptTile, if_none_match: str | None, *, hit: bool) -> Response:
    """200 with the tile, 204 for an empty one, 304 when the client has it (ETag)."""
    headers = {"Cache-Control": CACHE_CONTROL, "X-Tile-Cache": "hit" if hit else "miss"}
    if not kept.body:
        return Response(status_code=204, headers=headers)
    headers["ETag"] = kept.etag
    if etag_matches(if_none_match, kept.etag):
        return Response(status_code=304, headers=headers)
    return Response(kept.body, media_type=MVT, headers=headers)
