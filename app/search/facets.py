"""Result counts by group (`facets=true`): occupation major group, employment type, commune,
salary band.

Exact while the matches are few enough to count; beyond that, estimated from a fixed sample
of one work site in SAMPLE_EVERY (by id). Counting every match of a common query took 2-3 s
on 1,000,000 vacancies (`tai xe`, bench/README.md), longer than the page itself by far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.search.aliases import commune, site
from app.search.repository import Built, matching_sites

SALARY_BANDS = (5_000_000, 10_000_000, 15_000_000, 20_000_000)
# Sites whose id is a multiple of this are the sample (migration 0009 indexes them).
SAMPLE_EVERY = 64
# Above this many matches (as estimated from the sample) counts are estimates.
EXACT_UP_TO = 20_000


@dataclass(frozen=True)
class Facets:
    counts: dict[str, dict[str, int]]
    exact: bool


def _salary_band() -> ColumnElement[Any]:
    pay = func.coalesce(site.salary_monthly_max, site.salary_monthly_min)
    return case(
        (pay.is_(None), literal("unspecified")),
        (pay < SALARY_BANDS[0], literal("<5m")),
        (pay < SALARY_BANDS[1], literal("5m-10m")),
        (pay < SALARY_BANDS[2], literal("10m-15m")),
        (pay < SALARY_BANDS[3], literal("15m-20m")),
        else_=literal(">=20m"),
    )


def in_sample() -> ColumnElement[bool]:
    # Constants in the SQL, not parameters: the planner matches them to the partial index's
    # predicate (migration 0009) whatever plan it caches.
    return site.id.op("%")(literal_column(str(SAMPLE_EVERY))) == literal_column("0")


async def facets(session: AsyncSession, built: Built, *, total_exact: bool | None) -> Facets:
    """The counts: exact when the total was counted exactly (at most TOTAL_BOUND results) or
    the sample puts the matches under EXACT_UP_TO; otherwise the sample's counts scaled up
    and rounded to two significant figures."""
    if not total_exact:
        sampled = await _count(session, built, sample=True)
        matches = sum(sampled["employment_type"].values()) * SAMPLE_EVERY
        if matches > EXACT_UP_TO:
            estimates = {
                name: {value: _estimate(n * SAMPLE_EVERY) for value, n in counts.items()}
                for name, counts in sampled.items()
            }
            return Facets(estimates, exact=False)
    return Facets(await _count(session, built, sample=False), exact=True)


def _estimate(count: int) -> int:
    """Two significant figures: an estimate should not read as a count."""
    return round(count, 2 - len(str(count)))


async def _count(session: AsyncSession, built: Built, *, sample: bool) -> dict[str, dict[str, int]]:
    dimensions: dict[str, Any] = {
        "occupation_group": func.left(site.occupation_code, 1),
        "employment_type": site.employment_type,
        "commune": commune.code,
        "salary_band": _salary_band(),
    }
    where = [*built.where, in_sample()] if sample else None
    # One pass over the matches for all four counts (GROUPING SETS), not one pass each: with a
    # common text query the matches run to hundreds of thousands of documents.
    matched = (
        matching_sites(
            built, *(value.label(name) for name, value in dimensions.items()), where=where
        )
        .join(commune, commune.id == site.area_id)
        .subquery("matched")
    )
    columns = [matched.c[name] for name in dimensions]
    query = select(
        *columns, func.count().label("n"), func.grouping(*columns).label("set")
    ).group_by(func.grouping_sets(*(tuple_(column) for column in columns)))
    # grouping() sets a bit for each column not grouped on, the first column highest.
    width = len(columns)
    which = {((1 << width) - 1) ^ (1 << (width - 1 - i)): name for i, name in enumerate(dimensions)}
    result: dict[str, dict[str, int]] = {name: {} for name in dimensions}
    for row in await session.execute(query, built.values):
        name = which[row.set]
        result[name][str(row._mapping[name])] = int(row.n)
    # Largest first, as a facet list reads.
    return {
        name: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for name, counts in result.items()
    }
