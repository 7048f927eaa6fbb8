"""The map's commonest searches answered before routing, on the worker's own connections:
- the plain nearest search: an anonymous `GET /v1/vacancies` with only `near`, and `radius_m`
  and `limit` if any (the map's "jobs near me");
- the plain viewport: an anonymous `GET /v1/vacancies.geojson` with only `bbox`, and `limit` if
  any (the sites of the map's view);
- the plain travel-time search: an anonymous `GET /v1/vacancies` with only `near`,
  `travel_mode` and `max_minutes`, and `limit` if any (app/search/travel_fast_path.py).
Through the route each pays for FastAPI's dependencies, build(), a pooled session (checkout,
pre-ping, BEGIN and COMMIT) besides its statements, most of its time (bench/README.md).
Here each runs the route's own statements, as the route keeps them (`pages.kept_nearest_page`,
`geojson.kept_collection`, travel's page statement), counts it against the same rate limit,
and answers what the route would, byte for byte.

Anything else goes on to the route, which answers it as it always has: other or repeated
parameters, values its parsers might read otherwise (spaces, signs, exponents) or refuse, a key,
a position to read at (X-Commit-LSN), GeoJSON from /v1/vacancies, a statement not built yet in
this worker, sites at equal distances across the end of the KNN candidates, the database not
answering. The fast path answers no error but the rate limit's 429."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app import cursors
from app.config import Settings
from app.errors import (
    InvalidInputError,
    ServiceUnavailableError,
    TooManyRequestsError,
    handle_app_error,
)
from app.geo import GEOJSON
from app.limits.dependencies import COUNTED_KEY, count
from app.metrics.http import ROUTE_TEMPLATE_KEY
from app.metrics.series import SEARCH_FAST_PATH
from app.models.travel_speed import TravelMode
from app.request_classes import RequestClass
from app.search import cursor as search_cursor
from app.search import geojson, pages, service, travel, travel_fast_path
from app.search.params import (
    DEFAULT_PAGE_LIMIT,
    GEOJSON_DEFAULT_LIMIT,
    GEOJSON_MAX_LIMIT,
    MAX_PAGE_LIMIT,
    MAX_RADIUS_M,
    MAX_TRAVEL_MINUTES,
    Point,
    SearchParams,
    Sort,
    parse_bbox,
)

PATH = "/v1/vacancies"  # also the route templates the metrics name them by
GEOJSON_PATH = "/v1/vacancies.geojson"
# Plain decimals only: every such text is the same number to float() (the route's `near` and
# `bbox`) and to pydantic (its `radius_m`); anything else (spaces, '+', exponents, '_', 'inf')
# is left to the route, which may read it otherwise or refuse it.
_COORDINATE = r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?"
_NEAR = re.compile(rf"({_COORDINATE}),({_COORDINATE})")
_BBOX = re.compile(rf"{_COORDINATE},{_COORDINATE},{_COORDINATE},{_COORDINATE}")
_RADIUS = re.compile(r"(?:0|[1-9][0-9]{0,5})(?:\.[0-9]{1,6})?")
_LIMIT = re.compile(r"[1-9][0-9]{0,3}")
_MINUTES = re.compile(r"[1-9][0-9]{0,2}")
_MODES = {mode.value: mode for mode in TravelMode}


class PageQueries(Protocol):
    """The worker's connections for this path (app/tiles/cache.MapConnection, several at
    once: APP_SEARCH_FAST_PATH_CONNECTIONS), or in tests a session."""

    async def fetch(self, statement: Any, values: dict[str, Any]) -> Sequence[Any]: ...

    def transaction(self) -> AbstractAsyncContextManager[travel.Run]: ...


def _parameters(query_string: bytes, required: str, taken: set[str]) -> dict[str, str] | None:
    """The query's parameters, parsed as Starlette parses them for the route, when each is
    given once, `required` is among them and all are `taken`; else None."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    given = dict(pairs)
    if len(given) != len(pairs) or required not in given or not given.keys() <= taken:
        return None
    return given


def _limit(given: dict[str, str], default: int, most: int) -> int | None:
    if "limit" not in given:
        return default
    if not _LIMIT.fullmatch(given["limit"]):
        return None
    size = int(given["limit"])
    return size if size <= most else None


