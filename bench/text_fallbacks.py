"""Misspelt queries and facets: the current code against the approach it replaced, in one run,
on the same database and session, alternating (bench/README.md, "Typos and facets").

- typo: the first page and total of a misspelt query as the service answers it now (a
  spelling correction, app/search/spelling.py) against the similar-title fallback that used
  to answer it (still the last resort).
- facets: the counts as the service computes them now (a fixed 1-in-64 sample beyond 20,000
  matches) against counting every match exactly.

    APP_DATABASE_URL=postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/jobmap_bench \\
        PYTHONPATH=. .venv/bin/python bench/text_fallbacks.py [rounds]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.search import facets, pages, repository, text
from app.search.params import BBox, SearchParams, Sort

TYPOS = ("ke tona", "cong nhan mya", "cong nhna may", "tai xee", "nhan vien ban hagn")
FACETS = {
    "whole province": SearchParams(),
    "q=tai xe": SearchParams(q="tai xe", sort=Sort.relevance),
    "q=ke toan": SearchParams(q="ke toan", sort=Sort.relevance),
    "bbox 0.1 deg (city)": SearchParams(bbox=BBox(105.9, 10.2, 106.0, 10.3)),
}


async def main(rounds: int) -> None:
    engine = create_engine(Settings())
    sessions = create_sessionmaker(engine)
    today = datetime.now(UTC).date()

    async def timed(work: Callable[[AsyncSession], Awaitable[object]]) -> float:
        async with sessions() as session, session.begin():
            started = time.perf_counter()
            await work(session)
            return time.perf_counter() - started

    def page_and_total(
        params: SearchParams, choice: text.TextChoice | None
    ) -> Callable[[AsyncSession], Awaitable[object]]:
        async def work(session: AsyncSession) -> None:
            built = await repository.build(session, params, today, text_choice=choice)
            await pages.page(session, params, built, limit=21, after=None)
            await pages.total(session, built)

        return work

    def facet_counts(
        params: SearchParams, *, sampled: bool
    ) -> Callable[[AsyncSession], Awaitable[object]]:
        async def work(session: AsyncSession) -> None:
            built = await repository.build(session, params, today)
            if sampled:
                await facets.facets(session, built, total_exact=False)
            else:
                await facets._count(session, built, sample=False)

        return work

    rows: list[tuple[str, str, float, float]] = []
    for q in TYPOS:
        params = SearchParams(q=q, sort=Sort.relevance)
        old_choice = text.TextChoice(text.TextMatch.similar, q)
        now, before = [], []
        for _ in range(rounds):
            now.append(await timed(page_and_total(params, None)))
            before.append(await timed(page_and_total(params, old_choice)))
        rows.append(("typo", q, statistics.median(now), statistics.median(before)))
    for name, params in FACETS.items():
        now, before = [], []
        for _ in range(rounds):
            now.append(await timed(facet_counts(params, sampled=True)))
            before.append(await timed(facet_counts(params, sampled=False)))
        rows.append(("facets", name, statistics.median(now), statistics.median(before)))
    await engine.dispose()

    out = sys.stdout
    out.write(f"median of {rounds} rounds, alternating; seconds\n")
    out.write(f"{'what':8} {'case':22} {'now':>8} {'before':>8} {'speed-up':>9}\n")
    for kind, case, now_s, before_s in rows:
        out.write(f"{kind:8} {case:22} {now_s:8.3f} {before_s:8.3f} {before_s / now_s:8.1f}x\n")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
