"""The periodic work on expiry: take expired sites off the map (every minute, cheap), and
record expired vacancies (and forget old idempotency keys).

Expiry itself needs neither (readers apply `valid_through` at query time). Taking sites off
the map keeps them out of the indexes and kept cells every map read walks, so reads cost the
same whatever backlog the recording sweep has; the sweep emits `expired` events for the
changes feed, taking the vacancies from their queue (vacancy_due) without writing them.
Every worker may run both: each statement touches only rows still public or queued, and skips
rows another worker holds."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.idempotency import purge_expired
from app.metrics.tasks import task
from app.progress import Advance
from app.vacancies import repository

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class SweepReport:
    expired: int
    idempotency_keys_purged: int
    unlisted: int = 0  # sites taken off the map (sweep_in_batches counts them)


# Vacancies recorded per statement: a backlog (after downtime, or a bulk load of old data)
# is worked off in statements that each stay well inside the statement timeout and hold the
# changes feed back for a second or so. Since migration 0025 a vacancy costs little, and
# 10,000 a batch took 15-25% less time and CPU than 2,000 on the 200,000 bench backlog (the
# per-batch costs: commit, planning, the statement triggers' joins).
SWEEP_BATCH = 10_000
# Sites taken off the map per transaction: one set-based UPDATE (about a second for 10,000
# on the 1M benchmark), committed so the map shows progress through a large backlog.
UNLIST_BATCH = 10_000
# The map-expiry pass runs at the next expiry of a listed site when that comes before its
# interval is up (plus a moment, so the site is past it), so a mass expiry (vacancies that end
# at one instant: midnight, a bulk import's common date) leaves the map seconds after it, not
# up to an interval later; while those sites are listed every cold tile subtracts them all
# (bench/README.md, "stale"). Never sooner than MIN_PASS_GAP_S after the last pass: a steady
# trickle of expiries is taken off a few at a time, not one pass each.
PAST_EXPIRY_S = 0.5
MIN_PASS_GAP_S = 10.0


async def sweep(session: AsyncSession) -> SweepReport:
    # Batches of a backlog take seconds each: more than a request may.
    await session.execute(text("SET LOCAL statement_timeout = '120s'"))
    await repository.unlist_expired_sites(session, limit=2**31 - 1)
    expired = 0
    while (done := await repository.expire_due(session, limit=SWEEP_BATCH)) > 0:
        expired += done
    return SweepReport(expired=expired, idempotency_keys_purged=await purge_expired(session))


async def _in_batches(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch: Callable[[AsyncSession], Awaitable[int]],
    last: Callable[[int], bool],
    advance: Advance | None = None,
) -> int:
    """Run `batch` a committed transaction at a time until `last` says its count was the
    last; how many rows they did in all (each batch's count also to `advance`)."""
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            # Batches of a backlog take seconds each: more than a request may.
            await session.execute(text("SET LOCAL statement_timeout = '120s'"))
            done = await batch(session)
        total += done
        if advance is not None:
            advance(done)
        if last(done):
            return total


async def unlist_expired(
    sessionmaker: async_sessionmaker[AsyncSession], advance: Advance | None = None
) -> int:
    """Take every site past its valid_through off the map, a committed batch at a time."""
    with task("map_expiry") as run:
        unlisted = await _in_batches(
            sessionmaker,
            lambda session: repository.unlist_expired_sites(session, limit=UNLIST_BATCH),
            lambda done: done < UNLIST_BATCH,
            advance,
        )
        run.rows(unlisted)
    return unlisted


async def record_expired(
    sessionmaker: async_sessionmaker[AsyncSession], advance: Advance | None = None
) -> tuple[int, int]:
    """Record expired vacancies a committed batch at a time (each batch's count to `advance`),
    then purge old idempotency keys; (vacancies recorded, keys purged)."""
    with task("expiry_sweep") as run:
        # Until a batch records none: one with only unverified employers' vacancies counts.
        expired = await _in_batches(
            sessionmaker,
            lambda session: repository.expire_due(session, limit=SWEEP_BATCH),
            lambda done: done == 0,
            advance,
        )
        async with sessionmaker() as session, session.begin():
            purged = await purge_expired(session)
        run.rows(expired + purged)
    return expired, purged


async def sweep_in_batches(sessionmaker: async_sessionmaker[AsyncSession]) -> SweepReport:
    """The sweep as operators and the periodic loop run it: expired sites off the map, then
    expired vacancies recorded, then old idempotency keys purged, each batch committed on its
    own. In one transaction a backlog (100,131 vacancies on the 1M bench data: minutes) would
    hold its locks throughout and hold back the changes feed, which shows only transactions
    older than the oldest one running."""
    unlisted = await unlist_expired(sessionmaker)
    expired, purged = await record_expired(sessionmaker)
    return SweepReport(expired=expired, idempotency_keys_purged=purged, unlisted=unlisted)


async def _record_expired(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await sweep_in_batches(sessionmaker)
    if report.expired:
        logger.info("expired vacancies recorded", extra={"expired": report.expired})


async def _take_off_the_map(sessionmaker: async_sessionmaker[AsyncSession]) -> float | None:
    """One map-expiry pass; the seconds until the next listed site expires (None: none will)."""
    unlisted = await unlist_expired(sessionmaker)
    if unlisted:
        logger.info("expired sites taken off the map", extra={"sites": unlisted})
    async with sessionmaker() as session:
        return await repository.next_listed_expiry_in(session)


def until_next_pass(interval_s: float, next_expiry_in_s: float | None) -> float:
    """How long the map-expiry pass sleeps: its interval (with jitter, so workers spread out),
    or less when a listed site expires sooner, but at least MIN_PASS_GAP_S (or the interval,
    if shorter)."""
    wait = interval_s * random.uniform(0.5, 1.5)  # noqa: S311  (not crypto)
    if next_expiry_in_s is None:
        return wait
    at_expiry = max(next_expiry_in_s + PAST_EXPIRY_S, min(MIN_PASS_GAP_S, interval_s))
    return min(wait, at_expiry)


async def _every(interval_s: float, name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` every `interval_s` (with jitter, so workers spread out) until cancelled."""
    while True:
        await asyncio.sleep(interval_s * random.uniform(0.5, 1.5))  # noqa: S311  (not crypto)
        await _attempt(name, work)


async def _attempt(name: str, work: Callable[[], Awaitable[T]]) -> T | None:
    try:
        return await work()
    except Exception:  # a database outage must not end the loop
        logger.warning("%s failed; will retry", name, exc_info=True)
        return None


async def sweep_periodically(
    sessionmaker: async_sessionmaker[AsyncSession], interval_s: float
) -> None:
    """Record expired vacancies every `interval_s` until cancelled."""
    await _every(interval_s, "expiry sweep", lambda: _record_expired(sessionmaker))


async def unlist_periodically(
    sessionmaker: async_sessionmaker[AsyncSession], interval_s: float
) -> None:
    """Take expired sites off the map at start (a service down for a while comes back to a
    backlog that every map read would pay for), then every `interval_s`, or at the next
    expiry of a listed site when it comes sooner (until_next_pass), until cancelled."""
    while True:
        next_expiry_in_s = await _attempt(
            "taking expired sites off the map", lambda: _take_off_the_map(sessionmaker)
        )
        await asyncio.sleep(until_next_pass(interval_s, next_expiry_in_s))