def plain_nearest(query_string: bytes) -> tuple[SearchParams, int] | None:
    """The parameters and page size of a plain nearest search, exactly as the route makes them
    (search_params); None for any other query string."""
    given = _parameters(query_string, "near", {"near", "radius_m", "limit"})
    if given is None:
        return None
    near = _NEAR.fullmatch(given["near"])
    # (An absent radius_m passes as "1": the default below applies.)
    radius = _RADIUS.fullmatch(given.get("radius_m", "1"))
    size = _limit(given, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)
    if near is None or radius is None or size is None:
        return None
    point = Point(float(near[1]), float(near[2]))
    if not (-180 <= point.lon <= 180 and -90 <= point.lat <= 90):
        return None
    params = SearchParams(near=point, sort=Sort.distance)
    if "radius_m" in given:  # a float then; absent, the default stays an int (the fingerprint)
        params = SearchParams(near=point, radius_m=float(radius[0]), sort=Sort.distance)
        if not 0 < params.radius_m <= MAX_RADIUS_M:
            return None
    return params, size


def plain_travel(query_string: bytes) -> tuple[SearchParams, int] | None:
    """The parameters and page size of a plain travel-time search, exactly as the route makes
    them; None for any other query string, or one the route refuses."""
    given = _parameters(
        query_string, "travel_mode", {"near", "travel_mode", "max_minutes", "limit"}
    )
    if given is None or "near" not in given or "max_minutes" not in given:
        return None
    near = _NEAR.fullmatch(given["near"])
    minutes = _MINUTES.fullmatch(given["max_minutes"])
    size = _limit(given, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)
    if near is None or minutes is None or size is None or given["travel_mode"] not in _MODES:
        return None
    point = Point(float(near[1]), float(near[2]))
    if not (-180 <= point.lon <= 180 and -90 <= point.lat <= 90):
        return None
    if int(minutes[0]) > MAX_TRAVEL_MINUTES:
        return None
    params = SearchParams(
        near=point,
        sort=Sort.travel_time,
        travel_mode=_MODES[given["travel_mode"]],
        max_minutes=int(minutes[0]),
    )
    return params, size


def plain_viewport(query_string: bytes) -> tuple[SearchParams, int] | None:
    """The parameters and size of a plain viewport's collection, exactly as the route makes
    them; None for any other query string, or a box the route refuses."""
    given = _parameters(query_string, "bbox", {"bbox", "limit"})
    if given is None or not _BBOX.fullmatch(given["bbox"]):
        return None
    size = _limit(given, GEOJSON_DEFAULT_LIMIT, GEOJSON_MAX_LIMIT)
    try:
        box = parse_bbox(given["bbox"])  # the route's own checks (order, span)
    except InvalidInputError:
        return None
    return (SearchParams(bbox=box, sort=Sort.newest), size) if size is not None else None


def _anonymous(headers: Iterable[tuple[bytes, bytes]], *, json_only: bool) -> bool:
    """No key (the route checks it, 401 when revoked), no position to read at (the route picks
    the server that has it), and with `json_only` no GeoJSON asked for."""
    for name, value in headers:
        if name in (b"authorization", b"x-commit-lsn"):
            return False
        if json_only and name == b"accept" and GEOJSON.encode() in value:
            return False
    return True


@dataclass(frozen=True)
class _PlainSearch:
    """What differs between the searches the middleware answers."""

    name: str  # the metric's `search` label
    parse: Callable[[bytes], tuple[SearchParams, int] | None]
    json_only: bool  # /v1/vacancies answers GeoJSON when Accept asks for it: the route's work
    # What the answer needs of the route's statements, kept in this worker; None until the
    # route has built them (it then keeps them for the next request).
    kept: Callable[[SearchParams, date, int], Any | None]
    # The answer, from the statements run on `queries`; None when the route must answer
    # (the metric's `declined` reason).
    answer: Callable[[SearchParams, int, date, Any, PageQueries], Awaitable[Response | None]]
    declined: str = "tie"


async def _nearest_page(
    params: SearchParams, limit: int, _today: date, kept: Any, queries: PageQueries
) -> Response | None:
    rows = await queries.fetch(*kept)
    if not pages.knn_page_exact(rows, limit + 1):  # the route orders the tie exactly
        return None

    async def fetched(_: int) -> Sequence[Mapping[str, Any]]:
        return rows

    found, next_cursor = await cursors.page(
        fetched, limit, lambda row: search_cursor.position(params, None, row)
    )
    body = service.plain_page(found, next_cursor).model_dump_json().encode()
    return Response(body, media_type="application/json")


