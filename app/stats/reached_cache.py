"""Past years' people counts, kept in each worker while their years' placements are unchanged.

The year-end projection compares this year with past years by the same day and in the whole
year (reached.people_reached): about 1.5 s on 1,000,000 placements, on every indicator report,
for figures that change only when someone writes a past year's placements or the areas.
Triggers give each year a new random version whenever a statement writes its placements, and
every year one when areas change (migrations/sql/jobmap_bump_placement_years.sql); writing this
year's placements leaves past years' versions alone.

The versions are read before the counts, so a write committed in between makes a kept count
look older than it is, never newer: it is counted again on the next request. A version is
never reused, so a count cannot be served for a state it was not counted under."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.metrics.series import PROJECTION_CACHE
from app.models import PlacementYearVersion
from app.stats import reached

Versions = tuple[tuple[int, uuid.UUID | None], ...]
_Key = tuple[tuple[date, ...], int | None, tuple[int, ...] | None, tuple[int, int]]


async def year_versions(session: AsyncSession, years: Sequence[int]) -> Versions:
    """Each year's version; None for a year no statement has written placements of."""
    rows = await session.execute(
        select(PlacementYearVersion.year, PlacementYearVersion.version).where(
            PlacementYearVersion.year.in_(years)
        )
    )
    found: dict[int, uuid.UUID] = dict(rows.all())
    return tuple((year, found.get(year)) for year in sorted(set(years)))


class ReachedCache:
    """The last counts of each (days, unit or communes, start of the count), with the
    versions they were counted under; the least recently used go first beyond `entries` (0
    keeps none)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._kept: OrderedDict[_Key, tuple[Versions, dict[date, reached.Reached]]] = OrderedDict()

    async def people_reached(
        self,
        session: AsyncSession,
        days: Sequence[date],
        unit_id: int | None = None,
        *,
        area_ids: Collection[int] | None = None,
        since: tuple[int, int] = (1, 1),
    ) -> dict[date, reached.Reached]:
        if not days or self.entries == 0:
            return await reached.people_reached(
                session, days, unit_id, area_ids=area_ids, since=since
            )
        members = None if area_ids is None else tuple(sorted(set(area_ids)))
        key = (tuple(sorted(set(days))), unit_id, members, since)
        versions = await year_versions(session, [day.year for day in key[0]])
        kept = self._kept.get(key)
        if kept is not None and kept[0] == versions:
            self._kept.move_to_end(key)
            PROJECTION_CACHE.labels(result="hit").inc()
            return dict(kept[1])
        PROJECTION_CACHE.labels(result="miss").inc()
        counts = await reached.people_reached(
            session, days, unit_id, area_ids=area_ids, since=since
        )
        self._kept[key] = (versions, dict(counts))
        self._kept.move_to_end(key)
        while len(self._kept) > self.entries:
            self._kept.popitem(last=False)
        return counts


_cache: ReachedCache | None = None


def cache() -> ReachedCache:
    """This worker's cache, sized by APP_PROJECTION_CACHE_ENTRIES on first use."""
    global _cache
    if _cache is None:
        _cache = ReachedCache(get_settings().projection_cache_entries)
    return _cache
