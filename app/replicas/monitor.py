"""How far behind each replica is, checked every `APP_REPLICA_CHECK_INTERVAL_S` by each
worker: the replica's replayed WAL position, and its lag in seconds.

The lag is measured against the primary, not the replica's clock or its last replayed
commit's timestamp (which grows while the primary is idle): each check reads the primary's
WAL position first and remembers when it saw it. A replica is as far behind as the oldest
position it has not replayed, so it is lagging only while there is something to replay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import asyncpg

from app.metrics.series import REPLICA_LAG

logger = logging.getLogger(__name__)

_PRIMARY = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
_REPLICA = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn"
_CHECK_TIMEOUT_S = 2.0


@dataclass
class ReplicaHealth:
    up: bool = False  # unknown until the first check answers
    replay_lsn: int = 0
    lag_s: float = math.inf


class Probe:
    """One connection of its own to one server, opened again after any failure."""

    def __init__(self, dsn: str, *, pooled: bool) -> None:
        self._dsn = dsn
        self._pooled = pooled
        self._connection: asyncpg.Connection | None = None

    async def fetchrow(self, sql: str) -> Any:
        try:
            if self._connection is None or self._connection.is_closed():
                self._connection = await asyncpg.connect(
                    self._dsn,
                    timeout=_CHECK_TIMEOUT_S,
                    server_settings={"application_name": "jobmap-replica-check"},
                    statement_cache_size=0 if self._pooled else 100,
                )
            return await self._connection.fetchrow(sql, timeout=_CHECK_TIMEOUT_S)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()


class ReplicaMonitor:
    def __init__(
        self, primary: Probe, replicas: dict[str, Probe], *, max_lag_s: float, interval_s: float
    ) -> None:
        self._primary = primary
        self._replicas = replicas
        self.max_lag_s = max_lag_s
        self.interval_s = interval_s
        self.health = {name: ReplicaHealth() for name in replicas}
        # (when, primary position) per check, for as long as a lag within the limit can span.
        self._seen: deque[tuple[float, int]] = deque()

    def usable(self, name: str, min_lsn: int) -> bool:
        """Up, within the lag limit and past `min_lsn` at its last check."""
        health = self.health[name]
        return health.up and health.lag_s <= self.max_lag_s and health.replay_lsn >= min_lsn

    def mark_down(self, name: str) -> None:
        """A request found it unreachable: out of rotation until a check answers again."""
        if self.health[name].up:
            logger.warning("replica %s out of rotation: a request could not use it", name)
        self.health[name] = ReplicaHealth()

    async def check(self) -> None:
        now = time.monotonic()
        try:
            self._seen.append((now, int((await self._primary.fetchrow(_PRIMARY))[0])))
        except Exception as exc:  # the primary down: replicas keep serving what they have
            logger.warning("replica check: the primary does not answer (%s)", type(exc).__name__)
        horizon = now - 2 * self.max_lag_s - 10 * self.interval_s
        while len(self._seen) > 1 and self._seen[0][0] < horizon:
            self._seen.popleft()
        names = list(self._replicas)
        answers = await asyncio.gather(
            *(self._replicas[name].fetchrow(_REPLICA) for name in names), return_exceptions=True
        )
        for name, answer in zip(names, answers, strict=True):
            self._record(name, answer, now)

    def _record(self, name: str, answer: Any, now: float) -> None:
        was_up = self.health[name].up
        if isinstance(answer, BaseException) or not answer[0]:  # down, or promoted
            if was_up:
                reason = type(answer).__name__ if isinstance(answer, BaseException) else "promoted"
                logger.warning("replica %s out of rotation (%s)", name, reason)
            self.health[name] = ReplicaHealth()
            REPLICA_LAG.labels(name).set(-1)
            return
        replayed = int(answer[1] or 0)
        behind = [seen for seen, position in self._seen if position > replayed]
        lag_s = now - behind[0] if behind else 0.0
        self.health[name] = ReplicaHealth(up=True, replay_lsn=replayed, lag_s=lag_s)
        REPLICA_LAG.labels(name).set(lag_s)
        if not was_up:
            logger.info("replica %s in rotation (lag %.1f s)", name, lag_s)

    async def run(self) -> None:
        """Check until cancelled (a task per worker)."""
        try:
            while True:
                try:
                    await self.check()
                except Exception:  # a check's own bug must not stop the checks
                    logger.exception("replica check failed")
                await asyncio.sleep(self.interval_s)
        finally:
            for probe in (self._primary, *self._replicas.values()):
                with contextlib.suppress(Exception):
                    await probe.close()