async def _collection(
    _params: SearchParams, _limit: int, _today: date, kept: Any, queries: PageQueries
) -> Response:
    rows = await queries.fetch(*kept)
    collection = next(iter(rows[0].values()))  # one row, one column: the collection as text
    return Response(str(collection).encode(), media_type=GEOJSON)


async def _travel_page(
    params: SearchParams, limit: int, today: date, _kept: Any, queries: PageQueries
) -> Response | None:
    # One transaction: its first statement's lock on the network keeps a reload's swap waiting
    # until the last one has run, as on the route (one network per search).
    async with queries.transaction() as fetch:
        body = await travel_fast_path.answer(params, limit, today, fetch)
    return None if body is None else Response(body, media_type="application/json")


_NEAREST = _PlainSearch(
    "nearest",
    plain_nearest,
    json_only=True,
    # One row more than the page tells whether another page follows (app/cursors.py).
    kept=lambda params, today, limit: pages.kept_nearest_page(params, today, limit + 1),
    answer=_nearest_page,
)
_TRAVEL = _PlainSearch(
    "travel",
    plain_travel,
    json_only=True,
    kept=travel_fast_path.kept,
    answer=_travel_page,
    declined="unbuilt",
)
_VIEWPORT = _PlainSearch(
    "viewport", plain_viewport, json_only=False, kept=geojson.kept_collection, answer=_collection
)
# By path, the searches tried in turn: the first whose parse takes the query answers it.
_SEARCHES = {PATH: (_NEAREST, _TRAVEL), GEOJSON_PATH: (_VIEWPORT,)}


class SearchFastPathMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        # A search timeout of its own is set per transaction by the route's session; the map
        # connection has the default one.
        self.enabled = settings.search_fast_path and "search" not in settings.statement_timeouts_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        searches = _SEARCHES.get(scope["path"]) if scope["type"] == "http" else None
        if searches is None or scope["method"] != "GET" or not self.enabled:
            await self.app(scope, receive, send)
            return
        search, taken = searches[0], None
        for search in searches:
            taken = search.parse(scope["query_string"])
            if taken is not None:
                break
        if taken is None or not _anonymous(scope["headers"], json_only=search.json_only):
            await self._route(searches[0].name, "other", scope, receive, send)
            return
        params, limit = taken
        state = scope["app"].state
        settings: Settings = state.settings
        today = datetime.now(settings.tz).date()
        kept = search.kept(params, today, limit)
        if kept is None:  # the route builds the statement, and keeps it for the next request
            await self._route(search.name, "unbuilt", scope, receive, send)
            return
        client = scope.get("client")
        try:  # the route's limit and bucket: the `search` class, per address
            address = f"ip:{client[0] if client else 'unknown'}"
            await count(settings, state.rate_counter, RequestClass.search, address, keyed=False)
        except TooManyRequestsError as exc:
            scope[ROUTE_TEMPLATE_KEY] = scope["path"]
            await (await handle_app_error(Request(scope), exc))(scope, receive, send)
            return
        scope[COUNTED_KEY] = True  # from here on a request handed to the route was counted
        replica = state.database.pick_replica()
        replicas = state.replica_searches
        queries: PageQueries = state.search_queries if replica is None else replicas[replica.name]
        try:
            response = await search.answer(params, limit, today, kept, queries)
        except ServiceUnavailableError:  # the route tries again, elsewhere if it can
            if replica is not None:
                state.database.replica_unreachable(replica)
            await self._route(search.name, "database", scope, receive, send)
            return
        if response is None:
            await self._route(search.name, search.declined, scope, receive, send)
            return
        state.database.answered_by(replica or state.database.primary, retried=False)
        SEARCH_FAST_PATH.labels(search.name, "answered").inc()
        scope[ROUTE_TEMPLATE_KEY] = scope["path"]
        await response(scope, receive, send)

    async def _route(
        self, search: str, why: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        SEARCH_FAST_PATH.labels(search, why).inc()
        await self.app(scope, receive, send)
