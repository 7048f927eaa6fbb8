"""The job map on phones (issue 17): the map fills the screen, the results sit in a bottom
sheet (peek, half, full) that a finger drags or a tap cycles, the filters open in a sheet of
their own, every touch target is at least 44 px and nothing covers the map's controls."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import CDPSession, Page

from tests.web.conftest import OpenPage
from tests.web.pages import map_ready, results_ready, wait_until
from tests.web.seed import ACCOUNTANT_SITES, Seeded

pytestmark = pytest.mark.browser

CLUSTER_TOTAL = """() => window.jobMap.queryRenderedFeatures({layers: ["clusters"]})
  .reduce((sum, f) => sum + f.properties.count, 0)"""
BOX = """(selector) => {
  const el = document.querySelector(selector);
  if (!el || el.hidden || !el.getClientRects().length) return null;
  const box = el.getBoundingClientRect();
  return {left: box.left, top: box.top, right: box.right, bottom: box.bottom};
}"""
# Every control a finger can reach that is smaller than 44 x 44 CSS pixels. The credits' own
# links are words in a sentence (WCAG 2.5.8's inline exception).
SMALL_TARGETS = """() => {
  const small = [];
  const targets = "button, a[href], select, input, summary, [tabindex]:not([tabindex='-1'])";
  for (const el of document.querySelectorAll(targets)) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
    if (box.right <= 0 || box.bottom <= 0 || box.left >= innerWidth || box.top >= innerHeight) {
      continue;  // off screen: the skip link until it has the focus
    }
    if (el.closest(".maplibregl-ctrl-attrib-inner")) continue;
    if (box.width < 44 || box.height < 44) {
      small.push(`${el.tagName}#${el.id}.${el.className} "${el.textContent.trim()}" ` +
        `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""
CONTROLS = [
    ".maplibregl-ctrl-zoom-in",
    ".maplibregl-ctrl-zoom-out",
    ".maplibregl-ctrl-attrib",
    ".maplibregl-ctrl-scale",
]
COVERS = ["#panel", "#card", "#outside", "#filters-sheet"]
SHEET = "() => document.getElementById('layout').dataset.sheet"


async def box(page: Page, selector: str) -> dict[str, float] | None:
    found: dict[str, float] | None = await page.evaluate(BOX, selector)
    return found


async def must_box(page: Page, selector: str) -> dict[str, float]:
    found = await box(page, selector)
    assert found is not None, f"{selector} is not shown"
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


async def check_layout(page: Page, sheet: str) -> None:
    """The sheet at its height, the map ending where it starts, the controls in the map and
    uncovered, every touch target large enough."""
    await wait_until(page, "(s) => document.getElementById('layout').dataset.sheet === s", sheet)
    layout = await must_box(page, "#layout")
    panel = await must_box(page, "#panel")
    map_box = await must_box(page, "#map")
    height = layout["bottom"] - layout["top"]
    expected = {"peek": 152, "half": height / 2, "full": height - 48}[sheet]
    assert panel["bottom"] - panel["top"] == pytest.approx(expected, abs=1)
    assert panel["bottom"] == pytest.approx(layout["bottom"], abs=1)
    assert map_box["top"] == pytest.approx(layout["top"], abs=1)
    assert map_box["bottom"] == pytest.approx(panel["top"], abs=1), "the map ends at the sheet"
    assert map_box["right"] - map_box["left"] == pytest.approx(layout["right"] - layout["left"])
    for control in CONTROLS:
        if sheet == "full":  # a 48 px strip of map: its controls wait for more room
            assert await box(page, control) is None, control
            continue
        shown = await must_box(page, control)
        assert map_box["top"] <= shown["top"], (control, map_box, shown)
        assert shown["bottom"] <= map_box["bottom"], (control, map_box, shown)
        for cover in COVERS:
            covering = await box(page, cover)
            assert covering is None or not overlap(shown, covering), (control, cover)
    # The legend's button (and the legend, when open) sit on the map, clear of its controls.
    for own in ("#legend-toggle", "#legend"):
        shown_own = await box(page, own)
        if shown_own is None:
            continue
        assert sheet != "full", own
        assert map_box["top"] <= shown_own["top"]
        assert shown_own["bottom"] <= map_box["bottom"], (own, map_box, shown_own)
        for control in CONTROLS:
            assert not overlap(shown_own, await must_box(page, control)), (own, control)
    assert await page.evaluate(SMALL_TARGETS) == []
    assert await page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")


async def drag(cdp: CDPSession, x: float, from_y: float, to_y: float) -> None:
    """A finger on the screen: touch, move in steps, lift (Chromium makes pointer events)."""
    await cdp.send("Input.dispatchTouchEvent",
                   {"type": "touchStart", "touchPoints": [{"x": x, "y": from_y}]})  # fmt: skip
    steps = 10
    for step in range(1, steps + 1):
        y = from_y + (to_y - from_y) * step / steps
        await cdp.send("Input.dispatchTouchEvent",
                       {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})  # fmt: skip
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


async def drag_handle_to(page: Page, cdp: CDPSession, fraction: float) -> None:
    """Drag the sheet's handle to `fraction` of the layout's height from its top."""
    layout = await must_box(page, "#layout")
    handle = await must_box(page, "#sheet-handle")
    x = (handle["left"] + handle["right"]) / 2
    y = (handle["top"] + handle["bottom"]) / 2
    target = layout["top"] + (layout["bottom"] - layout["top"]) * fraction
    await drag(cdp, x, y, target)


def phone(width: int, height: int) -> dict[str, Any]:
    """A phone's screen, with touch."""
    return {
        "viewport": {"width": width, "height": height},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    }


@pytest.mark.parametrize(("width", "height"), [(360, 640), (390, 844)])
async def test_the_phone_layout_sheets_search_and_card(
    open_page: OpenPage, web_site: Seeded, width: int, height: int
) -> None:
    page = (await open_page("/", **phone(width, height))).page
    await map_ready(page)
    # The view of the whole province is taller than the search's 2° box: listed all the same,
    # clipped to where sites can be.
    assert await results_ready(page) == f"{web_site.public_sites} việc làm trong vùng bản đồ"
    assert await page.evaluate(CLUSTER_TOTAL) == web_site.public_sites
    # The map fills the screen; the list peeks at the bottom.
    await check_layout(page, "peek")
    assert await page.is_hidden("#filters-sheet")
    credits = page.locator(".maplibregl-ctrl-attrib")
    assert await credits.get_attribute("open") is None, "credits folded on a phone"

    # A finger drags the sheet; it snaps to the nearest height and the map follows.
    cdp = await page.context.new_cdp_session(page)
    await drag_handle_to(page, cdp, 0.55)
    await check_layout(page, "half")
    await drag_handle_to(page, cdp, 0.1)
    await check_layout(page, "full")
    await drag_handle_to(page, cdp, 0.95)
    await check_layout(page, "peek")
    # A tap cycles the heights.
    await page.tap("#sheet-handle")
    await check_layout(page, "half")
    await page.tap("#sheet-handle")
    await check_layout(page, "full")
    await page.tap("#sheet-handle")
    await check_layout(page, "peek")
    label = await page.get_attribute("#sheet-handle", "aria-label")
    assert label == "Danh sách kết quả: thu gọn. Bấm hoặc kéo để đổi chiều cao"
    # The sheet moves as the finger lifts; the browser's click after it opens nothing under it.
    assert await page.is_hidden("#card")
    # The keyboard cycles too.
    await page.focus("#sheet-handle")
    for sheet in ("half", "full", "peek"):
        await page.keyboard.press("Enter")
        await check_layout(page, sheet)

    # The filters open in their own sheet and close with "Xong".
    await page.tap("#filters-toggle")
    filters = await must_box(page, "#filters-sheet")
    assert await page.get_attribute("#filters-toggle", "aria-expanded") == "true"
    assert await page.evaluate("() => document.activeElement.id") == "filters-heading"
    assert filters["bottom"] == pytest.approx(height, abs=1)
    assert filters["top"] <= (await must_box(page, "#layout"))["top"], "over map and list"
    assert await page.evaluate(SMALL_TARGETS) == []
    assert await page.is_visible("#occupation")
    await page.tap("#filters-done")
    assert await page.is_hidden("#filters-sheet")
    assert await page.evaluate("() => document.activeElement.id") == "filters-toggle"
    assert await page.get_attribute("#filters-toggle", "aria-expanded") == "false"

    # A search brings the list up to half the screen and its matches into the map's view.
    await page.tap("#q")
    await page.fill("#q", "ke toan")
    await page.press("#q", "Enter")
    await wait_until(page, "() => document.getElementById('results-status').textContent"
                     " === '3 việc làm phù hợp'")  # fmt: skip
    await check_layout(page, "half")
    await wait_until(page, "(ps) => ps.every((p) => window.jobMap.getBounds().contains(p))",
                     [list(p) for p in ACCOUNTANT_SITES])  # fmt: skip
    await map_ready(page)

    # A card opens in the sheet's place, with the way there for a phone.
    await page.locator("#results-list button").first.tap()
    await page.locator("#card h3#card-title").wait_for()
    card = await must_box(page, "#card")
    panel = await must_box(page, "#panel")
    assert card == pytest.approx(panel, abs=1), "the card takes the sheet's place"
    await map_ready(page)
    await check_layout(page, "half")
    directions = page.locator("#card").get_by_role("link", name="Chỉ đường")
    href = await directions.get_attribute("href")
    assert href is not None
    assert href.startswith("geo:")
    assert await directions.get_attribute("rel") == "noopener noreferrer"
    await page.tap("#card-close")
    assert await page.is_hidden("#card")
    # The credits unfold with a tap.
    await credits.locator(".maplibregl-ctrl-attrib-button").tap()
    assert "vietnamese-provinces-database" in await credits.inner_text()


@pytest.mark.parametrize(("width", "height"), [(360, 640), (390, 844)])
async def test_the_legend_opens_on_request(open_page: OpenPage, width: int, height: int) -> None:
    page = (await open_page("/", **phone(width, height))).page
    await map_ready(page)
    assert await box(page, "#legend") is None, "folded on a phone"
    toggle = page.locator("#legend-toggle")
    assert await toggle.inner_text() == "Chú giải"
    await toggle.tap()
    assert await toggle.get_attribute("aria-expanded") == "true"
    entries = await page.locator("#legend div").all_inner_texts()
    assert len(entries) == 9
    assert "Nhân viên văn phòng" in entries
    for sheet in ("peek", "half"):
        if sheet == "half":
            await page.locator("#sheet-handle").press("Enter")
        await check_layout(page, sheet)
        assert await box(page, "#legend") is not None
    await toggle.tap()
    assert await toggle.get_attribute("aria-expanded") == "false"
    assert await box(page, "#legend") is None
