"""WAL positions (LSNs) and where each client's last write is remembered.

A write answers with its commit's LSN. The client's next reads go to a replica only once
that replica has replayed past it: remembered per API key here (in Redis when configured, so
every app instance knows it), and carried by any client in the `X-Commit-LSN` header (so a
client that writes through one instance and reads through another, or reads anonymously,
sees its write too)."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LSN_HEADER = "X-Commit-LSN"
_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def parse_lsn(text: str) -> int:
    """PostgreSQL's text form `16/B374D848` as a number; ValueError for anything else."""
    match = _LSN.match(text.strip())
    if match is None:
        raise ValueError("must be a WAL position such as 0/16B3748, as sent in X-Commit-LSN")
    return (int(match[1], 16) << 32) | int(match[2], 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


class LsnStore(Protocol):
    async def remember(self, client: str, lsn: int) -> None:
        """Keep `lsn` as the client's last write unless a later one is kept."""

    async def latest(self, client: str) -> int:
        """The client's last write still remembered, 0 when none."""

    async def close(self) -> None: ...


class LocalLsnStore:
    """In this process only, for at most `ttl_s` (after that every replica within the lag
    limit has replayed it) and for the `max_clients` most recent writers."""

    def __init__(self, ttl_s: float, max_clients: int = 100_000) -> None:
        self._ttl_s = ttl_s
        self._max = max_clients
        self._kept: OrderedDict[str, tuple[int, float]] = OrderedDict()

    async def remember(self, client: str, lsn: int) -> None:
        now = time.monotonic()
        known = self._kept.pop(client, None)
        if known is not None and known[1] > now:
            lsn = max(lsn, known[0])
        self._kept[client] = (lsn, now + self._ttl_s)
        while len(self._kept) > self._max:
            self._kept.popitem(last=False)

    async def latest(self, client: str) -> int:
        known = self._kept.get(client)
        return known[0] if known is not None and known[1] > time.monotonic() else 0

    async def close(self) -> None:
        self._kept.clear()


# Keeps the larger position: fixed-width hex text compares as the numbers do.
_KEEP_LATER = """
local kept = redis.call('GET', KEYS[1])
if (not kept) or kept < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class RedisLsnStore:
    """Shared by every worker and app instance. When Redis cannot be reached the process's
    own memory stands in (logged): a client then reads its writes through the instance it
    wrote through, or by sending the header."""

    def __init__(self, url: str, ttl_s: float, *, prefix: str = "jobmap:lsn:") -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._ttl_s = max(1, int(ttl_s))
        self._prefix = prefix
        self._fallback = LocalLsnStore(ttl_s)
        self._warned_at = 0.0

    async def remember(self, client: str, lsn: int) -> None:
        await self._fallback.remember(client, lsn)
        try:
            key, position = self._prefix + client, f"{lsn:016X}"
            await self._redis.eval(_KEEP_LATER, 1, key, position, str(self._ttl_s))
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def latest(self, client: str) -> int:
        local = await self._fallback.latest(client)
        try:
            kept = await self._redis.get(self._prefix + client)
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return local
        return max(local, int(kept, 16) if kept else 0)

    def _warn(self, exc: Exception) -> None:
        if time.monotonic() - self._warned_at > 60:
            self._warned_at = time.monotonic()
            logger.warning("last writes kept per process: Redis unreachable (%s)", exc)

    async def close(self) -> None:
        await self._redis.aclose()


def create_lsn_store(redis_url: str | None, ttl_s: float) -> LsnStore:
    return RedisLsnStore(redis_url, ttl_s) if redis_url else LocalLsnStore(ttl_s)
