"""Work sites joined to the street network once (osm.site_joint, migration 0019): written by the
load for the sites already there, by triggers for sites posted, moved or deleted later, again
by `jobmap osm recost`; and what travel-time search does when a site's row is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.config import Settings
from app.models.travel_speed import TravelMode
from app.osm import joints as osm_joints
from app.osm import service
from app.search import joints as search_joints
from tests.conftest import Live
from tests.factories import Actors
from tests.factories import post_vacancy as post
from tests.osm.osm_files import write
from tests.osm.test_travel_search import (  # noqa: F401
    LAT0,
    LON0,
    STEP,
    at,
    grid,
    grid_point,
    grid_town,
    times,
    travel,
)

# 30 m north of the middle of the street (0,1)-(1,1).
BESIDE = (LON0 + STEP / 2, LAT0 + STEP + 0.00027)


Reader = AsyncSession | AsyncConnection


async def joints(reader: Reader, vacancy_id: str) -> dict[tuple[int, str], tuple[Any, ...]]:
    """(site id, mode) -> (edge id, fraction, walk metres) of a vacancy's sites."""
    rows = await reader.execute(
        text(
            "SELECT j.site_id, j.mode, j.edge_id, j.fraction, j.access_m "
            "FROM osm.site_joint AS j JOIN vacancy_site AS s ON s.id = j.site_id "
            "WHERE s.vacancy_id = CAST(:v AS uuid)"
        ),
        {"v": vacancy_id},
    )
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


async def site_ids(reader: Reader, vacancy_id: str) -> list[int]:
    rows = await reader.scalars(
        text("SELECT id FROM vacancy_site WHERE vacancy_id = CAST(:v AS uuid) ORDER BY id"),
        {"v": vacancy_id},
    )
    return list(rows)


async def test_the_load_joins_the_sites_already_there_as_the_search_would(
    live: Live, no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    # Posted (and committed) before any network: nothing to join yet, and posting works.
    vacancy = await post(live.client, live.actors.a, title="Bên đường", sites=at(BESIDE))
    await service.load(osm_settings, write(tmp_path, "grid.osm", grid_town()))
    async with no_network.connect() as connection:
        stored = await joints(connection, vacancy["id"])
        (site_id,) = await site_ids(connection, vacancy["id"])
        assert set(stored) == {(site_id, mode.value) for mode in TravelMode}
        async with AsyncSession(connection) as session:
            for mode in TravelMode:
                probed = await search_joints.join(session, mode, *BESIDE)
                assert probed is not None
                edge_id, fraction, access_m = stored[(site_id, mode.value)]
                assert (edge_id, fraction, access_m) == pytest.approx(
                    (probed.edge_id, probed.fraction, probed.access_m)
                )
                assert access_m == pytest.approx(30, abs=1)
                assert fraction == pytest.approx(0.5, abs=0.01)


@pytest.mark.usefixtures("grid")
async def test_posted_edited_and_moved_sites_keep_their_joints(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy = await post(client, actors.a, title="Hai nơi", sites=at(BESIDE) + at(grid_point(2, 2)))
    first, second = await site_ids(session, vacancy["id"])
    assert len(await joints(session, vacancy["id"])) == 2 * len(TravelMode)
    # New sites replace the old ones: the old ones' rows go with them.
    response = await client.patch(
        f"/v1/vacancies/{vacancy['id']}", json={"sites": at(grid_point(1, 2))}, headers=actors.a
    )
    assert response.status_code == 200, response.text
    (third,) = await site_ids(session, vacancy["id"])
    stored = await joints(session, vacancy["id"])
    assert {site for site, _ in stored} == {third}
    left = await session.scalar(
        text("SELECT count(*) FROM osm.site_joint WHERE site_id IN (:a, :b)"),
        {"a": first, "b": second},
    )
    assert left == 0
    # A site moved in place (no API does it; an operator's UPDATE might) is joined again.
    await session.execute(
        text(
            "UPDATE vacancy_site SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE id = :id"
        ),
        {"x": BESIDE[0], "y": BESIDE[1], "id": third},
    )
    moved = await joints(session, vacancy["id"])
    assert moved[(third, "walk")][2] == pytest.approx(30, abs=1)
    assert stored[(third, "walk")][2] == pytest.approx(0, abs=0.5)


@pytest.mark.usefixtures("grid")
async def test_a_site_without_a_stored_joint_is_found_all_the_same(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy = await post(client, actors.a, title="Bên đường", sites=at(BESIDE))
    before = times(await travel(client, "motorbike", 10))
    # As for a site written while a load built the network it swapped in.
    await session.execute(
        text(
            "DELETE FROM osm.site_joint WHERE site_id IN "
            "(SELECT id FROM vacancy_site WHERE vacancy_id = CAST(:v AS uuid))"
        ),
        {"v": vacancy["id"]},
    )
    assert await joints(session, vacancy["id"]) == {}
    assert times(await travel(client, "motorbike", 10)) == pytest.approx(before)
    connection = await session.connection()
    assert await osm_joints.join_missed_sites(connection) == len(TravelMode)
    assert len(await joints(session, vacancy["id"])) == len(TravelMode)
    assert times(await travel(client, "motorbike", 10)) == pytest.approx(before)


@pytest.mark.usefixtures("grid")
async def test_recost_joins_sites_again_to_the_roads_a_mode_may_use(
    live: Live, osm_settings: Settings
) -> None:
    engine = live.engine
    vacancy = await post(live.client, live.actors.a, title="Bên đường", sites=at(BESIDE))
    async with engine.connect() as connection:
        (site_id,) = await site_ids(connection, vacancy["id"])
        before = await joints(connection, vacancy["id"])
    assert before[(site_id, "walk")][0] is not None
    # An operator takes residential streets away from walkers: the grid has no other road.
    async with engine.begin() as connection:
        kept = (
            await connection.execute(
                text(
                    "DELETE FROM travel_speed WHERE road_class = 'residential' AND mode = 'walk' "
                    "RETURNING kmh, wait_s, note"
                )
            )
        ).one()
    try:
        await service.recost(osm_settings)
        async with engine.connect() as connection:
            after = await joints(connection, vacancy["id"])
        assert after[(site_id, "walk")] == (None, None, None)
        assert after[(site_id, "motorbike")] == before[(site_id, "motorbike")]
        assert times(await travel(live.client, "walk", 10, near=BESIDE)) == {}
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO travel_speed (road_class, mode, kmh, wait_s, note) "
                    "VALUES ('residential', 'walk', :kmh, :wait_s, :note)"
                ),
                dict(kept._mapping),
            )
    await service.recost(osm_settings)
    async with engine.connect() as connection:
        assert await joints(connection, vacancy["id"]) == before
