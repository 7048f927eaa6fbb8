"""The vacancy card's ways out (issue 17): "Chỉ đường" to the site in the phone's map app or on
OpenStreetMap, and "Chia sẻ" through the Web Share API or the clipboard. The links are
checked, never followed: nothing the tests open may leave the service."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from playwright.async_api import Page

from tests.web.conftest import OpenPage
from tests.web.seed import DRIVER_SITE, LAT, LON, Seeded

pytestmark = pytest.mark.browser

TITLE = "Tài xế xe tải"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TO = f"{DRIVER_SITE[1]:.6f},{DRIVER_SITE[0]:.6f}"


async def open_card(page: Page) -> None:
    await page.locator("#card h3#card-title").wait_for()
    assert await page.inner_text("#card-title") == TITLE


async def directions(page: Page) -> tuple[str | None, str | None, str | None]:
    link = page.locator("#card").get_by_role("link", name="Chỉ đường")
    return (
        await link.get_attribute("href"),
        await link.get_attribute("target"),
        await link.get_attribute("rel"),
    )


async def test_directions_on_a_desktop_go_to_openstreetmap_from_the_chosen_point(
    open_page: OpenPage, web_site: Seeded
) -> None:
    page = (await open_page(f"/?vacancy={web_site.driver['id']}&near={LON},{LAT}")).page
    await open_card(page)
    assert not await page.evaluate("() => matchMedia('(pointer: coarse)').matches")
    route = f"{LAT:.6f},{LON:.6f};{TO}"
    assert await directions(page) == (
        "https://www.openstreetmap.org/directions?" + urlencode({"route": route}),
        "_blank",
        "noopener noreferrer",
    )
    # Without a chosen point the route starts empty: OpenStreetMap asks for the start.
    plain = (await open_page(f"/?vacancy={web_site.driver['id']}")).page
    await open_card(plain)
    href, _, _ = await directions(plain)
    assert href == "https://www.openstreetmap.org/directions?route=%3B" + quote(TO, safe="")


async def test_directions_on_a_touch_screen_open_the_map_app(
    open_page: OpenPage, web_site: Seeded
) -> None:
    page = (await open_page(f"/?vacancy={web_site.driver['id']}", **PHONE)).page
    await open_card(page)
    assert await page.evaluate("() => matchMedia('(pointer: coarse)').matches")
    assert await directions(page) == (
        f"geo:{TO}?q={TO}({quote(TITLE, safe='')})",
        "_blank",
        "noopener noreferrer",
    )


async def test_share_copies_the_vacancys_link_without_the_web_share_api(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(None, permissions=["clipboard-read", "clipboard-write"])
    page = watched.page
    # Desktop Chromium on Linux has no navigator.share; make sure of it.
    await page.add_init_script("delete Navigator.prototype.share;")
    await page.goto(f"{watched.base}/?vacancy={web_site.driver['id']}&q=tai+xe")
    await open_card(page)
    assert await page.evaluate("() => 'share' in navigator") is False
    await page.locator("#card").get_by_role("button", name="Chia sẻ").click()
    status = page.locator("#share-status")
    await status.filter(has_text="Đã sao chép liên kết").wait_for()
    copied = await page.evaluate("() => navigator.clipboard.readText()")
    link = await page.locator("#card a.card-link").get_attribute("href")
    assert copied == watched.base + str(link)
    assert copied.startswith(f"{watched.base}/?vacancy={web_site.driver['id']}#15/")
    assert "q=" not in copied  # the vacancy's link, not the searcher's state


async def test_share_uses_the_web_share_api_where_the_browser_has_it(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(None, **PHONE)
    page = watched.page
    # Stands in for the system's share sheet, which headless Chromium does not have.
    await page.add_init_script(
        "navigator.share = (data) => { window.sharedData = data; return Promise.resolve(); };"
    )
    await page.goto(f"{watched.base}/?vacancy={web_site.driver['id']}")
    await open_card(page)
    await page.locator("#card").get_by_role("button", name="Chia sẻ").click()
    shared = await page.evaluate("() => window.sharedData")
    link = await page.locator("#card a.card-link").get_attribute("href")
    assert shared == {"title": TITLE, "url": watched.base + str(link)}
    assert await page.inner_text("#share-status") == ""
