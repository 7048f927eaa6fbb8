"""Where each key's last write is remembered: Redis (shared by app instances) or the process."""

from __future__ import annotations

import asyncio
import uuid

from app.replicas.lsn import LocalLsnStore, RedisLsnStore

REDIS = "redis://127.0.0.1:6379/0"


async def test_redis_keeps_the_later_position_for_every_instance() -> None:
    client = f"key:{uuid.uuid4().hex[:8]}"
    one, two = RedisLsnStore(REDIS, ttl_s=30), RedisLsnStore(REDIS, ttl_s=30)
    try:
        assert await two.latest(client) == 0
        await one.remember(client, 0x2_0000_0010)
        assert await two.latest(client) == 0x2_0000_0010
        await two.remember(client, 0x1_FFFF_FFFF)  # an earlier write finishing late
        assert await one.latest(client) == 0x2_0000_0010
        await two.remember(client, 0x10_0000_0000)  # compared as numbers, not as text
        assert await one.latest(client) == 0x10_0000_0000
    finally:
        await one.close()
        await two.close()


async def test_positions_expire() -> None:
    client = f"key:{uuid.uuid4().hex[:8]}"
    writer, reader = RedisLsnStore(REDIS, ttl_s=1), RedisLsnStore(REDIS, ttl_s=1)
    local = LocalLsnStore(ttl_s=0.5)
    try:
        await writer.remember(client, 5)
        await local.remember(client, 5)
        assert await reader.latest(client) == 5
        await asyncio.sleep(0.6)
        assert await local.latest(client) == 0
        await asyncio.sleep(1.0)
        assert await reader.latest(client) == 0
    finally:
        await writer.close()
        await reader.close()


async def test_redis_down_each_process_remembers_its_own() -> None:
    store = RedisLsnStore("redis://127.0.0.1:1/0", ttl_s=30)
    try:
        await store.remember("key:abc", 42)
        assert await store.latest("key:abc") == 42
        assert await store.latest("key:other") == 0
    finally:
        await store.close()


async def test_the_process_store_stays_bounded() -> None:
    store = LocalLsnStore(ttl_s=60, max_clients=3)
    for number in range(5):
        await store.remember(f"key:{number}", number + 1)
    assert [await store.latest(f"key:{n}") for n in range(5)] == [0, 0, 3, 4, 5]
