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
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.models import MapVersion, VacancySite

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


async def map_state(db: AsyncSession | AsyncConnection) -> MapState:
    """The map version and the next expiry of a public site (from the expiry index)."""
    row = (await db.execute(_MAP_STATE)).one()
    return int(row[0]), row[1]


async def read_map_state(engine: AsyncEngine) -> MapState:
    """One statement in autocommit: no transaction to begin or end."""
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return await map_state(autocommit)


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


class TileCache:
    """Least recently used tiles up to `max_bytes` (0: keep none)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[tuple[Any, ...], KeptTile] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[Any, ...], state: MapState) -> KeptTile | None:
        kept = self._tiles.get(key)
        if kept is None or kept.state != state:
            return None
        self._tiles.move_to_end(key)
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
