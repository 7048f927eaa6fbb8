"""The tile cache and the changes feed while the replica does not replay: a kept tile is
never served to a request whose server has newer data, and the feed skips nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Live
from tests.factories import CITY_CENTRE, vacancy_payload
from tests.replicas.conftest import Served, caught_up, in_rotation
from tests.tiles.test_tiles import features, tile_of

pytestmark = pytest.mark.usefixtures("replica")

Z = 12
X, Y = tile_of(*CITY_CENTRE, Z)
TILE = f"/v1/tiles/vacancies/{Z}/{X}/{Y}.mvt"


async def sites_in_tile(live: Live, headers: dict[str, str] | None = None) -> int:
    response = await live.client.get(TILE, headers=headers or {})
    assert response.status_code in (200, 204), response.text
    found: list[dict[str, Any]] = features(response) if response.status_code == 200 else []
    return sum(int(feature["properties"]["count"]) for feature in found)


@pytest.mark.usefixtures("paused_replay")
async def test_kept_tiles_follow_the_server_they_were_drawn_on(live: Live) -> None:
    # The lag limit is 2 s: read the replica's tiles while it is still in rotation.
    live.app.state.database.monitor.max_lag_s = 60
    await in_rotation(live.app)
    before = await sites_in_tile(live)
    posted = await live.client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
    )
    assert posted.status_code == 201
    lsn = {"X-Commit-LSN": posted.headers["x-commit-lsn"]}
    served = Served()
    # Anonymous, on the replica: the tile it can draw, without the new site, kept.
    assert await sites_in_tile(live) == before
    assert served["replica-1"] == 1
    # The writer (by its key, or by the header) gets the primary's tile, not the kept one.
    assert await sites_in_tile(live, live.actors.a) == before + 1
    assert await sites_in_tile(live, lsn) == before + 1
    assert served["primary"] == 2
    # And the replica's readers are not handed the primary's newer tile as theirs either:
    # each tile is served only to a request that read the same map state.
    assert await sites_in_tile(live) == before


async def test_once_replayed_the_replica_draws_the_new_site(live: Live) -> None:
    await in_rotation(live.app)
    before = await sites_in_tile(live)
    posted = await live.client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
    )
    assert posted.status_code == 201
    await caught_up()
    served = Served()
    assert await sites_in_tile(live) == before + 1
    assert served["replica-1"] == 1


@pytest.mark.usefixtures("paused_replay")
async def test_the_changes_feed_skips_nothing_while_the_replica_lags(live: Live) -> None:
    live.app.state.database.monitor.max_lag_s = 60  # the replica stays in rotation
    await in_rotation(live.app)
    first = await live.client.get("/v1/vacancies/changes", params={"limit": 1000})
    cursor = first.json()["next_cursor"]
    while True:  # to the end of the feed
        page = await live.client.get("/v1/vacancies/changes", params={"after": cursor})
        if not page.json()["events"]:
            break
        cursor = page.json()["next_cursor"]
    posted = await live.client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
    )
    assert posted.status_code == 201
    served = Served()
    after = await live.client.get("/v1/vacancies/changes", params={"after": cursor})
    assert after.status_code == 200
    assert posted.json()["id"] in {event["vacancy_id"] for event in after.json()["events"]}
    assert served["primary"] == 1
    assert served["replica-1"] == 0
