"""Counting requests per client in fixed windows: in this process, or in Redis so that every
worker and replica shares the count (`APP_REDIS_URL`)."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger("app.limits")


class WindowCounter(Protocol):
    async def hit(self, bucket: str, window_s: int) -> tuple[int, float]:
        """Count one request in `bucket`'s current window: (count so far, seconds left)."""
        ...

    async def close(self) -> None: ...


def _window(window_s: int) -> tuple[int, float]:
    now = time.time()
    start = int(now // window_s) * window_s
    return start, start + window_s - now


class LocalCounter:
    """Per process: with N workers a client may make N times the limit."""

    def __init__(self, max_buckets: int = 100_000) -> None:
        # Per window length (a class may be counted in two: its burst and its sustained rate):
        # the window's start and the counts in it.
        self._windows: dict[int, tuple[int, dict[str, int]]] = {}
        self._max_buckets = max_buckets

    async def hit(self, bucket: str, window_s: int) -> tuple[int, float]:
        start, left = _window(window_s)
        started, counts = self._windows.get(window_s, (None, {}))
        if started != start:
            # A new window: every count starts again (and memory stays bounded).
            counts = {}
            self._windows[window_s] = (start, counts)
        if bucket not in counts and len(counts) >= self._max_buckets:
            counts.clear()  # a flood of distinct clients: forget rather than grow
        count = counts.get(bucket, 0) + 1
        counts[bucket] = count
        return count, left

    async def close(self) -> None:
        return None


class RedisCounter:
    """Shared by every worker and replica. When Redis cannot be reached, counts fall back to
    this process (logged) rather than refusing traffic: the limits protect the service, and
    an outage of theirs should not become one of the service's."""

    def __init__(self, url: str, *, prefix: str = "jobmap:rl:") -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._prefix = prefix
        self._fallback = LocalCounter()
        self._warned_at = 0.0

    async def hit(self, bucket: str, window_s: int) -> tuple[int, float]:
        start, left = _window(window_s)
        key = f"{self._prefix}{bucket}:{start}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window_s + 1)
                count, _ = await pipe.execute()
            return int(count), left
        except (RedisError, OSError) as exc:
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                logger.warning("rate limits counted per process: Redis unreachable (%s)", exc)
            return await self._fallback.hit(bucket, window_s)

    async def close(self) -> None:
        await self._redis.aclose()


def create_counter(redis_url: str | None) -> WindowCounter:
    return RedisCounter(redis_url) if redis_url else LocalCounter()
