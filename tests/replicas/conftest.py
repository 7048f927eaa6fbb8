"""A real streaming replica of the test server (`make test` makes it: scripts/db.sh
replica-start, a pg_basebackup -R on port 5440) and apps that read from it."""

from __future__ import annotations

import asyncio
import os
import time
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import AsyncIterator

import asyncpg
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import make_url

from app.config import PROJECT_ROOT, Settings
from tests.conftest import database_url

REPLICA_PORT = int(os.environ.get("JOBMAP_PG_REPLICA_PORT", "5440"))
DB_SCRIPT = PROJECT_ROOT / "scripts" / "db.sh"


def replica_url() -> str:
    """The test database as the replica serves it (APP_TEST_REPLICA_URL when given)."""
    explicit = os.environ.get("APP_TEST_REPLICA_URL")
    if explicit:
        return Settings(database_url=explicit).database_url
    url = make_url(database_url()).set(port=REPLICA_PORT)
    return url.render_as_string(hide_password=False)


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def _ours() -> bool:
    """Is the test server the project's own (so the tests may start and stop its replica)?"""
    primary = make_url(database_url())
    return primary.host == "127.0.0.1" and "APP_TEST_REPLICA_URL" not in os.environ


async def db_script(command: str) -> None:
    """scripts/db.sh `command` (replica-start, replica-stop) for the test server."""
    env = {k: v for k, v in os.environ.items() if k != "APP_DATABASE_URL"}
    env["JOBMAP_PG_PORT"] = str(make_url(database_url()).port or 5432)
    process = await asyncio.create_subprocess_exec(
        "/bin/bash", str(DB_SCRIPT), command, env=env, stdout=PIPE, stderr=STDOUT
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")


async def _fetch(url: str, sql: str) -> object:
    connection = await asyncpg.connect(_libpq(url, "postgres"), timeout=5)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


async def on_replica(sql: str) -> object:
    return await _fetch(replica_url(), sql)


async def on_primary(sql: str) -> object:
    return await _fetch(database_url(), sql)


async def caught_up(timeout_s: float = 20) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    target = await on_primary("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await on_replica(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the replica did not catch up")


async def replica_running() -> bool:
    try:
        return bool(await on_replica("SELECT pg_is_in_recovery()"))
    except (OSError, asyncpg.PostgresError):
        return False


@pytest.fixture(scope="session")
async def replica(engine: object) -> str:  # noqa: ARG001 (made on the primary first)
    """The replica's URL of the test database, once it has replayed the database's creation."""
    if not await replica_running():
        if not _ours():
            pytest.skip("no replica of the given test server (set APP_TEST_REPLICA_URL)")
        await db_script("replica-start")
    assert await replica_running(), "the replica is not in recovery"
    await caught_up()
    return replica_url()


@pytest.fixture
async def paused_replay(replica: str) -> AsyncIterator[None]:  # noqa: ARG001
    """The replica stops replaying WAL (it still receives it) until the test ends."""
    await on_replica("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        await on_replica("SELECT pg_wal_replay_resume()")
        await caught_up()


@pytest.fixture
def settings(replica: str) -> Settings:
    """The suite's settings with the replica, checked often, and a short lag limit."""
    return Settings(
        environment="test",
        database_url=database_url(),
        database_replica_urls=[replica],
        replica_check_interval_s=0.1,
        replica_max_lag_s=2,
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
    )


def served(server: str, *, retried: bool = False) -> float:
    """Requests answered from `server` so far in this process (app/metrics)."""
    labels = {"server": server, "retried": "yes" if retried else "no"}
    return REGISTRY.get_sample_value("jobmap_db_requests_total", labels) or 0.0


class Served:
    """Counts of requests by server since it was made."""

    def __init__(self) -> None:
        self._start = {name: served(name) for name in ("primary", "replica-1")}
        self._retried = served("primary", retried=True)

    def __getitem__(self, server: str) -> float:
        return served(server) - self._start[server]

    @property
    def retried(self) -> float:
        return served("primary", retried=True) - self._retried


async def in_rotation(app: object, *, up: bool = True, timeout_s: float = 15) -> None:
    """Wait until the app's monitor has the replica in (or out of) rotation."""
    monitor = app.state.database.monitor  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if monitor.usable("replica-1", 0) is up:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"replica-1 never {'in' if up else 'out of'} rotation")
