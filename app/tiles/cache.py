"""Tiles kept in each worker's memory, served only while nothing they show can have changed.

A tile is kept with the state it was drawn under: the map version (a counter every write to
vacancies, their sites or employers moves, in its own transaction; migration 0011) and the
next expiry of a public site (expiry is not a write). Both are read before the tile is drawn,
so a write committed in between makes the kept tile look older than it is, never newer: it
is drawn again on the next request. No tile can miss a vacancy published, or show one closed
or expired, before its request began."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import MapVersion, VacancySite

MapState = tuple[int, Any]


@dataclass(frozen=True)
class KeptTile:
    state: MapState
    body: bytes
    etag: str


async def map_state(session: AsyncSession) -> MapState:
    """The map version and the next expiry of a public site (from the expiry index)."""
    next_expiry = (
        select(func.min(VacancySite.valid_through))
        .where(VacancySite.public, VacancySite.valid_through > func.now())
        .scalar_subquery()
    )
    row = (await session.execute(select(MapVersion.version, next_expiry))).one()
    return int(row[0]), row[1]


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
