"""Tiles kept in each worker's memory, served only while nothing they show can have changed.

A tile is kept with the state it was drawn under: the map version (a counter every write to
vacancies, their sites or employers moves, in its own transaction; migration 0011) and the
next expiry of a public site (expiry is not a write). Both are read before the tile is drawn,
so a write committed in between makes the kept tile look older than it is, never newer: it
is drawn again on the next request. No tile can miss a vacancy published, or show one closed
or expired, before its request began.

Each worker reads the state for many requests at once (MapStateReader): a request waits for a
read that begins after it asked, so the guarantee holds while 16 concurrent tile requests cost
one query instead of sixteen transactions."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy import func, make_url, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from app.config import Settings
from app.db import POOLER_STARTUP, session_settings, set_locally
from app.errors import ServiceUnavailableError
from app.http_cache import etag_for
from app.metrics.series import STATEMENT_TIMEOUTS, TILE_CACHE
from app.models import MapVersion, VacancySite
from app.tiles.grid import Tile

TileKey = tuple[Tile, str, int]
# Runs a statement with its values: every row.
Fetch = Callable[[Any, dict[str, Any]], Awaitable[Sequence[Any]]]


def tile_key(tile: Tile, filters_fingerprint: str, sites_from_zoom: int) -> TileKey:
    """What a kept tile is found by: the tile, its filters and where single sites begin."""
    return (tile, filters_fingerprint, sites_from_zoom)


MapState = tuple[int, Any]


@dataclass(frozen=True)
class KeptTile:
    state: MapState
    body: bytes
    etag: str


_NEXT_EXPIRY = (
    select(func.min(VacancySite.valid_through))
    .where(VacancySite.public, VacancySite.valid_through > func.now())
    .scalar_subquery()
)
_MAP_STATE = select(MapVersion.version, _NEXT_EXPIRY)


def _as_state(row: Any) -> MapState:
    return int(row[0]), row[1]


async def map_state(session: AsyncSession) -> MapState:
    """The map version and the next expiry of a public site (from the expiry index)."""
    return _as_state((await session.execute(_MAP_STATE)).one())


class MapQueries(Protocol):
    """What the fast path and the map-state reader run their statements through."""

    async def read(self) -> MapState: ...

    async def fetchrow(self, statement: Any, values: dict[str, Any]) -> Any: ...

    async def fetch(self, statement: Any, values: dict[str, Any]) -> Sequence[Any]: ...


class SessionMapQueries:
    """The same through a session: for tests, whose rows only their own transaction sees."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def read(self) -> MapState:
        return await map_state(self.session)

    async def fetchrow(self, statement: Any, values: dict[str, Any]) -> Any:
        return (await self._run(statement, values)).first()

    async def fetch(self, statement: Any, values: dict[str, Any]) -> Sequence[Any]:
        return list((await self._run(statement, values)).mappings())

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Fetch]:
        """The test's own transaction."""
        yield self.fetch

    async def _run(self, statement: Any, values: dict[str, Any]) -> Any:
        """In a savepoint, failing as MapConnection does: the test's transaction goes on."""
        try:
            async with self.session.begin_nested():
                return await self.session.execute(statement, values)
        except DBAPIError as exc:
            detail = "The database is unavailable. Try again shortly."
            raise ServiceUnavailableError(detail) from exc


