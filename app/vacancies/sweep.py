"""The periodic sweep: record expired vacancies (and forget old idempotency keys).

Expiry itself needs no sweep (readers apply `valid_through` at query time); the sweep writes
the state down and emits `expired` events for the changes feed. Every worker may run it: the
UPDATE only touches rows still open, so concurrent runs never record a vacancy twice."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.idempotency import purge_expired
from app.vacancies import repository

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    expired: int
    idempotency_keys_purged: int


# Vacancies recorded per statement: a backlog (after downtime, or a bulk load of old data)
# is worked off in statements that each stay well inside the statement timeout (the site and
# map-cell triggers run for every vacancy).
SWEEP_BATCH = 2_000


async def sweep(session: AsyncSession) -> SweepReport:
    # Batches of a backlog take seconds each: more than a request may.
    await session.execute(text("SET LOCAL statement_timeout = '120s'"))
    expired = 0
    while (done := await repository.expire_due(session, limit=SWEEP_BATCH)) > 0:
        expired += done
    return SweepReport(expired=expired, idempotency_keys_purged=await purge_expired(session))


async def sweep_periodically(
    sessionmaker: async_sessionmaker[AsyncSession], interval_s: float
) -> None:
    """Sweep every `interval_s` (with jitter, so workers spread out) until cancelled."""
    while True:
        await asyncio.sleep(interval_s * random.uniform(0.5, 1.5))  # noqa: S311  (not crypto)
        try:
            async with sessionmaker() as session, session.begin():
                report = await sweep(session)
            if report.expired:
                logger.info("expired vacancies recorded", extra={"expired": report.expired})
        except Exception:  # a database outage must not end the loop
            logger.warning("expiry sweep failed; will retry", exc_info=True)
