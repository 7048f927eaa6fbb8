"""Liveness and readiness, including a database that is unreachable or not migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app
from app.migrations_info import migration_heads
from tests.conftest import ALEMBIC_INI, database_url, drop_database, recreate_database
from tests.problems import assert_problem


@asynccontextmanager
async def _client_for(database: str) -> AsyncIterator[AsyncClient]:
    """A client of an app with its own engine (no test-transaction override)."""
    app = create_app(
        Settings(
            environment="test",
            database_url=database,
            db_connect_timeout_s=2,
            expiry_sweep_interval_s=0,
            map_expiry_interval_s=0,
        )
    )
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_healthz(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.usefixtures("engine")
async def test_readyz_when_migrated() -> None:
    async with _client_for(database_url()) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["migration"] in migration_heads(ALEMBIC_INI)


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    async with _client_for("postgresql+asyncpg://jobmap:jobmap@127.0.0.1:1/jobmap") as client:
        response = await client.get("/readyz")
        assert (await client.get("/healthz")).status_code == 200  # alive, just not ready
    body = assert_problem(response, 503)
    assert "unreachable" in body["detail"]
    assert response.headers["retry-after"]


async def test_readyz_is_503_when_the_database_is_not_migrated() -> None:
    url = database_url("_empty")
    await recreate_database(url)
    try:
        async with _client_for(url) as client:
            body = assert_problem(await client.get("/readyz"), 503)
        assert "jobmap db upgrade" in body["detail"]
    finally:
        await drop_database(url)


async def test_a_query_while_the_database_is_down_is_503() -> None:
    async with _client_for("postgresql+asyncpg://jobmap:jobmap@127.0.0.1:1/jobmap") as client:
        response = await client.get("/v1/areas/lookup", params={"lon": 106, "lat": 10})
    assert_problem(response, 503)
