"""Expired sites leave the map's structures (public flag, partial indexes, kept cells) at write
time or in the cheap pass, never waiting for the recording sweep (migration 0012, issue 22)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.vacancies import repository
from app.vacancies import sweep as sweep_module
from tests.factories import Actors
from tests.factories import post_vacancy as post
from tests.tiles.test_tiles import (
    EVERYTHING,
    LAT,
    LON,
    assert_cells_are_exact,
    at_city,
    clusters_of,
    get_tile,
    tile_of,
)


async def _site_state(session: AsyncSession, vacancy_id: str) -> list[tuple[bool, bool]]:
    """(public, expired) of each site of a vacancy."""
    rows = await session.execute(
        text(
            "SELECT public, valid_through <= now() FROM vacancy_site "
            "WHERE vacancy_id = CAST(:id AS uuid) ORDER BY id"
        ),
        {"id": vacancy_id},
    )
    return [(bool(public), bool(expired)) for public, expired in rows]


async def _expire_while_listed(session: AsyncSession, vacancy_id: str) -> None:
    """Time passing over a listed site: its valid_through is behind the clock, yet nothing
    was written (no trigger ran), so it is still public and counted in its cells."""
    await session.execute(
        text(
            "UPDATE vacancy_site SET valid_through = now() - interval '1 minute' "
            "WHERE vacancy_id = CAST(:id AS uuid)"
        ),
        {"id": vacancy_id},
    )


async def _past_due(session: AsyncSession, vacancy_id: str) -> None:
    """The vacancy and its sites past their date with no trigger run (time passing): due for
    the sweep, still on the map."""
    await session.execute(text("ALTER TABLE vacancy DISABLE TRIGGER vacancy_sync_sites"))
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() - interval '1 minute' WHERE id = :id"),
        {"id": vacancy_id},
    )
    await session.execute(text("ALTER TABLE vacancy ENABLE TRIGGER vacancy_sync_sites"))
    await _expire_while_listed(session, vacancy_id)


def _joined(session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """Sessions joined to the test's transaction: each batch's commit is a savepoint."""
    return async_sessionmaker(bind=session.bind, join_transaction_mode="create_savepoint")


async def _map_version(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT version FROM map_version")) or 0)


async def test_a_vacancy_written_past_its_expiry_never_reaches_the_map(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    kept = await post(client, actors.a, title="Còn hạn")
    old = await post(client, actors.a, title="Nhập từ hệ thống cũ", sites=at_city(0.001))
    # An import of an old vacancy (or an employer setting a past date): status still open.
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() - interval '1 day' WHERE id = :id"),
        {"id": old["id"]},
    )
    # A site added to it (as a bulk import or the demo loader inserts them) stays off too.
    await session.execute(
        text(
            "INSERT INTO vacancy_site (vacancy_id, positions, geom, area_id, commune_code) "
            "SELECT vacancy_id, positions, geom, area_id, commune_code FROM vacancy_site "
            "WHERE vacancy_id = CAST(:id AS uuid)"
        ),
        {"id": old["id"]},
    )
    assert await _site_state(session, old["id"]) == [(False, True), (False, True)]
    assert await _site_state(session, kept["id"]) == [(True, False)]
    status = await session.scalar(
        text("SELECT status FROM vacancy WHERE id = :id"), {"id": old["id"]}
    )
    assert status == "open"  # not recorded as expired: that is the sweep's work
    await assert_cells_are_exact(session)
    x, y = tile_of(LON, LAT, 10)
    assert sum(c[2] for c in clusters_of(await get_tile(client, 10, x, y))) == 1
    # Given a new date, it is back on the map.
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() + interval '1 day' WHERE id = :id"),
        {"id": old["id"]},
    )
    assert await _site_state(session, old["id"]) == [(True, False), (True, False)]
    await assert_cells_are_exact(session)


async def test_verifying_an_employer_lists_only_its_unexpired_sites(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    fresh = await post(client, actors.a, title="Mới")
    old = await post(client, actors.a, title="Cũ", sites=at_city(0.002))
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() - interval '1 hour' WHERE id = :id"),
        {"id": old["id"]},
    )
    for verified in ("NULL", "now()"):
        await session.execute(
            text(f"UPDATE employer SET verified_at = {verified} WHERE id = :id"),  # noqa: S608
            {"id": actors.employer_a.id},
        )
    assert await _site_state(session, fresh["id"]) == [(True, False)]
    assert await _site_state(session, old["id"]) == [(False, True)]
    await assert_cells_are_exact(session)


async def test_the_pass_takes_expired_sites_off_the_map_and_nothing_else(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    live = await post(client, actors.a, title="Còn hạn")
    gone = [
        await post(client, actors.a, title=f"Hết hạn {i}", sites=at_city(0.001 * (i + 1)))
        for i in range(3)
    ]
    for vacancy in gone:
        await _expire_while_listed(session, vacancy["id"])
    x, y = tile_of(LON, LAT, 10)
    before = clusters_of(await get_tile(client, 10, x, y))
    assert sum(c[2] for c in before) == 1  # readers hide them already
    version = await _map_version(session)

    assert await repository.unlist_expired_sites(session, limit=2) == 2
    assert await repository.unlist_expired_sites(session, limit=2) == 1
    assert await repository.unlist_expired_sites(session, limit=2) == 0

    for vacancy in gone:
        assert await _site_state(session, vacancy["id"]) == [(False, True)]
    assert await _site_state(session, live["id"]) == [(True, False)]
    await assert_cells_are_exact(session)
    assert await _map_version(session) > version
    # The map draws the same; the vacancies are not recorded as expired, nor announced.
    assert clusters_of(await get_tile(client, 10, x, y)) == before
    assert clusters_of(await get_tile(client, 10, x, y, **EVERYTHING)) == before
    ids = [vacancy["id"] for vacancy in gone]
    statuses = await session.scalars(
        text("SELECT status FROM vacancy WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}
    )
    assert set(statuses) == {"open"}
    events = await session.scalar(text("SELECT count(*) FROM vacancy_event WHERE kind = 'expired'"))
    assert events == 0


async def test_the_periodic_pass_works_off_a_backlog_in_committed_batches(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sweep_module, "UNLIST_BATCH", 2)
    gone = [
        await post(client, actors.a, title=f"Tồn {i}", sites=at_city(0.001 * (i + 1)))
        for i in range(5)
    ]
    for vacancy in gone:
        await _expire_while_listed(session, vacancy["id"])
    sessions = _joined(session)
    assert await sweep_module.unlist_expired(sessions) == 5
    assert await sweep_module.unlist_expired(sessions) == 0
    await assert_cells_are_exact(session)


async def test_the_recording_sweep_takes_sites_off_the_map_first(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    gone = await post(client, actors.a, title="Hết hạn")
    await _past_due(session, gone["id"])
    assert await _site_state(session, gone["id"]) == [(True, True)]
    report: Any = await sweep_module.sweep(session)
    assert report.expired == 1
    assert await _site_state(session, gone["id"]) == [(False, True)]
    await assert_cells_are_exact(session)


async def test_the_periodic_pass_runs_at_start(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A service back after a while finds a backlog: it is taken off at once, not after the
    first interval (an hour here)."""
    gone = await post(client, actors.a, title="Hết hạn khi dừng")
    await _expire_while_listed(session, gone["id"])
    sessions = _joined(session)
    passed = asyncio.Event()
    original = sweep_module._take_off_the_map

    async def observed(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        await original(sessionmaker)
        passed.set()

    monkeypatch.setattr(sweep_module, "_take_off_the_map", observed)
    task = asyncio.create_task(sweep_module.unlist_periodically(sessions, 3600))
    try:
        await asyncio.wait_for(passed.wait(), timeout=10)
    finally:
        task.cancel()  # asleep for the next hour by now: the connection is free
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await _site_state(session, gone["id"]) == [(False, True)]


@pytest.mark.parametrize(
    ("interval_s", "next_expiry_in_s", "low", "high"),
    [
        (60, None, 30, 90),  # nothing listed will expire: the interval, with jitter
        (60, 200, 30, 90),  # later than the interval: the interval
        (60, 20, 20.5, 20.5),  # sooner: just past that expiry
        (60, 1, 10, 10),  # very soon: not sooner than the gap after this pass
        (60, 0, 10, 10),
        (4, 1, 2, 4),  # an interval shorter than the gap: the interval's jitter still applies
    ],
)
def test_the_pass_waits_for_the_next_expiry_when_it_comes_sooner(
    interval_s: float, next_expiry_in_s: float | None, low: float, high: float
) -> None:
    assert sweep_module.MIN_PASS_GAP_S == 10
    assert sweep_module.PAST_EXPIRY_S == 0.5
    for _ in range(50):
        assert low <= sweep_module.until_next_pass(interval_s, next_expiry_in_s) <= high


async def test_the_periodic_pass_runs_again_at_the_next_expiry(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A listed site expiring in 2 s: the pass after the one at start comes then, not after
    the interval (an hour here)."""
    soon = await post(client, actors.a, title="Hết hạn sau 2 giây")
    await session.execute(
        text(
            "UPDATE vacancy_site SET valid_through = now() + interval '2 seconds' "
            "WHERE vacancy_id = CAST(:id AS uuid)"
        ),
        {"id": soon["id"]},
    )
    sessions = _joined(session)
    waits: list[float | None] = []
    second_pass = asyncio.Event()
    original = sweep_module._take_off_the_map

    async def observed(sessionmaker: async_sessionmaker[AsyncSession]) -> float | None:
        waits.append(await original(sessionmaker))
        if len(waits) == 2:
            second_pass.set()
        return waits[-1]

    monkeypatch.setattr(sweep_module, "_take_off_the_map", observed)
    monkeypatch.setattr(sweep_module, "MIN_PASS_GAP_S", 0.5)
    task = asyncio.create_task(sweep_module.unlist_periodically(sessions, 3600))
    try:
        await asyncio.wait_for(second_pass.wait(), timeout=20)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # (The test's transaction keeps one now(): the site stays 2 s ahead of it.)
    first = waits[0]
    assert first is not None
    assert 0 < first <= 2


async def test_the_sweep_commits_batch_by_batch(
    client: AsyncClient,
    actors: Actors,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Operators' sweep and the periodic one: a backlog is taken off the map and recorded in
    transactions of a batch each, not in one transaction as long as the backlog."""
    gone = [await post(client, actors.a, title=f"Tồn đọng {i}") for i in range(5)]
    kept = await post(client, actors.a, title="Còn hạn")
    for vacancy in gone:
        await _past_due(session, vacancy["id"])
    monkeypatch.setattr(sweep_module, "SWEEP_BATCH", 2)
    monkeypatch.setattr(sweep_module, "UNLIST_BATCH", 2)
    sessions = _joined(session)
    transactions = 0

    def counted() -> AsyncSession:
        nonlocal transactions
        transactions += 1
        return sessions()

    report = await sweep_module.sweep_in_batches(counted)  # type: ignore[arg-type]
    assert (report.unlisted, report.expired) == (5, 5)
    # Unlisting 2 + 2 + 1, recording 2 + 2 + 1 + 0, purging: one transaction each.
    assert transactions == 3 + 4 + 1
    for vacancy in gone:
        assert await _site_state(session, vacancy["id"]) == [(False, True)]
    queued = await session.scalars(text("SELECT vacancy_id::text FROM vacancy_due"))
    assert set(queued) == {kept["id"]}
    expired = await session.scalars(
        text("SELECT vacancy_id::text FROM vacancy_event WHERE kind = 'expired'")
    )
    assert sorted(expired) == sorted(vacancy["id"] for vacancy in gone)
    await assert_cells_are_exact(session)


# What jobmap_site_fill would decide for each site today; rows where the stored site differs.
_SITES_NOT_AS_THEIR_VACANCY = text("""
    SELECT s.id FROM vacancy_site s
    JOIN vacancy v ON v.id = s.vacancy_id
    JOIN employer e ON e.id = v.employer_id
    WHERE (s.public, s.valid_through, s.employer_id, s.occupation_code, s.industry_code,
           s.employment_type, s.salary_monthly_min, s.salary_monthly_max, s.published_at)
          IS DISTINCT FROM
          (v.status = 'open' AND v.valid_through > now() AND e.verified_at IS NOT NULL,
           v.valid_through, v.employer_id, v.occupation_code, v.industry_code,
           v.employment_type, v.salary_monthly_min, v.salary_monthly_max, v.published_at)
""")


async def _site_row_versions(session: AsyncSession, ids: list[str]) -> dict[str, str]:
    rows = await session.execute(
        text(
            "SELECT vacancy_id::text, xmin::text FROM vacancy_site "
            "WHERE vacancy_id = ANY(CAST(:ids AS uuid[]))"
        ),
        {"ids": ids},
    )
    return dict(rows.all())


async def test_one_statement_over_many_vacancies_copies_each_onto_its_sites(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    """The site sync runs once per statement (migration 0016): a statement writing many
    vacancies in different ways leaves every site as jobmap_site_fill would make it, writes
    no site whose values did not change, and keeps the map cells exact."""
    vacancies = [await post(client, actors.a, title=f"Thợ may {i}") for i in range(6)]
    hidden = await post(client, actors.unverified_key, title="Chưa duyệt")
    ids = [v["id"] for v in vacancies]
    untouched = [ids[4], ids[5], hidden["id"]]
    before = await _site_row_versions(session, untouched)
    await session.execute(
        text("""
            UPDATE vacancy SET
                salary_monthly_min = CASE WHEN id = CAST(:paid AS uuid)
                                          THEN 9000000 ELSE salary_monthly_min END,
                salary_monthly_max = CASE WHEN id = CAST(:paid AS uuid)
                                          THEN 12000000 ELSE salary_monthly_max END,
                status = CASE WHEN id = CAST(:closed AS uuid) THEN 'closed' ELSE status END,
                close_reason = CASE WHEN id = CAST(:closed AS uuid)
                                    THEN 'filled' ELSE close_reason END,
                closed_at = CASE WHEN id = CAST(:closed AS uuid) THEN now() ELSE closed_at END,
                valid_through = CASE WHEN id = CAST(:lapsed AS uuid)
                                     THEN now() - interval '1 minute' ELSE valid_through END,
                occupation_code = CASE WHEN id = CAST(:moved AS uuid)
                                       THEN '75' ELSE occupation_code END,
                -- the rest: a column the sites do not copy
                title = title || ' (sửa)'
            WHERE id = ANY(CAST(:ids AS uuid[]))
        """),
        {
            "paid": ids[0],
            "closed": ids[1],
            "lapsed": ids[2],
            "moved": ids[3],
            "ids": [*ids, hidden["id"]],
        },
    )
    assert (await session.scalars(_SITES_NOT_AS_THEIR_VACANCY)).all() == []
    states = {v: await _site_state(session, v) for v in ids}
    assert states == {
        ids[0]: [(True, False)],
        ids[1]: [(False, False)],
        ids[2]: [(False, True)],
        ids[3]: [(True, False)],
        ids[4]: [(True, False)],
        ids[5]: [(True, False)],
    }
    assert await _site_row_versions(session, untouched) == before
    await assert_cells_are_exact(session)
