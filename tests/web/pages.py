"""Reading and driving the pages from tests. The pages forbid eval (CSP), so Playwright's
wait_for_function cannot run in them: conditions are polled with evaluate, which can."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Page

MAP_READY = """() => {
  const map = window.jobMap;
  return Boolean(map && map.loaded() && map.areTilesLoaded() && !map.isMoving());
}"""
RESULTS_READY = """() => {
  const results = document.getElementById("results");
  const status = document.getElementById("results-status").textContent;
  return !results.hasAttribute("aria-busy") && status !== "" && status !== "Đang tải…";
}"""
# The rendered features of a layer, as plain data.
RENDERED = """(layer) => window.jobMap.queryRenderedFeatures({layers: [layer]}).map((f) => ({
  properties: f.properties, coordinates: f.geometry.coordinates}))"""
# Where a longitude, latitude is on the page, in CSS pixels.
ON_PAGE = """([lon, lat]) => {
  const point = window.jobMap.project([lon, lat]);
  const box = window.jobMap.getContainer().getBoundingClientRect();
  return [box.left + point.x, box.top + point.y];
}"""


async def wait_until(page: Page, predicate: str, arg: Any = None, *, timeout_s: float = 30) -> Any:
    """Poll a JS function until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await page.evaluate(predicate, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {predicate}")
        await asyncio.sleep(0.1)


async def map_ready(page: Page) -> None:
    # A frame for the map to start what the last change asked for, then everything loaded.
    await page.evaluate("() => new Promise((resolve) => requestAnimationFrame(resolve))")
    await wait_until(page, MAP_READY)


async def results_ready(page: Page) -> str:
    await wait_until(page, RESULTS_READY)
    return await page.inner_text("#results-status")


async def rendered(page: Page, layer: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = await page.evaluate(RENDERED, layer)
    return features


async def click_map_at(page: Page, lon: float, lat: float) -> None:
    x, y = await page.evaluate(ON_PAGE, [lon, lat])
    await page.mouse.click(x, y)


async def result_titles(page: Page) -> list[str]:
    return await page.locator("#results-list .title").all_inner_texts()
