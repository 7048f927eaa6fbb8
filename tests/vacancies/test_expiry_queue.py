"""The expiry sweep's queue (vacancy_due, migration 0029): which vacancies it holds as they
are posted, edited and closed, that a recorded expiry is announced once, what goes with a
deleted vacancy, sweeps at once, and the migration on a database with vacancies in it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.vacancies import repository
from app.vacancies.sweep import sweep
from tests.conftest import Live, database_url, drop_database, migrate, recreate_database
from tests.factories import Actors, vacancy_payload

QUEUE = text("SELECT vacancy_id::text, valid_through FROM vacancy_due ORDER BY 1")
EXPIRED = text("SELECT vacancy_id::text FROM vacancy_event WHERE kind = 'expired' ORDER BY id")


async def _post(client: AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/vacancies", json=vacancy_payload(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _queue(session: AsyncSession) -> dict[str, datetime]:
    return {row[0]: row[1] for row in await session.execute(QUEUE)}


async def _past_due(session: AsyncSession, vacancy_id: str) -> None:
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() - interval '1 hour' WHERE id = :id"),
        {"id": uuid.UUID(vacancy_id)},
    )


async def test_the_queue_holds_open_vacancies_at_their_valid_through(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    draft = await _post(client, actors.a, status="draft", title="Nháp")
    posted = await _post(client, actors.a, title="Thủ kho")
    queue = await _queue(session)
    assert set(queue) == {posted["id"]}
    assert queue[posted["id"]] == datetime.fromisoformat(posted["valid_through"])

    later = (datetime.now(UTC) + timedelta(days=45)).replace(microsecond=0)
    edit = await client.patch(
        f"/v1/vacancies/{posted['id']}",
        json={"valid_through": later.isoformat()},
        headers=actors.a,
    )
    assert edit.status_code == 200, edit.text
    published = await client.patch(
        f"/v1/vacancies/{draft['id']}", json={"status": "open"}, headers=actors.a
    )
    assert published.status_code == 200, published.text
    assert await _queue(session) == {
        posted["id"]: later,
        draft["id"]: datetime.fromisoformat(published.json()["valid_through"]),
    }

    closed = await client.post(
        f"/v1/vacancies/{posted['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert closed.status_code == 200, closed.text
    assert set(await _queue(session)) == {draft["id"]}


async def test_an_expiry_is_announced_once_and_again_only_after_a_new_date(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy = await _post(client, actors.a)
    await _past_due(session, vacancy["id"])
    assert (await sweep(session)).expired == 1
    # Writes that leave status and valid_through alone (an edit in SQL, a migration rewriting
    # every row) do not queue it again.
    await session.execute(
        text(
            "UPDATE vacancy SET status = status, valid_through = valid_through,"
            " employer_id = employer_id, title = title || ' '"
        )
    )
    assert await _queue(session) == {}
    assert (await sweep(session)).expired == 0
    assert list(await session.scalars(EXPIRED)) == [vacancy["id"]]

    # A later valid_through opens it again (the map shows it), and it expires again.
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() + interval '1 day' WHERE id = :id"),
        {"id": uuid.UUID(vacancy["id"])},
    )
    public = await client.get(f"/v1/vacancies/{vacancy['id']}")
    assert public.status_code == 200
    assert (await sweep(session)).expired == 0
    await _past_due(session, vacancy["id"])
    assert (await sweep(session)).expired == 1
    assert list(await session.scalars(EXPIRED)) == [vacancy["id"], vacancy["id"]]
    assert (await client.get(f"/v1/vacancies/{vacancy['id']}")).status_code == 410


async def test_a_deleted_vacancy_takes_its_events_and_queue_row(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    gone, kept = await _post(client, actors.a), await _post(client, actors.a, title="Thủ kho")
    await _past_due(session, gone["id"])
    await sweep(session)
    other = await _post(client, actors.b, title="Bảo vệ")
    await session.execute(text("DELETE FROM vacancy WHERE id = :id"), {"id": uuid.UUID(gone["id"])})
    events = text("SELECT DISTINCT vacancy_id::text FROM vacancy_event")
    assert set(await session.scalars(events)) == {kept["id"], other["id"]}
    assert set(await _queue(session)) == {kept["id"], other["id"]}
    # An employer's deletion cascades to its vacancies, and on to their events and queue rows.
    await session.execute(text("DELETE FROM employer WHERE id = :id"), {"id": actors.employer_a.id})
    assert set(await session.scalars(events)) == {other["id"]}
    assert set(await _queue(session)) == {other["id"]}


async def test_sweeps_at_once_record_each_vacancy_once(live: Live) -> None:
    ids = [(await _post(live.client, live.actors.a, title=f"Tồn {i}"))["id"] for i in range(6)]
    async with live.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE vacancy SET valid_through = now() - interval '1 hour'"
                " WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": ids},
        )
    async with AsyncSession(live.engine) as first, first.begin():
        taken = await repository.expire_due(first, limit=4)
        # The first's rows stay locked until it commits: the second takes the others.
        async with AsyncSession(live.engine) as second, second.begin():
            rest = await asyncio.wait_for(repository.expire_due(second, limit=10), 10)
    assert (taken, rest) == (4, 2)
    async with live.engine.connect() as connection:
        announced = await connection.scalars(
            text(
                "SELECT vacancy_id::text FROM vacancy_event"
                " WHERE kind = 'expired' AND vacancy_id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": ids},
        )
        assert sorted(announced) == sorted(ids)


# A vacancy as a database at 0028 held it (the columns without defaults).
_VACANCY = text("""
    INSERT INTO vacancy (id, employer_id, title, description, occupation_code, employment_type,
                         contact_name, status, close_reason, valid_through, positions,
                         published_at, closed_at)
    VALUES (:id, :employer, 'Kế toán', 'Sổ sách', '24', 'full_time', 'Chị Lan', :status,
            :reason, now() + :offset, 1, now() - interval '2 days', :closed)
