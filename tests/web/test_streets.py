"""Streets on the job map (issue 16): drawn under the sites once an OpenStreetMap extract is
loaded, credited to OpenStreetMap's contributors; before that, the commune basemap alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.osm import service
from tests.conftest import database_url
from tests.osm.osm_files import osm_xml, write
from tests.web.conftest import OpenPage
from tests.web.pages import map_ready, rendered, wait_until
from tests.web.seed import Seeded

pytestmark = pytest.mark.browser

# The town of tests/osm/osm_files.py, close up.
TOWN_VIEW = "/#15/10.001/106.002"
ATTRIBUTION = "() => document.querySelector('.maplibregl-ctrl-attrib')?.textContent ?? ''"


@pytest.fixture
async def streets_loaded(web_site: Seeded, tmp_path: Path) -> AsyncIterator[None]:
    """The town loaded into the web site's database, and dropped again after the test."""
    del web_site
    url = database_url("_web")
    await service.load(Settings(database_url=url), write(tmp_path, "town.osm", osm_xml()))
    yield
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA osm CASCADE"))
    finally:
        await engine.dispose()


async def test_without_streets_the_map_keeps_the_commune_basemap(open_page: OpenPage) -> None:
    page = (await open_page(TOWN_VIEW)).page
    await map_ready(page)
    assert await page.evaluate("() => window.jobMap.getSource('streets') === undefined")
    assert "OpenStreetMap" not in await page.evaluate(ATTRIBUTION)


@pytest.mark.usefixtures("streets_loaded")
async def test_loaded_streets_are_drawn_and_credited(open_page: OpenPage) -> None:
    page = (await open_page(TOWN_VIEW)).page
    await map_ready(page)
    await wait_until(page, "() => window.jobMap.getSource('streets') !== undefined")
    await map_ready(page)
    roads = await rendered(page, "street-roads")
    names = {road["properties"].get("name") for road in roads}
    assert {"Đường Một", "Cầu Mỹ Thuận"} <= names
    assert await rendered(page, "street-ferries")
    assert await rendered(page, "street-waterways")
    await wait_until(page, "() => document.querySelector('.maplibregl-ctrl-attrib')")
    assert "© OpenStreetMap contributors" in await page.evaluate(ATTRIBUTION)
