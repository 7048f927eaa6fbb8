"""The job map's results on the map (issue 17): a search brings its matches into view or
offers to, and the list and the map point at each other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from playwright.async_api import Page

from tests.web.conftest import OpenPage
from tests.web.pages import click_map_at, map_ready, results_ready, wait_until
from tests.web.seed import ACCOUNTANT_SITES, FACTORY, LAT, LON, Seeded

pytestmark = pytest.mark.browser

# Which of these points the map's view shows, as the page computes it.
IN_VIEW = """(points) => {
  const bounds = window.jobMap.getBounds();
  return points.map((p) => bounds.contains(p));
}"""
ZOOM = "() => window.jobMap.getZoom()"
SETTLED = """() => !window.jobMap.isMoving() && window.jobMap.loaded()"""


async def search(page: Page, text: str) -> str:
    await page.fill("#q", text)
    await page.press("#q", "Enter")
    await wait_until(page, "(q) => new URLSearchParams(location.search).get('q') === q", text)
    return await results_ready(page)


async def in_view(page: Page, points: Sequence[tuple[float, float]]) -> list[bool]:
    result: list[bool] = await page.evaluate(IN_VIEW, [list(p) for p in points])
    return result


async def settled(page: Page) -> None:
    await wait_until(page, SETTLED)
    await map_ready(page)


async def test_a_search_with_no_match_in_view_fits_the_view_to_its_matches(
    open_page: OpenPage, web_site: Seeded
) -> None:
    # Zoomed in on the factory, where no accountant works.
    page = (await open_page(f"/#16/{FACTORY[1]}/{FACTORY[0]}")).page
    await map_ready(page)
    await results_ready(page)
    assert await in_view(page, ACCOUNTANT_SITES) == [False] * 3
    status = await search(page, "ke toan")
    assert status == f"{web_site.accountant_sites} việc làm phù hợp"
    await wait_until(page, "(ps) => ps.every((p) => window.jobMap.getBounds().contains(p))",
                     [list(p) for p in ACCOUNTANT_SITES])  # fmt: skip
    await settled(page)
    assert await in_view(page, ACCOUNTANT_SITES) == [True] * 3
    assert await page.is_hidden("#outside"), "nothing left outside: no notice"
    # The URL keeps the search and the new view.
    zoom = float(page.url.split("#")[1].split("/")[0])
    assert zoom == pytest.approx(await page.evaluate(ZOOM), abs=0.01)
    assert zoom <= 15
    assert "q=ke+toan" in page.url


async def test_matches_partly_in_view_are_offered_by_a_notice(open_page: OpenPage) -> None:
    first = ACCOUNTANT_SITES[0]
    page = (await open_page(f"/?q=ke+toan#17/{first[1]}/{first[0]}")).page
    await map_ready(page)
    await results_ready(page)
    # A link with a view keeps it: one accountant in view, two outside, and a notice says so.
    assert await in_view(page, ACCOUNTANT_SITES) == [True, False, False]
    outside = page.locator("#outside")
    await outside.wait_for()
    assert await page.inner_text("#outside-text") == "2 kết quả nằm ngoài vùng bản đồ"
    assert await page.evaluate(ZOOM) == pytest.approx(17)
    await outside.get_by_role("button", name="Xem trên bản đồ").click()
    await wait_until(page, "() => document.getElementById('outside').hidden")
    await settled(page)
    assert await in_view(page, ACCOUNTANT_SITES) == [True] * 3
    # Moving the map away brings the notice back, counting every match now outside.
    await page.evaluate(f"() => window.jobMap.jumpTo({{center: [{FACTORY[0]}, {FACTORY[1]}]}})")
    await wait_until(page, "() => !document.getElementById('outside').hidden")
    assert await page.inner_text("#outside-text") == "3 kết quả nằm ngoài vùng bản đồ"


async def test_a_filter_that_empties_the_view_moves_it_to_the_matches(
    open_page: OpenPage,
) -> None:
    # Listing the view around the factory (occupation group 7): the drivers (8) are elsewhere.
    page = (await open_page(f"/#15/{FACTORY[1]}/{FACTORY[0]}")).page
    await map_ready(page)
    assert await results_ready(page) == "8 việc làm trong vùng bản đồ"
    await page.select_option("#occupation", "8")
    await wait_until(page, "() => document.getElementById('results-status').textContent"
                     " === '1 việc làm trong vùng bản đồ'")  # fmt: skip
    assert await page.locator("#results-list .title").all_inner_texts() == ["Tài xế xe tải"]


async def test_the_list_and_the_map_highlight_each_other(open_page: OpenPage) -> None:
    # A short window: the list starts low in the panel and scrolls.
    centre = (LON + 0.001, LAT + 0.0005)
    page = (
        await open_page(f"/#16/{centre[1]}/{centre[0]}", viewport={"width": 1280, "height": 560})
    ).page
    await map_ready(page)
    await results_ready(page)
    entries = page.locator("#results-list button")
    assert await entries.count() >= 2

    # Card to site: hovering or focusing an entry marks its site on the map.
    await entries.nth(1).hover()
    assert await _active_points(page) == [1]
    await entries.nth(0).focus()
    assert await _active_points(page) == [0]

    # Site to card: clicking the last entry's site scrolls that entry into view, marks it and
    # focuses it, and its vacancy's card opens without taking the focus.
    last = await entries.count() - 1
    item: dict[str, Any] = await page.evaluate(
        "(i) => { const b = document.querySelectorAll('#results-list button')[i];"
        " return {key: b.dataset.key, title: b.querySelector('.title').textContent}; }",
        last,
    )
    site = await page.evaluate(
        "(key) => window.jobMap.queryRenderedFeatures({layers: ['sites']})"
        ".filter((f) => f.properties.vacancy_id + ':' + f.properties.id === key)"
        ".map((f) => f.geometry.coordinates)[0]",
        item["key"],
    )
    assert site, "the listed site is drawn"
    await page.evaluate("() => { document.getElementById('panel').scrollTop = 0; }")
    assert not await _entry_in_panel(page, last), "the entry starts out of sight"
    await page.evaluate("() => document.activeElement.blur()")
    await click_map_at(page, *site)
    await wait_until(page, "(i) => document.activeElement === "
                     "document.querySelectorAll('#results-list button')[i]", last)  # fmt: skip
    assert await _entry_in_panel(page, last)
    assert await entries.nth(last).get_attribute("aria-current") == "true"
    assert await _active_points(page) == [last]
    await page.locator("#card h3#card-title").wait_for()
    assert await page.inner_text("#card-title") == item["title"]
    assert await page.evaluate("() => document.activeElement.matches('#results-list button')")
    await page.keyboard.press("Escape")
    assert await page.is_hidden("#card")
    assert await page.evaluate(
        "(i) => document.activeElement === document.querySelectorAll('#results-list button')[i]",
        last,
    )


ACTIVE_POINTS = """() => window.jobMap.querySourceFeatures("results")
  .filter((f) => window.jobMap.getFeatureState({source: "results", id: f.id}).active)
  .map((f) => f.properties.index)"""


async def _active_points(page: Page) -> list[int]:
    await map_ready(page)
    points: list[int] = sorted(set(await page.evaluate(ACTIVE_POINTS)))
    return points


async def _entry_in_panel(page: Page, index: int) -> bool:
    inside: bool = await page.evaluate(
        """(i) => {
          const panel = document.getElementById("panel").getBoundingClientRect();
          const entry = document.querySelectorAll("#results-list button")[i]
            .getBoundingClientRect();
          return entry.top >= panel.top && entry.bottom <= panel.bottom;
        }""",
        index,
    )
    return inside
