"""Database plumbing: declarative base, engine factory and the per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import MetaData, func, select, text
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


def create_engine(settings: Settings, *, statement_timeout_ms: int | None = None) -> AsyncEngine:
    """An asyncpg engine tuned for short interactive queries. Operators' commands pass their
    own statement timeout (0: none)."""
    timeout_ms = (
        settings.db_statement_timeout_ms if statement_timeout_ms is None else statement_timeout_ms
    )
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        poolclass=MeteredPool,  # counts requests waiting for a connection (app/metrics)
        # A connection killed by a database restart is noticed and replaced, not handed out.
        pool_pre_ping=True,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "server_settings": {
                "application_name": "jobmap",
                "statement_timeout": str(timeout_ms),
                # JIT and parallel workers cost more than they save on millisecond queries.
                "jit": "off",
                "max_parallel_workers_per_gather": "0",
                # A session left idle inside a transaction would hold back the changes feed
                # (and vacuum) for the whole cluster.
                "idle_in_transaction_session_timeout": "60000",
                "timezone": "UTC",
            },
        },
    )


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


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session and transaction per request: committed when the handler returns. Requests
    of a class with its own statement timeout (reports, writes, imports) set it for their
    transaction; the rest keep the connection's."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    kind = classify(request.method, request.url.path)
    timeout_ms = request.app.state.settings.statement_timeouts_ms.get(kind.value)
    async with sessionmaker() as session, committing(session):
        if timeout_ms is not None:
            await session.execute(
                text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(timeout_ms)}
            )
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit is an
# error response rather than a success for data that did not stick.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
