"""scripts/db.sh replica-start as a user without root: initdb's server in .pgdata and a
streaming replica of it beside it, made by pg_basebackup -R. (As root, `make test` itself
makes the Debian clusters the replica tests use; run by another user, it takes this path.)"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from app.config import PROJECT_ROOT

USER = "jobmap-ci"
PRIMARY_PORT, REPLICA_PORT = 5451, 5452
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="run as a user without root, make test already took this path for its own replica",
)


async def as_user(*command: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        # Not the caller's APP_DATABASE_URL (make test exports one): with it the script provisions
        # nothing, by design.
        "runuser", "-u", USER, "--", "env", "-u", "APP_DATABASE_URL",
        *(f"{k}={v}" for k, v in env.items()), *command,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


@pytest.fixture
async def checkout() -> AsyncIterator[Path]:
    """scripts/db.sh in a folder of its own, owned by a user without root."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        await (await asyncio.create_subprocess_exec("useradd", "--no-create-home", USER)).wait()
    root = Path(tempfile.mkdtemp(prefix="jobmap-nonroot-", dir="/tmp"))
    (root / "scripts").mkdir()
    shutil.copy(PROJECT_ROOT / "scripts" / "db.sh", root / "scripts" / "db.sh")
    shutil.chown(root, USER)
    shutil.chown(root / "scripts", USER)
    env = {"JOBMAP_PG_PORT": str(PRIMARY_PORT), "JOBMAP_PG_REPLICA_PORT": str(REPLICA_PORT)}
    try:
        yield root
    finally:
        await as_user("bash", str(root / "scripts" / "db.sh"), "stop", env=env)
        shutil.rmtree(root, ignore_errors=True)


async def fetch(port: int, sql: str) -> object:
    connection = await asyncpg.connect(
        host="127.0.0.1", port=port, user="jobmap", password="jobmap", database="postgres"
    )
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


async def test_a_user_without_root_gets_a_streaming_replica(checkout: Path) -> None:
    script = str(checkout / "scripts" / "db.sh")
    env = {"JOBMAP_PG_PORT": str(PRIMARY_PORT), "JOBMAP_PG_REPLICA_PORT": str(REPLICA_PORT)}
    await as_user("bash", script, "start", env=env)
    said = await as_user("bash", script, "replica-start", env=env)
    assert "streaming" in said
    assert (checkout / ".pgdata" / "replica" / "standby.signal").exists()
    assert await fetch(REPLICA_PORT, "SELECT pg_is_in_recovery()") is True
    assert await fetch(PRIMARY_PORT, "SELECT pg_is_in_recovery()") is False
    await fetch(PRIMARY_PORT, "CREATE TABLE replicated AS SELECT 42 AS answer")
    for _ in range(100):
        try:
            assert await fetch(REPLICA_PORT, "SELECT answer FROM replicated") == 42
            break
        except asyncpg.UndefinedTableError:
            await asyncio.sleep(0.1)
    else:
        pytest.fail("the table never reached the replica")
    # Again: nothing to make, it is up and streaming.
    assert "streaming" in await as_user("bash", script, "replica-start", env=env)
