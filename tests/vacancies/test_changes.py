"""The changes feed: commit order, no gaps and no repeats, even with concurrent writers."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text

from app import cursors
from tests.conftest import Live
from tests.factories import vacancy_payload
from tests.problems import assert_problem


async def read_all(
    client: AsyncClient, after: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], str]:
    events: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        page = (await client.get("/v1/vacancies/changes", params=params)).json()
        events.extend(page["events"])
        if page["next_cursor"] == after or not page["events"]:
            return events, page["next_cursor"]
        after = page["next_cursor"]


async def test_lifecycle_events_in_order_and_pages_without_repeats(live: Live) -> None:
    client, actors = live.client, live.actors
    _, start = await read_all(client)
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    url = created.headers["location"]
    await client.patch(url, json={"title": "Kế toán trưởng"}, headers=actors.a)
    await client.post(f"{url}/close", json={"reason": "filled"}, headers=actors.a)
    draft = await client.post(
        "/v1/vacancies", json=vacancy_payload(title="Nháp", status="draft"), headers=actors.a
    )
    hidden = await client.post(
        "/v1/vacancies", json=vacancy_payload(), headers=actors.unverified_key
    )
    assert hidden.status_code == 201

    events, _ = await read_all(client, start, limit=1)
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))
    vacancy_id = created.json()["id"]
    assert [(e["kind"], e["vacancy_id"]) for e in events] == [
        ("created", vacancy_id),
        ("updated", vacancy_id),
        ("closed", vacancy_id),
    ]
    assert draft.json()["id"] not in {e["vacancy_id"] for e in events}
    empty = await client.patch(url, json={}, headers=actors.a)
    assert empty.status_code == 409  # closed: nothing to change

    # Verifying the employer announces its open vacancies; suspending it does too. Earlier
    # events of an unverified employer never surface behind a reader's cursor.
    _, cursor = await read_all(client, start)
    await client.post(f"/v1/employers/{actors.unverified.id}/verify", headers=actors.department)
    await client.patch(
        f"/v1/employers/{actors.unverified.id}", json={"verified": False}, headers=actors.department
    )
    later, _ = await read_all(client, cursor)
    hidden_id = hidden.json()["id"]
    assert [(e["kind"], e["vacancy_id"]) for e in later] == [
        ("updated", hidden_id),
        ("updated", hidden_id),
    ]
    everything, _ = await read_all(client, start)
    assert [e["id"] for e in everything] == [e["id"] for e in events + later]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "e30",
        cursors.encode({"t": "1", "i": 2}),
        cursors.encode({"t": 1}),
        "x" * 600,
        "%%%%",
    ],
)
async def test_forged_cursors_are_422(live: Live, cursor: str) -> None:
    response = await live.client.get("/v1/vacancies/changes", params={"after": cursor})
    assert_problem(response, 422, "query.after")


async def test_limit_bounds(live: Live) -> None:
    for limit in (0, 1001, -5, "many"):
        response = await live.client.get("/v1/vacancies/changes", params={"limit": limit})
        assert_problem(response, 422, "query.limit")


async def test_no_gaps_and_no_repeats_under_concurrent_writers(live: Live) -> None:
    """Writers hold their transactions open for random times, so they commit out of the order
    their events were numbered in, while a reader polls. The reader must still see each event
    exactly once."""
    client, actors = live.client, live.actors
    vacancy_ids = []
    for i in range(4):
        response = await client.post(
            "/v1/vacancies", json=vacancy_payload(title=f"Công nhân may {i}"), headers=actors.a
        )
        vacancy_ids.append(uuid.UUID(response.json()["id"]))
    _, cursor = await read_all(client)

    rng = random.Random(86)  # noqa: S311  (timings, not secrets)
    written: list[int] = []
    done = asyncio.Event()

    async def writer(delay: float, hold: float, vacancy_id: uuid.UUID) -> None:
        await asyncio.sleep(delay)
        async with live.engine.begin() as connection:
            event_id = await connection.scalar(
                text(
                    "INSERT INTO vacancy_event (vacancy_id, kind) "
                    "VALUES (:v, 'updated') RETURNING id"
                ),
                {"v": vacancy_id},
            )
            await asyncio.sleep(hold)  # commit later than writers that started after us
        written.append(int(event_id or 0))

    seen: list[int] = []

    async def reader() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            page = (
                await client.get("/v1/vacancies/changes", params={"after": cursor, "limit": 7})
            ).json()
            seen.extend(e["id"] for e in page["events"])
            cursor = page["next_cursor"]
            if finished and not page["events"]:
                return
            await asyncio.sleep(0.002)

    reading = asyncio.create_task(reader())
    await asyncio.gather(
        *(
            writer(rng.uniform(0, 0.3), rng.uniform(0, 0.05), rng.choice(vacancy_ids))
            for _ in range(60)
        )
    )
    done.set()
    await reading
    assert len(seen) == len(set(seen)), "an event was delivered twice"
    assert sorted(seen) == sorted(written), "an event was missed"
