"""The job map in a real browser: what a job seeker sees and does."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page, Route

from tests.web.conftest import OpenPage
from tests.web.pages import (
    click_map_at,
    map_ready,
    rendered,
    result_titles,
    results_ready,
    wait_until,
)
from tests.web.seed import ACCOUNTANT_TITLES, DRIVER_SITE, FACTORY, LAT, LON, Seeded

pytestmark = pytest.mark.browser

CLUSTER_TOTAL = """() => window.jobMap.queryRenderedFeatures({layers: ["clusters"]})
  .reduce((sum, f) => sum + f.properties.count, 0)"""


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_the_map_loads_its_own_files_and_draws_every_public_site_in_clusters(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page("/")
    page = watched.page
    await map_ready(page)
    clusters = await rendered(page, "clusters")
    assert clusters, "no clusters drawn"
    # Every public site once (the unverified employer's vacancy is not among them).
    assert await page.evaluate(CLUSTER_TOTAL) == web_site.public_sites
    assert max(c["properties"]["count"] for c in clusters) >= 2
    assert await rendered(page, "land"), "the commune boundaries are the basemap"
    # The list follows the view: every site is in it.
    status = await results_ready(page)
    assert status == f"{web_site.public_sites} việc làm trong vùng bản đồ"
    assert await page.locator("#legend").inner_text() != ""
    # Listing the view, the clusters show the sites: only the entry in focus is marked.
    assert await rendered(page, "result-points") == []
    await page.locator("#results-list button").nth(1).hover()
    await map_ready(page)
    marked = await rendered(page, "result-points")
    assert [m["properties"]["index"] for m in marked] == [1]


# Each rendered cluster symbol: where it is on screen and its drawn radius (border included).
SYMBOLS = """() => window.jobMap.queryRenderedFeatures({layers: ["clusters"]}).map((f) => {
  const at = window.jobMap.project(f.geometry.coordinates);
  return [at.x, at.y, f.properties.radius, f.properties.count, f.properties.label];
})"""


@pytest.mark.parametrize("zoom", [8, 9.5, 11, 12.7, 14])
async def test_cluster_symbols_never_overlap_and_read_in_vietnamese(
    open_page: OpenPage, zoom: float
) -> None:
    page = (await open_page(f"/#{zoom}/{LAT}/{LON}")).page
    await map_ready(page)
    symbols = await page.evaluate(SYMBOLS)
    assert symbols, "no clusters drawn"
    for i, (x1, y1, r1, *_) in enumerate(symbols):
        for x2, y2, r2, *_ in symbols[i + 1 :]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= r1 + r2, (zoom, symbols)
    for *_, radius, count, label in symbols:
        assert label == f"{count}"  # under a thousand: the count itself
        assert (radius == 9) if count == 1 else (11 <= radius <= 30)
    # The style draws the tile's radius: the circle plus its border.
    paint = await page.evaluate(
        """() => [window.jobMap.getPaintProperty("clusters", "circle-radius"),
          window.jobMap.getPaintProperty("clusters", "circle-stroke-width")]"""
    )
    assert paint == [["-", ["get", "radius"], 2], 2]


# Each single site drawn as a cluster: its occupation group and the colour it is drawn in.
SINGLE_PINS = """() => window.jobMap.queryRenderedFeatures({layers: ["clusters"]})
  .filter((f) => f.properties.count === 1)
  .map((f) => [f.properties.occupation_group, f.layer.paint["circle-color"]])"""
# MapLibre gives evaluated colours as {r, g, b, a} in 0..1.
GROUP_8_COLOUR = {"r": 0x8C / 255, "g": 0x51 / 255, "b": 0x0A / 255, "a": 1}
CLUSTER_COLOUR = {"r": 0x1D / 255, "g": 0x6F / 255, "b": 0xB8 / 255, "a": 1}


async def test_a_single_site_below_zoom_16_is_a_pin_in_its_occupation_groups_colour(
    open_page: OpenPage,
) -> None:
    lon, lat = DRIVER_SITE
    page = (await open_page(f"/#13/{lat}/{lon}")).page
    await map_ready(page)
    pins = await page.evaluate(SINGLE_PINS)
    assert ["8", pytest.approx(GROUP_8_COLOUR)] in pins, pins  # the lorry driver (ISCO 83)
    assert all(group is not None for group, _ in pins), pins
    drawn = await page.evaluate(
        """() => window.jobMap.queryRenderedFeatures({layers: ["clusters"]})
          .filter((f) => f.properties.count > 1).map((f) => f.layer.paint["circle-color"])"""
    )
    assert all(colour == pytest.approx(CLUSTER_COLOUR) for colour in drawn), drawn


async def test_clicking_a_cluster_zooms_to_where_its_sites_part(open_page: OpenPage) -> None:
    page = (await open_page("/#10/10.2636/106.0765")).page
    await map_ready(page)
    clusters = [c for c in await rendered(page, "clusters") if c["properties"]["count"] == 8]
    assert len(clusters) == 1, clusters  # the factory's eight sites
    cluster = clusters[0]
    expansion = cluster["properties"]["expansion_zoom"]
    assert expansion > 10
    await click_map_at(page, *cluster["coordinates"])
    await map_ready(page)
    assert await page.evaluate("() => window.jobMap.getZoom()") == pytest.approx(expansion)
    centre = await page.evaluate("() => window.jobMap.getCenter().toArray()")
    assert centre == pytest.approx(cluster["coordinates"], abs=1e-4)
    after = await rendered(page, "clusters") + await rendered(page, "sites")
    assert len(after) > 1, "the cluster split"
    assert re.search(r"#\d", page.url), "the view is in the URL"


async def test_a_site_opens_a_card_with_what_a_job_seeker_needs(
    open_page: OpenPage, web_site: Seeded
) -> None:
    lon, lat = DRIVER_SITE
    page = (await open_page(f"/?near={lon + 0.01},{lat}#17/{lat}/{lon}")).page
    await map_ready(page)
    sites = await rendered(page, "sites")
    driver = [s for s in sites if s["properties"]["vacancy_id"] == web_site.driver["id"]]
    assert len(driver) == 1, sites
    assert driver[0]["properties"]["occupation_group"] == "8"
    await click_map_at(page, *driver[0]["coordinates"])
    card = page.locator("#card")
    await card.locator("h3#card-title").wait_for()
    text = await card.inner_text()
    assert "Tài xế xe tải" in text
    assert "Công ty Cổ phần Thủy sản Cửu Long" in text  # the employer
    assert "9 triệu \u2013 14 triệu/tháng" in text  # the salary as posted
    assert "3 người" in text
    assert "1,1 km" in text  # from the chosen point, 0.01 degrees east at 10.24 N
    assert "Anh Hùng" in text
    assert await card.locator('a[href="tel:+84913222333"]').count() == 1
    assert await card.locator('a[href="mailto:tuyendung@cuulong.vn"]').count() == 1
    assert re.search(r"\d{2}/\d{2}/\d{4}", text), "valid until"
    assert query_of(page.url)["vacancy"] == [web_site.driver["id"]]
    details = card.locator("#card-details")
    assert await details.is_hidden()
    await card.get_by_role("button", name="Xem đầy đủ").click()
    assert "Mô tả công việc" in await details.inner_text()
    share = await card.get_by_role("link", name="Liên kết chia sẻ").get_attribute("href")
    assert share is not None
    assert f"vacancy={web_site.driver['id']}" in share
    await card.get_by_role("button", name="Đóng").click()
    assert await card.is_hidden()
    assert "vacancy" not in query_of(page.url)


async def test_ke_toan_without_diacritics_finds_the_ke_toan_vacancies(
    open_page: OpenPage, web_site: Seeded
) -> None:
    page = (await open_page("/")).page
    await map_ready(page)
    await results_ready(page)
    await page.fill("#q", "ke toan")
    await page.press("#q", "Enter")
    await wait_until(page, "() => document.getElementById('results-status').textContent"
                     ".includes('phù hợp')")  # fmt: skip
    status = await results_ready(page)
    assert status == f"{web_site.accountant_sites} việc làm phù hợp"
    assert sorted(await result_titles(page)) == sorted(ACCOUNTANT_TITLES)
    assert query_of(page.url)["q"] == ["ke toan"]
    # The tiles take the same filter: only those sites are left on the map.
    await map_ready(page)
    assert await page.evaluate(CLUSTER_TOTAL) == web_site.accountant_sites


async def test_the_url_restores_the_view_the_filters_and_the_point(open_page: OpenPage) -> None:
    path = (
        f"/?q=ke+toan&occupation=3&employment=full_time&salary=7000000&posted=30"
        f"&near={LON:.5f},{LAT:.5f}&radius=2000#13.5/{LAT}/{LON}"
    )
    page = (await open_page(path)).page
    await map_ready(page)
    assert await page.input_value("#q") == "ke toan"
    assert await page.input_value("#occupation") == "3"
    assert await page.input_value("#employment") == "full_time"
    assert await page.input_value("#salary") == "7000000"
    assert await page.input_value("#posted") == "30"
    assert await page.input_value("#radius") == "2000"
    assert await page.evaluate("() => window.jobMap.getZoom()") == pytest.approx(13.5)
    centre = await page.evaluate("() => window.jobMap.getCenter().toArray()")
    assert centre == pytest.approx([LON, LAT], abs=1e-4)
    status = await results_ready(page)
    # Two of the three accountants are occupation group 3; both within 2 km.
    assert status == "2 việc làm trong bán kính 2 km"
    assert sorted(await result_titles(page)) == ["Kế toán kho", "Nhân viên kế toán thuế"]
    assert await page.is_visible("#clear-near")
    # A change is written back, so the address bar is always the link to share.
    await page.select_option("#radius", "1000")
    await results_ready(page)
    assert query_of(page.url)["radius"] == ["1000"]


async def test_a_shared_vacancy_link_opens_its_card_on_its_site(
    open_page: OpenPage, web_site: Seeded
) -> None:
    page = (await open_page(f"/?vacancy={web_site.driver['id']}")).page
    await page.locator("#card h3#card-title").wait_for()
    assert await page.inner_text("#card-title") == "Tài xế xe tải"
    await map_ready(page)
    centre = await page.evaluate("() => window.jobMap.getCenter().toArray()")
    assert centre == pytest.approx(list(DRIVER_SITE), abs=1e-4)


async def test_near_me_lists_vacancies_by_distance_in_step_with_the_map(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(
        "/", geolocation={"longitude": LON, "latitude": LAT}, permissions=["geolocation"]
    )
    page = watched.page
    await map_ready(page)
    await page.click("#locate")
    await wait_until(page, "() => new URLSearchParams(location.search).has('near')")
    status = await results_ready(page)
    assert status.endswith("trong bán kính 5 km")
    distances = await page.evaluate(
        "() => [...document.querySelectorAll('#results-list .meta:last-child')]"
        ".map((e) => e.textContent.split(' · ')[0])"
    )
    metres = [_metres(text) for text in distances]
    assert metres == sorted(metres)
    assert all(m <= 5000 for m in metres)
    # The three accountants, the welder, the shop and the driver; not the factory's eight.
    assert len(metres) == web_site.public_sites - 8
    await map_ready(page)
    points = await rendered(page, "result-points")
    assert len(points) == len(metres), "every listed vacancy is marked on the map"
    await page.locator("#results-list button").first.click()
    await page.locator("#card h3#card-title").wait_for()
    first = (await result_titles(page))[0]
    assert await page.inner_text("#card-title") == first
    assert await page.get_attribute("#results-list button >> nth=0", "aria-current") == "true"
    await page.click("#clear-near")
    assert "near" not in query_of(page.url)


async def test_a_point_picked_on_the_map_and_a_wider_radius(
    open_page: OpenPage, web_site: Seeded
) -> None:
    page = (await open_page(f"/#12/{FACTORY[1]}/{FACTORY[0]}")).page
    await map_ready(page)
    await page.click("#pick")
    assert await page.get_attribute("#pick", "aria-pressed") == "true"
    await click_map_at(page, FACTORY[0] + 0.002, FACTORY[1])
    await wait_until(page, "() => new URLSearchParams(location.search).has('near')")
    near = query_of(page.url)["near"][0].split(",")
    assert [float(c) for c in near] == pytest.approx([FACTORY[0] + 0.002, FACTORY[1]], abs=2e-4)
    assert await results_ready(page) == "8 việc làm trong bán kính 5 km"
    await page.select_option("#radius", "20000")
    await wait_until(page, "() => document.getElementById('results-status').textContent"
                     ".includes('20 km')")  # fmt: skip
    assert await results_ready(page) == f"{web_site.public_sites} việc làm trong bán kính 20 km"


async def test_loading_empty_and_error_states(open_page: OpenPage) -> None:
    watched = await open_page(None)
    page = watched.page
    held: asyncio.Future[Route] = asyncio.get_running_loop().create_future()

    async def hold(route: Route) -> None:
        if not held.done():
            held.set_result(route)
        else:
            await route.continue_()

    await page.route(re.compile(r"/v1/vacancies\?"), hold)
    await page.goto(watched.base + "/?q=ke+toan")
    route = await held
    assert await page.inner_text("#results-status") == "Đang tải…"
    assert await page.get_attribute("#results", "aria-busy") == "true"
    await route.continue_()
    assert (await results_ready(page)).endswith("việc làm phù hợp")
    await page.unroute(re.compile(r"/v1/vacancies\?"))

    await page.fill("#q", "qxzv wqzx")
    await page.press("#q", "Enter")
    await wait_until(page, "() => document.getElementById('results-list').children.length === 0")
    assert await results_ready(page) == (
        "Không có việc làm phù hợp. Hãy bỏ bớt bộ lọc, tăng bán kính hoặc dời bản đồ."
    )

    watched.allowed_failures.append(r"/v1/vacancies\?")
    await page.route(re.compile(r"/v1/vacancies\?"), lambda route: route.abort())
    await page.fill("#q", "ke toan")
    await page.press("#q", "Enter")
    assert await results_ready(page) == "Không tải được dữ liệu. Hãy thử lại. Thử lại"
    await page.unroute(re.compile(r"/v1/vacancies\?"))
    await page.get_by_role("button", name="Thử lại").click()
    await wait_until(page, "() => document.querySelectorAll('#results-list li').length === 3")


async def test_keyboard_only(open_page: OpenPage) -> None:
    page = (await open_page("/")).page
    await map_ready(page)
    await results_ready(page)
    await _tab_to(page, "#q")
    await page.keyboard.type("ke toan")
    await page.keyboard.press("Enter")
    await wait_until(page, "() => document.getElementById('results-status').textContent"
                     ".includes('phù hợp')")  # fmt: skip
    await _tab_to(page, "#results-list button")
    focused = await page.evaluate(
        "() => document.activeElement.querySelector('.title').textContent"
    )
    await page.keyboard.press("Enter")
    await page.locator("#card h3#card-title").wait_for()
    assert await page.evaluate("() => document.activeElement.id") == "card-title"
    assert await page.inner_text("#card-title") == focused
    await page.keyboard.press("Escape")
    assert await page.is_hidden("#card")
    assert await page.evaluate("() => document.activeElement.matches('#results-list button')"), (
        "focus returns to the list"
    )


async def test_english_interface(open_page: OpenPage, web_site: Seeded) -> None:
    page = (await open_page("/?lang=en")).page
    await map_ready(page)
    assert await page.get_attribute("html", "lang") == "en"
    assert await page.inner_text("header h1 span") == "Vĩnh Long job map"
    assert await page.inner_text("label[for=q]") == "Search jobs"
    assert await results_ready(page) == f"{web_site.public_sites} jobs in view"
    await page.click("#lang")
    await page.wait_for_url(re.compile(r"/$|/#"))
    assert await page.get_attribute("html", "lang") == "vi"


async def test_commune_names_are_drawn_without_a_font_server(open_page: OpenPage) -> None:
    page = (await open_page(f"/#12/{LAT}/{LON}")).page
    await map_ready(page)
    names = {label["properties"]["name"] for label in await rendered(page, "commune-names")}
    assert "Long Châu" in names  # diacritics drawn by the browser's own fonts


def _metres(text: str) -> float:
    number, unit = text.split()
    value = float(number.replace(".", "").replace(",", "."))
    return value * 1000 if unit == "km" else value


async def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")
