"""Two app instances (uvicorn processes) on the same primary, replica and Redis: a write
through one is read through the other by the same key, and the rate limits add up across
them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Live, database_url
from tests.factories import vacancy_payload
from tests.replicas.conftest import on_replica
from tests.servers import running_server

REDIS = "redis://127.0.0.1:6379/0"


@contextlib.asynccontextmanager
async def instance(replica: str, limits: str) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_server(
            database_url(),
            database_replica_urls=replica,
            replica_check_interval_s="0.1",
            replica_max_lag_s="60",
            redis_url=REDIS,
            rate_limits_enabled="true",
            rate_limits=limits,
        ) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        for _ in range(100):  # until its first replica check has answered
            ready = await client.get("/readyz")
            if ready.status_code == 200 and ready.json()["replicas"].get("replica-1") is not None:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the replica never came into rotation")
        yield client


async def test_read_your_writes_and_rate_limits_hold_across_instances(
    live: Live, replica: str
) -> None:
    limits = json.dumps({"search": 3})
    async with (
        instance(replica, limits) as one,
        instance(replica, limits) as two,
    ):
        await on_replica("SELECT pg_wal_replay_pause()")
        try:
            posted = await one.post(
                "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
            )
            assert posted.status_code == 201, posted.text
            url = f"/v1/vacancies/{posted.json()['id']}"
            # Anonymous, instance two reads the replica, which has not replayed the write...
            assert (await two.get(url)).status_code == 404
            # ...but the writer's key is remembered in Redis: instance two sends it to the
            # primary.
            mine = await two.get(url, headers=live.actors.a)
            assert mine.status_code == 200, mine.text
            # Without the key, the header does the same.
            carried = await two.get(url, headers={"X-Commit-LSN": posted.headers["x-commit-lsn"]})
            assert carried.status_code == 200
        finally:
            await on_replica("SELECT pg_wal_replay_resume()")
        search = "/v1/vacancies?q=ke%20toan"
        answers = [
            (await client.get(search, headers=live.actors.b)).status_code
            for client in (one, two, one, two)
        ]
        assert answers == [200, 200, 200, 429]
