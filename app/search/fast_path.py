"""The plain nearest search answered before routing: an anonymous `GET /v1/vacancies` with only
`near`, and `radius_m` and `limit` if any (the map's "jobs near me"). Through the route it pays
for FastAPI's dependencies, build(), a pooled session (checkout, pre-ping, BEGIN and COMMIT)
besides its one statement, most of its time (bench/README.md). Here it runs the route's own
statement, as the route keeps it (`pages.kept_nearest_page`), on the worker's map connection,
counts it against the same rate limit, and answers the page the route would, byte for byte.

Anything else goes on to the route, which answers it as it always has: other or repeated
parameters, values its parsers might read otherwise (spaces, signs, exponents) or refuse, a key,
a position to read at (X-Commit-LSN), GeoJSON, a statement not built yet in this worker,
sites at equal distances across the end of the KNN candidates, the database not answering.
The fast path answers no error but the rate limit's 429."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app import cursors
from app.config import Settings
from app.errors import ServiceUnavailableError, TooManyRequestsError, handle_app_error
from app.limits.dependencies import COUNTED_KEY, count
from app.metrics.http import ROUTE_TEMPLATE_KEY
from app.metrics.series import SEARCH_FAST_PATH
from app.request_classes import RequestClass
from app.search import cursor as search_cursor
from app.search import pages, service
from app.search.params import (
    DEFAULT_PAGE_LIMIT,
    MAX_PAGE_LIMIT,
    MAX_RADIUS_M,
    Point,
    SearchParams,
    Sort,
)

PATH = "/v1/vacancies"  # also the route template the metrics name it by
_GEOJSON = b"application/geo+json"  # the route answers GeoJSON when Accept holds it
# Plain decimals only: every such text is the same number to float() (the route's `near`) and
# to pydantic (its `radius_m`); anything else (spaces, '+', exponents, '_', 'inf') is left
# to the route, which may read it otherwise or refuse it.
_COORDINATE = r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?"
_NEAR = re.compile(rf"({_COORDINATE}),({_COORDINATE})")
_RADIUS = re.compile(r"(?:0|[1-9][0-9]{0,5})(?:\.[0-9]{1,6})?")
_LIMIT = re.compile(r"[1-9][0-9]{0,2}")
_TAKEN = frozenset({"near", "radius_m", "limit"})


class PageQueries(Protocol):
    """The worker's connections for this path (app/tiles/cache.MapConnection, several at
    once: APP_SEARCH_FAST_PATH_CONNECTIONS), or in tests a session."""

    async def fetch(self, statement: Any, values: dict[str, Any]) -> Sequence[Any]: ...


def plain_nearest(query_string: bytes) -> tuple[SearchParams, int] | None:
    """The parameters and page size of a plain nearest search, exactly as the route makes them
    (search_params); None for any other query string."""
    # Parsed as Starlette parses it for the route.
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    given = dict(pairs)
    if len(given) != len(pairs) or "near" not in given or not given.keys() <= _TAKEN:
        return None
    near = _NEAR.fullmatch(given["near"])
    # (An absent radius_m or limit passes as "1": the defaults below apply.)
    radius = _RADIUS.fullmatch(given.get("radius_m", "1"))
    limit = _LIMIT.fullmatch(given.get("limit", "1"))
    if near is None or radius is None or limit is None:
        return None
    point = Point(float(near[1]), float(near[2]))
    if not (-180 <= point.lon <= 180 and -90 <= point.lat <= 90):
        return None
    params = SearchParams(near=point, sort=Sort.distance)
    if "radius_m" in given:  # a float then; absent, the default stays an int (the fingerprint)
        params = SearchParams(near=point, radius_m=float(radius[0]), sort=Sort.distance)
        if not 0 < params.radius_m <= MAX_RADIUS_M:
            return None
    size = int(given.get("limit", DEFAULT_PAGE_LIMIT))
    return (params, size) if size <= MAX_PAGE_LIMIT else None


def _anonymous_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """No key (the route checks it, 401 when revoked), no position to read at (the route picks
    the server that has it), no GeoJSON asked for."""
    for name, value in headers:
        if name in (b"authorization", b"x-commit-lsn") or (name == b"accept" and _GEOJSON in value):
            return False
    return True


class NearestMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        # A search timeout of its own is set per transaction by the route's session; the map
        # connection has the default one.
        self.enabled = settings.search_fast_path and "search" not in settings.statement_timeouts_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "GET"
            or not self.enabled
        ):
            await self.app(scope, receive, send)
            return
        taken = plain_nearest(scope["query_string"])
        if taken is None or not _anonymous_json(scope["headers"]):
            await self._route("other", scope, receive, send)
            return
        params, limit = taken
        state = scope["app"].state
        settings: Settings = state.settings
        # One row more than the page tells whether another page follows (app/cursors.py).
        kept = pages.kept_nearest_page(params, datetime.now(settings.tz).date(), limit + 1)
        if kept is None:  # the route builds the statement, and keeps it for the next request
            await self._route("unbuilt", scope, receive, send)
            return
        client = scope.get("client")
        try:  # the route's limit and bucket: the `search` class, per address
            address = f"ip:{client[0] if client else 'unknown'}"
            await count(settings, state.rate_counter, RequestClass.search, address, keyed=False)
        except TooManyRequestsError as exc:
            scope[ROUTE_TEMPLATE_KEY] = PATH
            await (await handle_app_error(Request(scope), exc))(scope, receive, send)
            return
        scope[COUNTED_KEY] = True  # from here on a request handed to the route was counted
        replica = state.database.pick_replica()
        rows = await self._rows(state, replica, kept)
        if rows is None:
            await self._route("database", scope, receive, send)
            return
        if not pages.knn_page_exact(rows, limit + 1):  # the route orders the tie exactly
            await self._route("tie", scope, receive, send)
            return
        state.database.answered_by(replica or state.database.primary, retried=False)

        async def fetched(_: int) -> Sequence[Mapping[str, Any]]:
            return rows

        found, next_cursor = await cursors.page(
            fetched, limit, lambda row: search_cursor.position(params, None, row)
        )
        body = service.plain_page(found, next_cursor).model_dump_json().encode()
        SEARCH_FAST_PATH.labels("answered").inc()
        scope[ROUTE_TEMPLATE_KEY] = PATH
        await Response(body, media_type="application/json")(scope, receive, send)

    @staticmethod
    async def _rows(
        state: Any, replica: Any, kept: tuple[Any, dict[str, Any]]
    ) -> Sequence[Mapping[str, Any]] | None:
        """The page's rows, from `replica` (one in rotation, app/replicas) or else the primary;
        None when the database does not answer (the route tries again, elsewhere if it can)."""
        searches = state.replica_searches
        queries: PageQueries = state.search_queries if replica is None else searches[replica.name]
        try:
            rows: Sequence[Mapping[str, Any]] = await queries.fetch(*kept)
        except ServiceUnavailableError:
            if replica is not None:
                state.database.replica_unreachable(replica)
            return None
        return rows

    async def _route(self, why: str, scope: Scope, receive: Receive, send: Send) -> None:
        SEARCH_FAST_PATH.labels(why).inc()
        await self.app(scope, receive, send)
