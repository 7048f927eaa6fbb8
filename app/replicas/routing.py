"""Which server answers a request: the primary, or a replica that is up, within the lag
limit and past the client's last write (app/request_classes.server_for says which requests
may read from replicas).

A request that fails on a replica (refused, reset, cancelled by recovery) is answered again
on the primary when it is a GET or HEAD (app/replicas/middleware.py), and the replica leaves
the rotation until its next check answers: a replica going down costs no 5xx."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.keys import prefix_of
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.errors import InvalidInputError, ServiceUnavailableError, sqlstate, translate_db_error
from app.metrics.series import DB_REQUESTS
from app.replicas.lsn import LSN_HEADER, LsnStore, create_lsn_store, parse_lsn
from app.replicas.monitor import Probe, ReplicaMonitor
from app.request_classes import SERVER_OF_CLASS, Server, classify, server_for

logger = logging.getLogger(__name__)

NOTE_KEY = "jobmap.routing"  # the request's RoutingNote in the ASGI scope
_INSERT_LSN = text("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")


@dataclass
class RoutingNote:
    """What the request's routing found, for the middleware around it."""

    retrying: bool = False  # the second run, on the primary, after a replica failed
    replica_failed: bool = False
    commit_lsn: int | None = None  # a write's, for the X-Commit-LSN response header


@dataclass(frozen=True)
class ServerHandle:
    name: str  # "primary", or "replica-N" by its place in APP_DATABASE_REPLICA_URLS
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def is_replica(self) -> bool:
        return self.name != "primary"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_STATEMENT_TIMEOUT = "57014"  # as slow on the primary: not run again there


def _replica_failure(exc: BaseException) -> bool:
    """Would the primary answer it? Yes when the replica was unavailable (down, shutting
    down, a query cancelled by recovery); not for a statement timeout or bad input."""
    if isinstance(exc, DBAPIError):
        unavailable = isinstance(translate_db_error(exc), ServiceUnavailableError)
        return unavailable and sqlstate(exc) != _STATEMENT_TIMEOUT
    return isinstance(exc, OSError | TimeoutError)


def _unreachable(exc: BaseException) -> bool:
    """Did the replica itself go away (rather than cancel one query)?"""
    if not isinstance(exc, DBAPIError):
        return isinstance(exc, OSError | TimeoutError)
    code = sqlstate(exc)
    # connection exception (08), operator intervention such as a shutdown (57), or a
    # connection that broke without a code
    return exc.connection_invalidated or (code or "")[:2] in {"08", "57"} or code is None


class Database:
    """The primary's engine and one per replica, and the monitor of the replicas' lag."""

    def __init__(self, settings: Settings) -> None:
        engine = create_engine(settings)
        self.primary = ServerHandle(
            "primary", settings.database_url, engine, create_sessionmaker(engine)
        )
        self.replicas: list[ServerHandle] = []
        for number, url in enumerate(settings.database_replica_urls, start=1):
            engine = create_engine(settings, url=url)
            self.replicas.append(
                ServerHandle(f"replica-{number}", url, engine, create_sessionmaker(engine))
            )
        self.monitor: ReplicaMonitor | None = None
        self.lsn_store: LsnStore | None = None
        if self.replicas:
            pooled = settings.db_transaction_pooler
            self.monitor = ReplicaMonitor(
                Probe(_libpq(settings.database_url), pooled=pooled),
                {handle.name: Probe(_libpq(handle.url), pooled=pooled) for handle in self.replicas},
                max_lag_s=settings.replica_max_lag_s,
                interval_s=settings.replica_check_interval_s,
            )
            # Past the lag limit every replica in rotation has replayed a write.
            ttl_s = settings.replica_max_lag_s + 10 * settings.replica_check_interval_s + 10
            self.lsn_store = create_lsn_store(settings.redis_url, ttl_s)
        self._turn = itertools.count()

    def pick_replica(self, min_lsn: int = 0) -> ServerHandle | None:
        """A replica in rotation past `min_lsn`, taking turns; None when there is none."""
        if self.monitor is None:
            return None
        usable = [r for r in self.replicas if self.monitor.usable(r.name, min_lsn)]
        return usable[next(self._turn) % len(usable)] if usable else None

    async def server_for(self, request: Request) -> ServerHandle:
        min_lsn = requested_lsn(request)
        note: RoutingNote | None = request.scope.get(NOTE_KEY)
        if (
            self.lsn_store is None
            or (note is not None and note.retrying)
            or server_for(request.method, request.url.path) is Server.primary
        ):
            return self.primary
        client = client_of(request)
        if client is not None:
            min_lsn = max(min_lsn, await self.lsn_store.latest(client))
        return self.pick_replica(min_lsn) or self.primary

    def answered(self, request: Request, server: ServerHandle) -> None:
        note: RoutingNote | None = request.scope.get(NOTE_KEY)
        self.answered_by(server, retried=note is not None and note.retrying)

    @staticmethod
    def answered_by(server: ServerHandle, *, retried: bool) -> None:
        DB_REQUESTS.labels(server.name, "yes" if retried else "no").inc()

    def replica_unreachable(self, server: ServerHandle) -> None:
        if self.monitor is not None:
            self.monitor.mark_down(server.name)

    async def committed(self, request: Request, session: AsyncSession) -> None:
        """After a write request committed on the primary: its position, for the header and
        for the writer's next reads. Any transaction that starts after our commit returned
        sees an insert position at or past our commit record."""
        note: RoutingNote | None = request.scope.get(NOTE_KEY)
        kind = classify(request.method, request.url.path)
        if self.lsn_store is None or note is None or SERVER_OF_CLASS[kind] is not Server.primary:
            return
        try:
            lsn = int((await session.execute(_INSERT_LSN)).scalar_one())
        except Exception:  # the write stands; only the header and the stickiness are lost
            logger.warning("the commit's WAL position could not be read", exc_info=True)
            return
        note.commit_lsn = lsn
        client = client_of(request)
        if client is not None:
            await self.lsn_store.remember(client, lsn)

    def failed(self, request: Request, server: ServerHandle, exc: BaseException) -> None:
        """A replica that failed a request: out of rotation if unreachable, and the request
        marked for an answer from the primary."""
        note: RoutingNote | None = request.scope.get(NOTE_KEY)
        if not server.is_replica or note is None or not _replica_failure(exc):
            return
        note.replica_failed = True
        if _unreachable(exc):
            self.replica_unreachable(server)

    def replica_lag(self) -> dict[str, float]:
        """Seconds behind per replica (infinity: down), for /readyz."""
        if self.monitor is None:
            return {}
        return {name: health.lag_s for name, health in self.monitor.health.items()}

    async def close(self) -> None:
        if self.lsn_store is not None:
            await self.lsn_store.close()
        for handle in (self.primary, *self.replicas):
            await handle.engine.dispose()


def retried_on_primary(request: Request) -> bool:
    """Is this the second run of a request whose replica failed?"""
    note: RoutingNote | None = request.scope.get(NOTE_KEY)
    return note is not None and note.retrying


def requested_lsn(request: Request) -> int:
    """The position the client says it must see (0: none); 422 for a malformed header."""
    header = request.headers.get(LSN_HEADER)
    if header is None:
        return 0
    try:
        return parse_lsn(header)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field=LSN_HEADER) from exc


def client_of(request: Request) -> str | None:
    """Whose writes a request reads: its API key (by prefix), None when anonymous."""
    scheme, _, key = (request.headers.get("authorization") or "").partition(" ")
    prefix = prefix_of(key.strip()) if scheme.lower() == "bearer" else None
    return f"key:{prefix}" if prefix else None
