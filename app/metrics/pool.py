"""The request pool's connections in use and the requests waiting for one (series.DB_POOL_*)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from app.metrics.series import DB_POOL_IN_USE, DB_POOL_WAITING


class MeteredPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's pool for asyncio, counting who is inside a checkout: `_do_get` is the
    pool's hook for handing out a connection, where a request blocks when all are in use."""

    def _do_get(self) -> ConnectionPoolEntry:
        DB_POOL_WAITING.inc()
        try:
            return super()._do_get()
        finally:
            DB_POOL_WAITING.dec()


def track_in_use(engine: AsyncEngine) -> None:
    """Count the engine's connections checked out in DB_POOL_IN_USE (added up over pools and
    workers): one up per checkout, one down when it comes back."""
    pool = engine.sync_engine.pool

    def checked_out(*_: Any) -> None:
        DB_POOL_IN_USE.inc()

    def checked_in(*_: Any) -> None:
        DB_POOL_IN_USE.dec()

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