class MapConnection:
    """A worker's own connection for the map's hot path: the map state, tiles of the plain
    layer drawn by the fast path, and (with `connections` of them) the plain nearest search's
    page (app/search/fast_path.py). One statement at a time on each, in no transaction (the
    travel-time search's several in one: `transaction`), and none of the pool's checkout, ping
    and ORM work, which cost more than these queries do."""

    def __init__(self, settings: Settings, *, url: str | None = None, connections: int = 1) -> None:
        """To the primary, or to `url` (a replica); at most `connections` statements at once,
        each on a connection of its own, opened when first needed."""
        libpq = make_url(url or settings.database_url).set(drivername="postgresql")
        self._dsn = libpq.render_as_string(hide_password=False)
        self._connect_timeout = settings.db_connect_timeout_s
        per_session = session_settings(settings.db_statement_timeout_ms)
        # Behind a transaction pooler each statement runs in a transaction of its own that
        # sets them (app/db.py): two more round trips, and nothing kept prepared.
        self._pooled = settings.db_transaction_pooler
        self._set_locally = set_locally(per_session)
        self._server_settings = POOLER_STARTUP | {"application_name": "jobmap-map"}
        if not self._pooled:
            self._server_settings |= per_session
        self._dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
        # By the statement's id; the statement is kept too, so its id is never reused.
        self._compiled: dict[int, tuple[Any, str, tuple[str, ...], SQLCompiler]] = {}
        self._idle: list[asyncpg.Connection] = []  # open, no statement running
        self._slots = asyncio.Semaphore(connections)

    async def read(self) -> MapState:
        """The state (for MapStateReader)."""
        return _as_state(await self.fetchrow(_MAP_STATE, {}))

    async def fetchrow(self, statement: Any, values: dict[str, Any]) -> Any:
        """The statement's first row. ServiceUnavailableError (503) while the database cannot
        answer (or the statement times out), after which the next call connects again."""
        return await self._run(statement, values, many=False)

    async def fetch(self, statement: Any, values: dict[str, Any]) -> Sequence[Any]:
        """Every row of the statement (asyncpg records), with the same errors as fetchrow."""
        rows: Sequence[Any] = await self._run(statement, values, many=True)
        return rows

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Fetch]:
        """One connection and one transaction for several statements, for a search that must
        read one network throughout (app/search/travel_fast_path.py): the fetch to run them
        with, with fetch's errors."""
        async with self._connection() as connection, connection.transaction():
            if self._pooled:
                await connection.execute(self._set_locally)

            async def fetch(statement: Any, values: dict[str, Any]) -> Sequence[Any]:
                sql, arguments = self._arguments(statement, values)
                rows: Sequence[Any] = await connection.fetch(sql, *arguments)
                return rows

            yield fetch

    async def _run(self, statement: Any, values: dict[str, Any], *, many: bool) -> Any:
        sql, arguments = self._arguments(statement, values)
        async with self._connection() as connection:
            run = connection.fetch if many else connection.fetchrow
            if not self._pooled:
                return await run(sql, *arguments)
            async with connection.transaction():
                await connection.execute(self._set_locally)
                return await run(sql, *arguments)

    def _arguments(self, statement: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
        _, sql, names, compiled = self._compile(statement)
        arguments = compiled.construct_params(values) or {}
        return sql, [arguments[name] for name in names]

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """An idle connection, or a new one, for one use; kept when the use went well."""
        async with self._slots:
            connection = None
            try:
                while self._idle and connection is None:
                    connection = self._idle.pop()
                    if connection.is_closed():
                        connection = None
                if connection is None:
                    connection = await asyncpg.connect(
                        self._dsn,
                        timeout=self._connect_timeout,
                        server_settings=self._server_settings,
                        statement_cache_size=0 if self._pooled else 100,
                    )
                yield connection
            except (
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                asyncpg.InternalClientError,
                OSError,
                TimeoutError,
            ) as exc:
                if isinstance(exc, asyncpg.QueryCanceledError):  # its statement timeout
                    STATEMENT_TIMEOUTS.inc()
                if connection is not None:
                    connection.terminate()
                await self.close()  # the others may be as broken: the next calls connect again
                detail = "The database is unavailable. Try again shortly."
                raise ServiceUnavailableError(detail) from exc
            except BaseException:  # cancelled mid-statement: its state is unknown
                if connection is not None:
                    connection.terminate()
                raise
            self._idle.append(connection)

    def _compile(self, statement: Any) -> tuple[Any, str, tuple[str, ...], SQLCompiler]:
        # Statements on this path are built once (module constants, functools.cache).
        known = self._compiled.get(id(statement))
        if known is None:
            compiled = statement.compile(dialect=self._dialect)
            known = (statement, str(compiled), tuple(compiled.positiontup or ()), compiled)
            self._compiled[id(statement)] = known
        return known

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.terminate()  # no round trip: the server may be gone


class MapStateReader:
    """The map state for each caller from a read that began after it called, shared by every
    caller waiting for the same read: while one read is under way, callers queue for the
    next, which starts as soon as it ends."""

    def __init__(self, read: Callable[[], Awaitable[MapState]]) -> None:
        self._read = read
        self._next: asyncio.Future[MapState] | None = None  # not begun: callers may join
        self._reader: asyncio.Task[None] | None = None

    async def current(self) -> MapState:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._reader is None:
                self._reader = asyncio.create_task(self._read_while_asked())
        # Shielded: a caller that goes away does not cancel the read the others wait for.
        return await asyncio.shield(self._next)

    async def _read_while_asked(self) -> None:
        asked: asyncio.Future[MapState] | None = None
        try:
            while self._next is not None:
                asked, self._next = self._next, None  # from here on callers wait for the next
                try:
                    asked.set_result(await self._read())
                except Exception as exc:  # every waiter gets the error, e.g. the database down
                    asked.set_exception(exc)
                    asked.exception()  # retrieved, even when every waiter has gone
        finally:
            # Cancelled (the worker stops): nobody is left waiting for ever.
            for left in (asked, self._next):
                if left is not None and not left.done():
                    left.cancel()
            self._next = self._reader = None


# Zoom bands of the tile cache's series: the province whole, districts, communes, streets.
_ZOOM_BANDS = ((7, "0-7"), (10, "8-10"), (13, "11-13"), (15, "14-15"))


def zoom_band(z: int) -> str:
    """The band of zoom `z` (bounded labels: one series per band, not per zoom)."""
    return next((band for top, band in _ZOOM_BANDS if z <= top), "16+")


class TileCache:
    """Least recently used tiles up to `max_bytes` (0: keep none)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[tuple[Any, ...], KeptTile] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[Any, ...], state: MapState) -> KeptTile | None:
        kept = self._tiles.get(key)
        band = zoom_band(key[0].z) if isinstance(key[0], Tile) else "other"
        if kept is None or kept.state != state:
            TILE_CACHE.labels(band, "miss").inc()
            return None
        TILE_CACHE.labels(band, "hit").inc()
        self._tiles.move_to_end(key)
        return kept

    def keep(self, key: tuple[Any, ...], state: MapState, body: bytes) -> KeptTile:
        """A tile just drawn under `state`, kept when it fits. Its ETag is a hash of its own
        bytes: equal whenever the tile shows the same data."""
        kept = KeptTile(state, body, etag_for(body))
        self.put(key, kept)
        return kept

    def put(self, key: tuple[Any, ...], kept: KeptTile) -> None:
        if len(kept.body) > self.max_bytes:
            return
        old = self._tiles.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._tiles[key] = kept
        self._bytes += len(kept.body)
        while self._bytes > self.max_bytes:
            _, dropped = self._tiles.popitem(last=False)
            self._bytes -= len(dropped.body)
