"""Test fixtures: a real PostGIS database, migrated once; one rolled-back transaction per test."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.areas.service import load_areas
from app.classifications.service import load_classifications
from app.config import DEFAULT_DATABASE_URL, PROJECT_ROOT, Settings
from app.db import committing, get_session
from app.main import create_app
from app.migrations_info import alembic_config
from app.tiles.cache import MapStateReader, SessionMapQueries
from tests.factories import Actors, make_actors

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
ADMIN_DATA = PROJECT_ROOT / "data" / "admin"
CLASSIFICATIONS_DATA = PROJECT_ROOT / "data" / "classifications"


def _base_test_url() -> str:
    """APP_TEST_DATABASE_URL, or APP_DATABASE_URL's server with the database `<name>_test`."""
    explicit = os.environ.get("APP_TEST_DATABASE_URL")
    if explicit:
        return Settings(database_url=explicit).database_url
    url = make_url(
        Settings(database_url=os.environ.get("APP_DATABASE_URL", DEFAULT_DATABASE_URL)).database_url
    )
    return url.set(database=f"{url.database}_test").render_as_string(hide_password=False)


def database_url(suffix: str = "") -> str:
    url = make_url(_base_test_url())
    return url.set(database=f"{url.database}{suffix}").render_as_string(hide_password=False)


async def _on_server(url: str, *statements: str) -> None:
    """Run statements in the `postgres` database of the server that `url` names."""
    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with admin.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await admin.dispose()


async def recreate_database(url: str) -> None:
    name = make_url(url).database
    await _on_server(
        url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )


async def drop_database(url: str) -> None:
    await _on_server(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


async def migrate(url: str, revision: str = "head", *, down: bool = False) -> None:
    config = alembic_config(ALEMBIC_INI, url)
    config.attributes["configure_logger"] = False  # keep pytest's log capture
    step = command.downgrade if down else command.upgrade
    # Alembic's env runs its own event loop: give it a thread.
    await asyncio.to_thread(step, config, revision)


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    """The session's database: created fresh, migrated to head, areas loaded and committed."""
    url = database_url()
    await recreate_database(url)
    await migrate(url)
    engine = create_async_engine(url, poolclass=NullPool)
    async with AsyncSession(engine) as session, session.begin():
        await load_areas(session, ADMIN_DATA)
        await load_classifications(session, CLASSIFICATIONS_DATA)
    yield engine
    await engine.dispose()
    await drop_database(url)


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session whose commits are savepoints inside the test's transaction."""
    session = AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture
def settings() -> Settings:
    # No background sweep: tests run it themselves when they mean to.
    # No rate limits: the suite sends thousands of requests from one address in minutes; the
    # limits' own tests turn them on.
    return Settings(
        environment="test",
        database_url=database_url(),
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
    )


@contextlib.asynccontextmanager
async def app_on_session(settings: Settings, session: AsyncSession) -> AsyncIterator[FastAPI]:
    """The service with `settings`, started, on the test's transaction."""
    app = create_app(settings)

    async def test_session() -> AsyncIterator[AsyncSession]:
        # The production dependency's commit/rollback, on the test's transaction.
        async with committing(session):
            yield session

    app.dependency_overrides[get_session] = test_session
    async with app.router.lifespan_context(app):
        # The map's hot path through the test's own transaction (the app has a connection of
        # its own, which cannot see the test's uncommitted rows).
        queries = SessionMapQueries(session)
        app.state.map_queries = queries
        app.state.map_states = MapStateReader(queries.read)
        app.state.search_queries = queries  # the search's fast path (app/search/fast_path.py)
        yield app


@pytest.fixture
async def app(settings: Settings, session: AsyncSession) -> AsyncIterator[FastAPI]:
    async with app_on_session(settings, session) as started:
        yield started


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def route_client(settings: Settings, session: AsyncSession) -> AsyncIterator[AsyncClient]:
    """The same service with the search's fast path off (APP_SEARCH_FAST_PATH=false), on the
    test's transaction like the `app` fixture: every search answered by the route."""
    off = settings.model_copy(update={"search_fast_path": False})
    async with app_on_session(off, session) as app:
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def admin_data_dir() -> Path:
    return ADMIN_DATA


@pytest.fixture
async def actors(session: AsyncSession) -> Actors:
    actors = await make_actors(session)
    # Release the savepoint: a request that fails later rolls back its own work, not these rows.
    await session.commit()
    return actors


@dataclass
class Live:
    """An app on its own engine: requests commit for real, as in production. For tests of
    concurrency; they own their rows and delete them afterwards."""

    client: AsyncClient
    actors: Actors
    engine: AsyncEngine
    app: FastAPI


@pytest.fixture
async def live(engine: AsyncEngine, settings: Settings) -> AsyncIterator[Live]:
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        actors = await make_actors(session)
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app=app, raise_app_exceptions=False)
            async with AsyncClient(transport=transport, base_url="http://test") as client:
                yield Live(client, actors, engine, app)
    finally:
        ids = [actors.employer_a.id, actors.employer_b.id, actors.unverified.id]
        async with engine.begin() as connection:
            # Placements and their audit events outlive employers (SET NULL): delete them first.
            await connection.execute(
                text(
                    "DELETE FROM audit_event WHERE entity_type = 'placement' AND entity_id IN "
                    "(SELECT id::text FROM placement WHERE employer_id = ANY(:ids))"
                ),
                {"ids": ids},
            )
            await connection.execute(
                text("DELETE FROM placement WHERE employer_id = ANY(:ids)"), {"ids": ids}
            )
            # Employers cascade to their keys, vacancies, sites and events.
            await connection.execute(
                text("DELETE FROM idempotency_record WHERE principal = ANY(:scopes)"),
                {"scopes": [f"employer:{i}" for i in ids]},
            )
            await connection.execute(
                text("DELETE FROM employer WHERE id = ANY(:ids)"), {"ids": ids}
            )
            await connection.execute(
                text("DELETE FROM api_key WHERE employer_id IS NULL AND label = 'test'")
            )
