"""The service behind PgBouncer (Debian's `pgbouncer`, installed by scripts/test-tools.sh) in
transaction pooling mode, with APP_DB_TRANSACTION_POOLER set: two server connections shared by
two workers' client connections, so consecutive transactions of one client land on different
server connections and different clients' transactions on the same one. A smoke set of API
calls (posting, editing, search, tiles, statistics, the changes feed) under concurrency answers
without a 5xx, each transaction runs with the service's settings, none leaks to another client,
and nothing stays prepared on the server. Without the setting the service cannot connect at all
(PgBouncer refuses its session settings as startup parameters), which is why it exists."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db import create_engine
from tests.factories import CITY_CENTRE, Actors, vacancy_payload
from tests.servers import free_port, running_server, seeded_database

SERVER_CONNECTIONS = 2

CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = {pool}
max_client_conn = 500
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        pytest.fail(
            "Debian's `pgbouncer` is not installed: run scripts/test-tools.sh as root "
            "(`make test` does), or `sudo apt-get install pgbouncer`."
        )
    return found


@contextlib.asynccontextmanager
async def running_pgbouncer(database_url: str) -> AsyncIterator[str]:
    """PgBouncer in transaction mode in front of `database_url`'s server; yields the same URL
    through it."""
    parts = urlsplit(database_url)
    assert parts.hostname is not None
    assert parts.username is not None
    listen = free_port()
    with tempfile.TemporaryDirectory(prefix="jobmap-pgbouncer-") as name:
        folder = Path(name)
        (folder / "pgbouncer.ini").write_text(
            CONFIG.format(
                host=parts.hostname,
                port=parts.port or 5432,
                listen=listen,
                folder=folder,
                pool=SERVER_CONNECTIONS,
            ),
            encoding="utf-8",
        )
        # The password PgBouncer logs in to the server with.
        (folder / "users.txt").write_text(
            f'"{parts.username}" "{parts.password or ""}"\n', encoding="utf-8"
        )
        command = [pgbouncer_binary(), "--quiet"]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(folder, "postgres")
            command += ["-u", "postgres"]
        process = await asyncio.create_subprocess_exec(
            *command, str(folder / "pgbouncer.ini"), stdout=asyncio.subprocess.DEVNULL
        )
        try:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", listen)
                    writer.close()
                    break
                assert process.returncode is None, (folder / "pgbouncer.log").read_text()
                await asyncio.sleep(0.1)
            else:
                pytest.fail("pgbouncer did not listen in 10 s")
            netloc = f"{parts.username}:{parts.password}@127.0.0.1:{listen}"
            yield parts._replace(netloc=netloc).geturl()
        finally:
            process.terminate()
            await process.wait()


@pytest.fixture(scope="module")
async def pooled() -> AsyncIterator[tuple[str, str, Actors]]:
    """(the database's URL, the same through PgBouncer, the callers' keys)."""
    async with seeded_database("_pgbouncer") as (url, actors), running_pgbouncer(url) as through:
        yield url, through, actors


async def test_the_api_answers_through_pgbouncer_in_transaction_mode(
    pooled: tuple[str, str, Actors],
) -> None:
    _, through, actors = pooled
    async with (
        running_server(through, workers=2, db_transaction_pooler="true") as base,
        httpx.AsyncClient(base_url=base, timeout=60) as client,
    ):
        lon, lat = CITY_CENTRE

        async def post(i: int) -> dict[str, Any]:
            payload = vacancy_payload(
                title=f"Kế toán kho {i}",
                sites=[{"positions": 1, "coordinates": {"lon": lon + i * 1e-3, "lat": lat}}],
            )
            response = await client.post("/v1/vacancies", json=payload, headers=actors.a)
            assert response.status_code == 201, response.text
            body: dict[str, Any] = response.json()
            return body

        posted = await asyncio.gather(*(post(i) for i in range(20)))
        # Reads of every kind at once, many more than the two server connections.
        reads = [
            f"/v1/vacancies?near={lon},{lat}&radius_m=5000",
            "/v1/vacancies?q=ke%20toan",
            f"/v1/vacancies/{posted[0]['id']}",
            "/v1/tiles/vacancies/12/3253/1930.mvt",
            "/v1/areas?level=commune",
            "/v1/vacancies/changes",
        ]
        # Keyed (through the routes: the key is checked in the request's transaction) and
        # anonymous (plain tiles through the fast path's own connection).
        responses = await asyncio.gather(
            *(client.get(path, headers=actors.a) for path in reads * 5),
            *(client.get(path) for path in reads * 5),
            client.get("/v1/public/stats/placements?period=2025&group_by=area"),
        )
        assert [r.status_code for r in responses if r.status_code >= 500] == []
        assert all(r.status_code in (200, 204) for r in responses), [
            (r.url, r.status_code, r.text[:200]) for r in responses if r.status_code >= 300
        ]
        found = await client.get("/v1/vacancies", params={"q": "ke toan", "count": "exact"})
        assert found.json()["total"] == 20, found.text
        # Writes that need their own transaction's settings: an edit and a close.
        edited = await client.patch(
            f"/v1/vacancies/{posted[1]['id']}",
            json={"title": "Kế toán trưởng"},
            headers={**actors.a, "If-Match": "*"},
        )
        assert edited.status_code == 200, edited.text
        closed = await client.post(
            f"/v1/vacancies/{posted[2]['id']}/close", json={"reason": "filled"}, headers=actors.a
        )
        assert closed.status_code == 200, closed.text
        gone = await client.get(f"/v1/vacancies/{posted[2]['id']}")
        assert gone.status_code == 410, gone.text  # closed: gone from the public


async def test_each_transaction_runs_with_the_service_settings(
    pooled: tuple[str, str, Actors],
) -> None:
    """Through the pooler, every transaction sees the service's settings, set by itself: not
    left behind on the server connection for the next client."""
    _, through, _ = pooled
    settings = Settings(database_url=through, db_transaction_pooler=True)
    engine = create_engine(settings, statement_timeout_ms=1234)
    try:

        async def settings_seen() -> tuple[str, str]:
            async with engine.connect() as connection:
                result = await connection.exec_driver_sql(
                    "SELECT current_setting('statement_timeout'), current_setting('jit')"
                )
                timeout, jit = tuple(result.one())
                return str(timeout), str(jit)

        seen = await asyncio.gather(*(settings_seen() for _ in range(30)))
        assert set(seen) == {("1234ms", "off")}
        # A plain client of the same pooler, on the same two server connections, gets the
        # server's defaults: nothing of ours stayed on them.
        plain = await asyncpg.connect(
            through.replace("postgresql+asyncpg", "postgresql"), statement_cache_size=0
        )
        try:
            for _ in range(2 * SERVER_CONNECTIONS):
                assert await plain.fetchval("SHOW statement_timeout") == "0"
                # asyncpg names what it keeps prepared __asyncpg_stmt_N__: none may be here.
                kept = await plain.fetchval(
                    "SELECT count(*) FROM pg_prepared_statements WHERE name <> ''"
                )
                assert kept == 0
        finally:
            await plain.close()
    finally:
        await engine.dispose()


async def test_without_the_setting_pgbouncer_refuses_the_service(
    pooled: tuple[str, str, Actors],
) -> None:
    _, through, _ = pooled
    engine = create_engine(Settings(database_url=through))
    try:
        with pytest.raises(DBAPIError, match="unsupported startup parameter: statement_timeout"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
