"""Database plumbing: declarative base, engine factory and the per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import Connection, MetaData, event, func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from app.config import Settings
from app.metrics.pool import MeteredPool
from app.request_classes import classify

# Stable constraint names, so Alembic autogenerate and downgrades can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def session_settings(statement_timeout_ms: int) -> dict[str, str]:
    """The settings every session of ours runs with."""
    return {
        "statement_timeout": str(statement_timeout_ms),
        # JIT and parallel workers cost more than they save on millisecond queries.
        "jit": "off",
        "max_parallel_workers_per_gather": "0",
        # A session left idle inside a transaction would hold back the changes feed (and
        # vacuum) for the whole cluster.
        "idle_in_transaction_session_timeout": "60000",
    }


# Startup parameters a transaction pooler passes on (PgBouncer refuses any other).
POOLER_STARTUP = {"application_name": "jobmap", "timezone": "UTC"}


def create_engine(
    settings: Settings, *, url: str | None = None, statement_timeout_ms: int | None = None
) -> AsyncEngine:
    """An asyncpg engine tuned for short interactive queries, to the primary or to `url` (a
    replica). Operators' commands pass their own statement timeout (0: none)."""
    timeout_ms = (
        settings.db_statement_timeout_ms if statement_timeout_ms is None else statement_timeout_ms
    )
    per_session = session_settings(timeout_ms)
    connect_args: dict[str, object] = {"timeout": settings.db_connect_timeout_s}
    if settings.db_transaction_pooler:
        connect_args |= {
            "server_settings": POOLER_STARTUP,
            # Statements another transaction prepared may be on another server connection,
            # and two clients' numbered names would collide on one: every statement unnamed,
            # prepared and run in one exchange (asyncpg flushes, it does not sync, between).
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: "",
        }
    else:
        connect_args["server_settings"] = POOLER_STARTUP | per_session
    engine = create_async_engine(
        url or settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        poolclass=MeteredPool,  # counts requests waiting for a connection (app/metrics)
        # A connection killed by a database restart is noticed and replaced, not handed out.
        pool_pre_ping=True,
        connect_args=connect_args,
    )
    if settings.db_transaction_pooler:
        _set_in_every_transaction(engine, per_session)
    return engine


def set_locally(values: dict[str, str]) -> str:
    """One statement that sets `values` for the current transaction only (they come from our
    settings: numbers and fixed words)."""
    calls = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in values.items())
    return f"SELECT {calls}"


def _set_in_every_transaction(engine: AsyncEngine, values: dict[str, str]) -> None:
    """Behind a transaction pooler a session setting would leak to other clients' transactions
    and be missing from ours: each transaction sets them for itself, in one statement (one
    more round trip per transaction)."""
    statement = set_locally(values)

    @event.listens_for(engine.sync_engine, "begin")
    def set_locals(connection: Connection) -> None:
        connection.exec_driver_sql(statement)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def db_now(session: AsyncSession) -> datetime:
    """The database's clock (transaction start): one clock for every worker and rule."""
    now: datetime = (await session.execute(select(func.now()))).scalar_one()
    return now


@asynccontextmanager
async def committing(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit when the block ends normally, roll back when it raises."""
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


class Router(Protocol):
    """Picks the server of each request (app/replicas/routing.Database)."""

    async def server_for(self, request: Request) -> Any: ...

    def answered(self, request: Request, server: Any) -> None: ...

    async def committed(self, request: Request, session: AsyncSession) -> None: ...

    def failed(self, request: Request, server: Any, exc: BaseException) -> None: ...


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session and transaction per request, on the server the request's class reads from
    (the primary, or a replica: app/replicas), committed when the handler returns. Requests
    of a class with its own statement timeout (reports, writes, imports) set it for their
    transaction; the rest keep the connection's."""
    database: Router = request.app.state.database
    server = await database.server_for(request)
    kind = classify(request.method, request.url.path)
    timeout_ms = request.app.state.settings.statement_timeouts_ms.get(kind.value)
    async with server.sessions() as session:
        session.info["server"] = server.name
        try:
            async with committing(session):
                if timeout_ms is not None:
                    await session.execute(
                        text("SELECT set_config('statement_timeout', :ms, true)"),
                        {"ms": str(timeout_ms)},
                    )
                yield session
        except BaseException as exc:
            database.failed(request, server, exc)
            raise
        finally:
            database.answered(request, server)
        await database.committed(request, session)


def primary_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """Sessions on the primary, for the rare write a read request makes of its own."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessions


def on_replica(session: AsyncSession) -> bool:
    """Is this request's session on a replica (read only, possibly behind)?"""
    return str(session.info.get("server", "primary")) != "primary"


# scope="function": the commit runs before the response is sent, so a failed commit is an
# error response rather than a success for data that did not stick.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
