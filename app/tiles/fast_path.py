"""Kept tiles of the plain map layer answered before routing: the commonest map request
(a tile without filters, anonymous) costs a dictionary lookup and the shared map-state read,
not FastAPI's routing and dependencies. Anything else (filters, a key to check, a tile not
kept) goes on to the route, which draws and keeps it. Both answer alike (`kept_response`)."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import ServiceUnavailableError
from app.search.params import SearchParams
from app.tiles.cache import TileCache, tile_key
from app.tiles.grid import Tile
from app.tiles.responses import kept_response

_PATH = re.compile(r"^/v1/tiles/vacancies/([0-9]{1,2})/([0-9]{1,8})/([0-9]{1,8})\.mvt$")
# What the route computes for a tile without filters (app/tiles/router.tile_filters).
UNFILTERED = SearchParams().fingerprint()


class KeptTileMiddleware:
    def __init__(self, app: ASGIApp, tiles: TileCache, sites_from_zoom: int) -> None:
        self.app = app
        self.tiles = tiles
        self.sites_from_zoom = sites_from_zoom

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "GET" or scope["query_string"]:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"authorization" in headers:  # the route checks the key (401 when revoked)
            await self.app(scope, receive, send)
            return
        z, x, y = (int(group) for group in match.groups())
        key = tile_key(Tile(z, x, y), UNFILTERED, self.sites_from_zoom)
        # Read before looking, as the route does: a tile kept under another state is redrawn.
        try:
            state = await scope["app"].state.map_states.current()
        except ServiceUnavailableError:  # the route answers it in the problem format
            await self.app(scope, receive, send)
            return
        kept = self.tiles.get(key, state)
        if kept is None:
            await self.app(scope, receive, send)
            return
        if_none_match = headers.get(b"if-none-match")
        response = kept_response(
            kept, if_none_match.decode("latin-1") if if_none_match else None, hit=True
        )
        await response(scope, receive, send)
