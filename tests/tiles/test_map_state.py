"""The shared map-state read: a caller only ever gets a read that began after it asked, while
callers waiting at the same time share one read; and, with real commits, a kept tile is
drawn again after a vacancy is published."""

from __future__ import annotations

import asyncio
from typing import Any

import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.errors import ServiceUnavailableError
from app.tiles.cache import MapConnection, MapState, MapStateReader
from tests.conftest import Live
from tests.factories import CITY_CENTRE
from tests.tiles.test_tiles import tile_of


class ScriptedReads:
    """Reads that end when the test says so, each returning its own number."""

    def __init__(self) -> None:
        self.started: list[asyncio.Event] = []
        self.finish: list[asyncio.Event] = []
        self.fail_next = False

    async def read(self) -> MapState:
        number = len(self.started)
        self.started.append(asyncio.Event())
        self.finish.append(asyncio.Event())
        self.started[number].set()
        failing, self.fail_next = self.fail_next, False
        await self.finish[number].wait()
        if failing:
            raise ConnectionError("database down")
        return number, None


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_caller_never_gets_a_read_that_began_before_it_asked() -> None:
    reads = ScriptedReads()
    reader = MapStateReader(reads.read)
    first = asyncio.create_task(reader.current())
    await settle()
    assert len(reads.started) == 1  # read 0 is under way
    # These ask while read 0 runs: it may miss what they must see, so they wait for read 1.
    late = [asyncio.create_task(reader.current()) for _ in range(5)]
    await settle()
    reads.finish[0].set()
    assert await first == (0, None)
    await settle()
    assert len(reads.started) == 2  # one read for all five
    reads.finish[1].set()
    assert [await task for task in late] == [(1, None)] * 5
    assert len(reads.started) == 2


async def test_callers_before_a_read_begins_share_it() -> None:
    reads = ScriptedReads()
    reader = MapStateReader(reads.read)
    together = [asyncio.create_task(reader.current()) for _ in range(16)]
    await settle()
    reads.finish[0].set()
    assert {await task for task in together} == {(0, None)}
    assert len(reads.started) == 1


async def test_an_error_reaches_every_waiter_and_the_next_call_reads_again() -> None:
    reads = ScriptedReads()
    reader = MapStateReader(reads.read)
    reads.fail_next = True
    waiting = [asyncio.create_task(reader.current()) for _ in range(3)]
    await settle()
    reads.finish[0].set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    again = asyncio.create_task(reader.current())
    await settle()
    reads.finish[1].set()
    assert await again == (1, None)


async def test_a_caller_that_goes_away_leaves_the_read_to_the_others() -> None:
    reads = ScriptedReads()
    reader = MapStateReader(reads.read)
    leaving = asyncio.create_task(reader.current())
    staying = asyncio.create_task(reader.current())
    await settle()
    leaving.cancel()
    await settle()
    reads.finish[0].set()
    assert await staying == (0, None)


async def test_the_connection_outlives_a_restart_and_answers_503_when_unreachable(
    settings: Settings, engine: AsyncEngine
) -> None:
    connection = MapConnection(settings)
    try:
        version, _ = await connection.read()
        async with engine.begin() as admin:  # as a database restart would
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'jobmap-map' AND datname = current_database()"
                )
            )
        # The dropped connection is replaced: at once when noticed first, or after one read
        # that fails with 503 when the read meets it.
        try:
            assert (await connection.read())[0] == version
        except ServiceUnavailableError:
            assert (await connection.read())[0] == version
    finally:
        await connection.close()
    nowhere = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", db_connect_timeout_s=2
    )
    with pytest.raises(ServiceUnavailableError):
        await MapConnection(nowhere).read()


async def _tile_sites(live: Live, z: int, x: int, y: int) -> tuple[str, int]:
    response = await live.client.get(f"/v1/tiles/vacancies/{z}/{x}/{y}.mvt")
    if response.status_code == 204:
        return response.headers["x-tile-cache"], 0
    assert response.status_code == 200, response.text
    layer: dict[str, Any] = mapbox_vector_tile.decode(response.content)["vacancies"]
    counts = [feature["properties"]["count"] for feature in layer["features"]]
    return response.headers["x-tile-cache"], sum(counts)


async def test_with_real_commits_a_kept_tile_is_drawn_again_after_a_publish(live: Live) -> None:
    lon, lat = CITY_CENTRE
    x, y = tile_of(lon, lat, 12)
    _, before = await _tile_sites(live, 12, x, y)
    assert await _tile_sites(live, 12, x, y) == ("hit", before)
    response = await live.client.post(
        "/v1/vacancies",
        json={
            "title": "Thợ điện",
            "description": "Lắp đặt điện dân dụng.",
            "occupation_code": "74",
            "employment_type": "full_time",
            "contact": {"name": "Anh Nam", "phone": "0912 345 678"},
            "sites": [{"positions": 1, "coordinates": {"lon": lon, "lat": lat}}],
        },
        headers=live.actors.a,
    )
    assert response.status_code == 201, response.text
    assert await _tile_sites(live, 12, x, y) == ("miss", before + 1)
    assert await _tile_sites(live, 12, x, y) == ("hit", before + 1)
