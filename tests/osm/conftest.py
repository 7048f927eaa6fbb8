"""Fixtures of the street network tests: real osm2pgsql and pgRouting on the test database.

Loads commit for real (osm2pgsql writes on its own connections), so each test drops the `osm`
schema afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.models.travel_speed import TravelMode
from app.osm import service
from app.osm.queries import edges_sql
from app.osm.service import LoadReport
from tests.conftest import database_url
from tests.osm.osm_files import osm_xml, write


@pytest.fixture
def osm_settings() -> Settings:
    return Settings(environment="test", database_url=database_url())


@pytest.fixture
async def no_network(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A database without a street network, and without one again after the test."""

    async def drop() -> None:
        async with engine.begin() as connection:
            names = await connection.scalars(
                text(r"SELECT nspname FROM pg_namespace WHERE nspname ~ '^osm(_|$)'")
            )
            for name in list(names):
                await connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))

    await drop()
    yield engine
    await drop()


@pytest.fixture
async def town(no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path) -> LoadReport:
    """The town of tests/osm/osm_files.py, loaded as the live network."""
    del no_network
    return await service.load(osm_settings, write(tmp_path, "town.osm", osm_xml()))


async def travel_s(engine: AsyncEngine, mode: TravelMode, source: int, target: int) -> float | None:
    """Seconds of the fastest route between two OSM nodes by pgRouting; None: unreachable."""
    async with engine.connect() as connection:
        value = await connection.scalar(
            text(
                "SELECT agg_cost FROM pgr_dijkstraCost(CAST(:edges AS text),"
                " CAST(:source AS bigint), CAST(:target AS bigint), true)"
            ),
            {"edges": edges_sql(mode), "source": source, "target": target},
        )
    return None if value is None else float(value)
