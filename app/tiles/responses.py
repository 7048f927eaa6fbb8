"""How a kept tile is answered, by the route and by the fast path alike."""

from __future__ import annotations

from starlette.responses import Response

from app.http_cache import etag_matches
from app.tiles.cache import KeptTile

MVT = "application/vnd.mapbox-vector-tile"


def kept_response(kept: KeptTile, if_none_match: str | None, *, hit: bool) -> Response:
    """200 with the tile, 204 for an empty one, 304 when the client has it (ETag).
    Cache-Control: app/http_cache.py (a CDN keeps tiles for a minute)."""
    headers = {"X-Tile-Cache": "hit" if hit else "miss"}
    if not kept.body:
        return Response(status_code=204, headers=headers)
    headers["ETag"] = kept.etag
    if etag_matches(if_none_match, kept.etag):
        return Response(status_code=304, headers=headers)
    return Response(kept.body, media_type=MVT, headers=headers)
