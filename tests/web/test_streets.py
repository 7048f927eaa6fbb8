"""Streets on the job map (issue 16): drawn under the sites once an OpenStreetMap extract is
loaded, credited to OpenStreetMap's contributors; before that, the commune basemap alone. With
streets, "Gần tôi" searches by minutes on a motorbike, draws the area reachable, lists travel
times, and a card shows the route (issue 17)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.osm import service
from tests.conftest import database_url
from tests.factories import vacancy_payload
from tests.osm.osm_files import osm_xml, write
from tests.web.conftest import OpenPage
from tests.web.pages import map_ready, rendered, result_titles, results_ready, wait_until
from tests.web.seed import Seeded, site

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


@pytest.fixture
async def town_vacancy(web_site: Seeded, streets_loaded: None) -> AsyncIterator[str]:
    """A vacancy at the town's bridge end (node 3), closed again after the test so that the
    other page tests count the seeded sites only."""
    del streets_loaded
    async with httpx.AsyncClient(base_url=web_site.base) as client:
        posted = await client.post(
            "/v1/vacancies",
            json=vacancy_payload(title="Thợ hàn ở đầu cầu", sites=[site(106.002, 10.0)]),
            headers=web_site.employer,
        )
        assert posted.status_code == 201, posted.text
        vacancy_id = posted.json()["id"]
        yield vacancy_id
        closed = await client.post(
            f"/v1/vacancies/{vacancy_id}/close",
            json={"reason": "withdrawn"},
            headers=web_site.employer,
        )
        assert closed.status_code == 200, closed.text


# The town's fixtures first: they are torn down after the page (the page's last screenshot
# still draws streets).
@pytest.mark.usefixtures("town_vacancy")
async def test_near_me_by_motorbike_time_with_its_area_and_route(open_page: OpenPage) -> None:
    watched = await open_page("/?near=106.000,10.000&minutes=15" + TOWN_VIEW.removeprefix("/"))
    page = watched.page
    await map_ready(page)
    # The time choices come with the streets; the link's 15 minutes is chosen.
    await wait_until(page, "() => document.getElementById('radius').value === 'min15'")
    options = await page.locator("#radius optgroup option").all_inner_texts()
    assert options == ["15 phút đi xe máy", "30 phút đi xe máy", "45 phút đi xe máy"]
    status = await results_ready(page)
    assert "trong 15 phút đi xe máy" in status
    assert "Thợ hàn ở đầu cầu" in await result_titles(page)
    # Its travel time and route length: 219 m of Đường Một at 20 km/h, about 39 s: 1 minute.
    meta = await page.locator("#results-list li", has_text="Thợ hàn ở đầu cầu").inner_text()
    assert "1 phút · 219 m" in meta
    # The area reachable in 15 minutes, drawn from the isochrone.
    await map_ready(page)
    assert await rendered(page, "near-area")
    await page.locator("#results-list button", has_text="Thợ hàn ở đầu cầu").click()
    route = await wait_until(
        page,
        "() => { const r = document.getElementById('card-route'); "
        "return r && /phút/.test(r.textContent) && r.textContent; }",
    )
    assert route == "1 phút · 219 m"
    await map_ready(page)
    assert await rendered(page, "route-line")
    # A search by time that runs out of time says what to do about it, and can be tried again.
    watched.allowed_statuses.add(503)
    slow = re.compile(r"/v1/vacancies\?.*travel_mode=")
    await page.route(
        slow,
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"type": "about:blank", "title": "Service Unavailable", "status": 503}',
        ),
    )
    await page.select_option("#radius", "min30")
    assert await results_ready(page) == (
        "Tìm theo thời gian đi mất quá lâu. Hãy chọn thời gian ngắn hơn hoặc một bán kính. Thử lại"
    )
    await page.unroute(slow)
    # Back to kilometres: the list is by distance again, the URL keeps the radius.
    await page.select_option("#radius", "5000")
    status = await results_ready(page)
    assert "bán kính 5 km" in status
    assert "radius=5000" in page.url
    assert "minutes=" not in page.url


async def test_without_streets_there_are_no_time_choices(open_page: OpenPage) -> None:
    page = (await open_page("/?near=106.000,10.000&minutes=15" + TOWN_VIEW.removeprefix("/"))).page
    await map_ready(page)
    status = await results_ready(page)
    # No network to travel on: the radius is used, and nothing offers minutes.
    assert "bán kính" in status
    assert await page.locator("#radius optgroup").count() == 0
