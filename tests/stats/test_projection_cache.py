"""The projection's kept counts of past years: served while their years' placements and the
areas are unchanged, counted again after any write that touches them, and never kept beyond
their bound. The versions themselves are moved by triggers, tested here statement by statement."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from httpx import AsyncClient
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats import reached_cache
from app.stats.reached_cache import ReachedCache, year_versions
from tests.factories import Actors
from tests.stats.conftest import add_people, commune_id

DAYS = [date(2023, 6, 30), date(2024, 6, 30), date(2023, 12, 31), date(2024, 12, 31)]


def lookups(result: str) -> float:
    return (
        REGISTRY.get_sample_value("jobmap_projection_cache_lookups_total", {"result": result})
        or 0.0
    )


async def versions(session: AsyncSession) -> dict[int, uuid.UUID]:
    rows = await session.execute(text("SELECT year, version FROM placement_year_version"))
    return dict(rows.all())


async def write_without_triggers(session: AsyncSession, statement: str) -> None:
    """A write the version triggers do not see (replica mode): what a kept count would miss."""
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    await session.execute(text(statement))
    await session.execute(text("SET LOCAL session_replication_role = origin"))


async def test_each_statement_renews_the_years_it_touches(session: AsyncSession) -> None:
    await add_people(session, first=1, count=2, start=date(2023, 3, 1), days=1)
    await add_people(session, first=10, count=2, start=date(2024, 3, 1), days=1)
    before = await versions(session)
    assert {2023, 2024} <= before.keys()

    await add_people(session, first=20, count=3, start=date(2024, 5, 1), days=1)
    after_insert = await versions(session)
    assert after_insert[2024] != before[2024]
    assert after_insert[2023] == before[2023]

    # An update renews the year a placement leaves and the year it moves to.
    await session.execute(
        text("UPDATE placement SET placed_on = DATE '2022-12-31' WHERE placed_on = '2023-03-01'")
    )
    after_move = await versions(session)
    assert after_move[2022] != after_insert.get(2022)
    assert after_move[2023] != after_insert[2023]
    assert after_move[2024] == after_insert[2024]

    # An update that touches no row renews nothing.
    await session.execute(text("UPDATE placement SET trained = trained WHERE false"))
    assert await versions(session) == after_move

    await session.execute(text("DELETE FROM placement WHERE placed_on = '2024-05-01'"))
    after_delete = await versions(session)
    assert after_delete[2024] != after_move[2024]
    assert after_delete[2022] == after_move[2022]

    # Areas decide which placements a unit counts: any change of them renews every year.
    await session.execute(text("UPDATE area SET name = name WHERE code = '29578'"))
    after_areas = await versions(session)
    assert all(after_areas[year] != after_delete[year] for year in after_delete)

    await session.execute(text("TRUNCATE placement"))
    after_truncate = await versions(session)
    assert all(after_truncate[year] != after_areas[year] for year in after_areas)


async def test_a_kept_count_is_served_until_its_years_change(session: AsyncSession) -> None:
    await add_people(session, first=1, count=10, start=date(2023, 3, 1), days=1)
    await add_people(session, first=100, count=20, start=date(2024, 9, 1), days=1)
    cache = ReachedCache(entries=8)
    counted = await cache.people_reached(session, DAYS)
    assert counted[date(2023, 12, 31)].new_jobs == 10
    assert counted[date(2024, 6, 30)].new_jobs == 0
    assert counted[date(2024, 12, 31)].new_jobs == 20

    # Unseen by the triggers, a new placement does not reach a kept count: proof it is kept.
    await write_without_triggers(
        session,
        "INSERT INTO placement (placed_on, person_hash, sex, birth_year, trained, destination, "
        "channel) SELECT placed_on, sha256('hidden'), sex, birth_year, trained, destination, "
        "channel FROM placement WHERE placed_on = '2024-09-01' LIMIT 1",
    )
    hits = lookups("hit")
    kept = await cache.people_reached(session, list(reversed(DAYS)))  # order does not matter
    assert kept == counted
    assert lookups("hit") == hits + 1

    # A write this year's placements leave the past years' counts in use.
    await add_people(session, first=500, count=1, start=date(2026, 1, 5), days=1)
    assert await cache.people_reached(session, DAYS) == counted

    # A write to 2024 is counted, with the hidden one, from the next request.
    await add_people(session, first=200, count=5, start=date(2024, 2, 1), days=1)
    misses = lookups("miss")
    recounted = await cache.people_reached(session, DAYS)
    assert lookups("miss") == misses + 1
    assert recounted[date(2024, 6, 30)].new_jobs == 5
    assert recounted[date(2024, 12, 31)].new_jobs == 26
    assert recounted[date(2023, 12, 31)].new_jobs == 10

    # Voiding a past placement is a write too.
    await session.execute(text("UPDATE placement SET voided_at = now(), void_reason = 'test' "
                               "WHERE placed_on = '2023-03-01'"))  # fmt: skip
    assert (await cache.people_reached(session, DAYS))[date(2023, 12, 31)].new_jobs == 0


async def test_an_area_change_renews_a_units_kept_counts(session: AsyncSession) -> None:
    commune = await commune_id(session, "29578", date(2024, 1, 1))
    await add_people(session, first=1, count=4, start=date(2024, 3, 1), days=1, residence=commune)
    cache = ReachedCache(entries=8)
    assert (await cache.people_reached(session, DAYS, commune))[date(2024, 12, 31)].new_jobs == 4
    # Hidden from the triggers, the placements move out of the commune; the kept count stays.
    await write_without_triggers(session, "UPDATE placement SET residence_area_id = NULL")
    assert (await cache.people_reached(session, DAYS, commune))[date(2024, 12, 31)].new_jobs == 4
    # Any write to areas renews every year: the count is taken again.
    await session.execute(text("UPDATE area SET name = name WHERE id = :id"), {"id": commune})
    assert (await cache.people_reached(session, DAYS, commune))[date(2024, 12, 31)].new_jobs == 0


async def test_the_cache_keeps_no_more_than_its_bound(session: AsyncSession) -> None:
    await add_people(session, first=1, count=3, start=date(2023, 3, 1), days=1)
    cache = ReachedCache(entries=2)
    for month in (1, 2, 3):
        await cache.people_reached(session, [date(2023, month, 28)])
    misses = lookups("miss")
    # January went first: counted again; March is still kept.
    await cache.people_reached(session, [date(2023, 3, 28)])
    assert lookups("miss") == misses
    await cache.people_reached(session, [date(2023, 1, 28)])
    assert lookups("miss") == misses + 1

    off = ReachedCache(entries=0)
    await off.people_reached(session, [date(2023, 3, 28)])
    await write_without_triggers(session, "DELETE FROM placement")
    assert (await off.people_reached(session, [date(2023, 3, 28)]))[date(2023, 3, 28)].new_jobs == 0


async def test_a_year_never_written_has_no_version(session: AsyncSession) -> None:
    assert await year_versions(session, [1990, 1991, 1990]) == ((1990, None), (1991, None))


async def test_the_report_projects_from_kept_counts_and_follows_writes(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    for year in (2022, 2023, 2024):
        await add_people(session, first=year * 1_000, count=10, start=date(year, 1, 15), days=1)
        await add_people(
            session, first=year * 1_000 + 100, count=30, start=date(year, 9, 1), days=1
        )
    await add_people(session, first=9_000, count=5, start=date(2025, 3, 1), days=1)
    await session.commit()

    async def projected() -> Any:
        response = await client.get(
            "/v1/stats/indicators",
            params={"year": 2025, "through": "2025-06-30"},
            headers=actors.department,
        )
        assert response.status_code == 200, response.text
        figures = {each["indicator"]: each for each in response.json()["indicators"]}
        return figures["new_jobs"]["projected"]

    # Every past year reached 10 of 40 by 30 June: 5 / 0.25 = 20.
    assert await projected() == 20
    hits = lookups("hit")
    assert await projected() == 20
    assert lookups("hit") == hits + 1
    # 2024 now reached 20 of 50 by 30 June: the shares are 0.25, 0.25 and 0.4.
    await add_people(session, first=8_000, count=10, start=date(2024, 4, 1), days=1)
    await session.commit()
    assert await projected() != 20
    assert reached_cache.cache().entries > 0
