"""Tiles of the plain map layer answered before routing: the commonest map request (a tile
without filters, anonymous) costs a dictionary lookup and the shared map-state read, or,
when the tile is not kept, one statement on the worker's map connection; not FastAPI's
routing, dependencies and session. Anything else (filters, a key to check, a tile drawn from
the sites, the database not answering) goes on to the route. Both answer alike
(`kept_response`) and keep tiles in the same cache."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import ServiceUnavailableError
from app.metrics.http import ROUTE_TEMPLATE_KEY
from app.search.params import SearchParams
from app.tiles import repository
from app.tiles.cache import MapQueries, MapStateReader, TileCache, tile_key
from app.tiles.grid import Tile
from app.tiles.responses import kept_response

_PATH = re.compile(r"^/v1/tiles/vacancies/([0-9]{1,2})/([0-9]{1,8})/([0-9]{1,8})\.mvt$")
# The route this path stands in for, as the metrics name it (app/tiles/router.py).
ROUTE = "/v1/tiles/vacancies/{z}/{x}/{y}.mvt"
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
        tile = Tile(z, x, y)
        plain = repository.plain_tile(tile, self.sites_from_zoom) if tile.valid else None
        if plain is None:  # outside the grid (the route says why), or drawn from the sites
            await self.app(scope, receive, send)
            return
        if b"x-commit-lsn" in headers:  # a position to wait for: the route picks the server
            await self.app(scope, receive, send)
            return
        key = tile_key(tile, UNFILTERED, self.sites_from_zoom)
        state = scope["app"].state
        # A replica in rotation when there is one (app/replicas), the map state read there too.
        replica = state.database.pick_replica()
        states: MapStateReader
        queries: MapQueries
        if replica is None:
            states, queries = state.map_states, state.map_queries
        else:
            states, queries = state.replica_maps[replica.name]
        hit = True
        try:
            # Read before looking and drawing, as the route does (app/tiles/cache.py).
            current = await states.current()
            kept = self.tiles.get(key, current)
            if kept is None:
                hit = False
                row = await queries.fetchrow(*plain)
                kept = self.tiles.keep(key, current, bytes(row[0] or b""))
        except ServiceUnavailableError:  # the route answers it, on another server if one can
            if replica is not None:
                state.database.replica_unreachable(replica)
            await self.app(scope, receive, send)
            return
        state.database.answered_by(replica or state.database.primary, retried=False)
        if_none_match = headers.get(b"if-none-match")
        scope[ROUTE_TEMPLATE_KEY] = ROUTE
        response = kept_response(
            kept, if_none_match.decode("latin-1") if if_none_match else None, hit=hit
        )
        await response(scope, receive, send)
