"""The service in its own process, as clients reach it over HTTP (GDAL, the browser)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.areas.service import load_areas
from app.classifications.service import load_classifications
from app.config import PROJECT_ROOT
from tests.conftest import (
    ADMIN_DATA,
    CLASSIFICATIONS_DATA,
    database_url,
    drop_database,
    migrate,
    recreate_database,
)
from tests.factories import Actors, make_actors


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def running_server(
    database_url: str, *, workers: int = 1, jobmap_serve: bool = False, **settings: str
) -> AsyncIterator[str]:
    """uvicorn serving the app on `database_url` with `workers` processes (and
    APP_<NAME> = value for each setting), started as the container does or, with
    `jobmap_serve`, by `jobmap serve`; yields its base URL once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "APP_DATABASE_URL": database_url,
        "APP_EXPIRY_SWEEP_INTERVAL_S": "0",
        "APP_MAP_EXPIRY_INTERVAL_S": "0",
        "APP_LOG_LEVEL": "WARNING",
        **{f"APP_{name.upper()}": value for name, value in settings.items()},
    }
    command = (
        ["-m", "app.cli", "serve"]
        if jobmap_serve
        else ["-m", "uvicorn", "app.main:create_app", "--factory"]
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command,
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        env=env, cwd=PROJECT_ROOT, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, "the server exited"
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the server did not start in 30 s")
        yield base
    finally:
        process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def seeded_database(suffix: str) -> AsyncIterator[tuple[str, Actors]]:
    """A database of its own (`<test db><suffix>`): migrated, areas and codes loaded, one key
    per kind of caller; dropped afterwards. For tests that run the service in its process."""
    url = database_url(suffix)
    await recreate_database(url)
    await migrate(url)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            await load_areas(session, ADMIN_DATA)
            await load_classifications(session, CLASSIFICATIONS_DATA)
            actors = await make_actors(session)
        yield url, actors
    finally:
        await engine.dispose()
        await drop_database(url)