""")


async def test_the_migration_queues_the_open_vacancies_and_goes_back() -> None:
    url = database_url("_expiry_queue")
    await recreate_database(url)
    engine = create_async_engine(url, poolclass=NullPool)
    employer = uuid.uuid4()
    rows = {
        "future": ("open", None, timedelta(days=3), None),
        "backlog": ("open", None, timedelta(hours=-1), None),
        "recorded": ("closed", "expired", timedelta(days=-2), datetime.now(UTC)),
        "draft": ("draft", None, timedelta(days=3), None),
    }
    ids = {name: uuid.uuid4() for name in rows}
    try:
        await migrate(url, "0028")
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO occupation (code, name_vi, level) VALUES ('24', 'Chuyên gia', 2)")
            )
            await connection.execute(
                text(
                    "INSERT INTO employer (id, name, tax_code, verified_at)"
                    " VALUES (:id, 'Công ty A', '1000000001', now())"
                ),
                {"id": employer},
            )
            for name, (status, reason, offset, closed) in rows.items():
                await connection.execute(
                    _VACANCY,
                    {
                        "id": ids[name],
                        "employer": employer,
                        "status": status,
                        "reason": reason,
                        "offset": offset,
                        "closed": closed,
                    },
                )
        await migrate(url, "0029")
        async with AsyncSession(engine) as session, session.begin():
            queued = set(await session.scalars(text("SELECT vacancy_id FROM vacancy_due")))
            assert queued == {ids["future"], ids["backlog"]}
            assert (await sweep(session)).expired == 1
        await migrate(url, "0028", down=True)
        async with engine.connect() as connection:
            states: dict[uuid.UUID, str] = dict(
                (await connection.execute(text("SELECT id, status FROM vacancy"))).all()
            )
            assert states == {
                ids["future"]: "open",
                ids["backlog"]: "closed",  # what the sweep recorded, as 0028's sweep wrote it
                ids["recorded"]: "closed",
                ids["draft"]: "draft",
            }
            keys = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_constraint"
                    " WHERE conname = 'fk_vacancy_event_vacancy_id_vacancy'"
                )
            )
            assert keys == 1
        await migrate(url, "head")
    finally:
        await engine.dispose()
        await drop_database(url)
