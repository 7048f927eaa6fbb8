"""A replica stopped under load costs no 5xx: its reads go to the primary, and it comes back
into rotation when it is up again. Every GET route answers from the replica."""

from __future__ import annotations

import asyncio
import time

import pytest
from httpx import AsyncClient

from tests.conftest import Live
from tests.factories import CITY_CENTRE, vacancy_payload
from tests.placements.conftest import placement_payload
from tests.replicas.conftest import Served, caught_up, db_script, in_rotation, replica_running
from tests.test_cache_headers import World, calls
from tests.tiles.test_tiles import tile_of

pytestmark = pytest.mark.usefixtures("replica")


async def _read_until(client: AsyncClient, urls: list[str], stop: asyncio.Event) -> list[int]:
    statuses = []
    turn = 0
    while not stop.is_set():
        response = await client.get(urls[turn % len(urls)])
        statuses.append(response.status_code)
        turn += 1
    return statuses


async def test_a_replica_stopped_under_load_costs_no_5xx_and_comes_back(live: Live) -> None:
    posted = await live.client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
    )
    assert posted.status_code == 201
    await caught_up()
    await in_rotation(live.app)
    x, y = tile_of(*CITY_CENTRE, 12)
    urls = [
        f"/v1/vacancies/{posted.json()['id']}",
        f"/v1/vacancies?near={CITY_CENTRE[0]},{CITY_CENTRE[1]}&radius_m=5000",
        "/v1/vacancies.geojson?bbox=105.9,10.2,106.0,10.3",
        f"/v1/tiles/vacancies/12/{x}/{y}.mvt",  # the fast path, on the replica's map connection
        f"/v1/tiles/vacancies/12/{x}/{y}.mvt?q=ke%20toan",  # the route
        "/ogc/collections/vacancies/items?limit=5",
    ]
    served = Served()
    stop = asyncio.Event()
    readers = [asyncio.create_task(_read_until(live.client, urls, stop)) for _ in range(8)]
    try:
        await asyncio.sleep(1.0)
        before_stop = served["replica-1"]
        assert before_stop > 0
        await db_script("replica-stop")
        stopped_at = time.monotonic()
        assert not await replica_running()
        await asyncio.sleep(1.5)
    finally:
        stop.set()
        statuses = [status for reader in readers for status in await reader]
    try:
        assert statuses
        assert [s for s in statuses if s >= 500] == []
        assert set(statuses) <= {200, 204}
        assert served["primary"] > 0  # the load went on, on the primary
        assert not live.app.state.database.monitor.usable("replica-1", 0)
        assert time.monotonic() - stopped_at >= 1.5
    finally:
        await db_script("replica-start")
    await caught_up()
    await in_rotation(live.app)
    back = Served()
    for url in urls:
        response = await live.client.get(url)
        assert response.status_code in (200, 204), url
    assert back["replica-1"] == len(urls)
    assert back["primary"] == 0


async def test_every_get_route_answers_from_the_replica(live: Live) -> None:
    """No GET route writes or needs anything a hot standby refuses (temporary tables, locks
    it cannot take): all answer from the replica without a 5xx or a second run."""
    posted = await live.client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
    )
    assert posted.status_code == 201
    vacancy_id = posted.json()["id"]
    placement = await live.client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=vacancy_id, channel="job_map"),
        headers=live.actors.a,
    )
    assert placement.status_code == 201, placement.text
    areas = await live.client.get("/ogc/collections/areas/items", params={"limit": 1})
    world = World(
        live.actors, vacancy_id, placement.json()["id"], str(areas.json()["features"][0]["id"])
    )
    await caught_up()
    await in_rotation(live.app)
    urls = calls(world)
    on_primary = {"/v1/vacancies/changes"}  # by the routing rule
    without_session = {"/healthz", "/readyz"}
    served = Served()
    for url in urls.values():
        for headers in ({}, live.actors.admin):
            response = await live.client.get(url, headers=headers)
            assert response.status_code < 500, (url, response.text)
    assert served.retried == 0
    assert served["primary"] == 2 * len(on_primary)
    assert served["replica-1"] >= 2 * (len(urls) - len(on_primary) - len(without_session))
