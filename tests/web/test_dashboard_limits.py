"""The dashboard against the service's default rate limits, in a real browser: a person who
changes the period again and again (9 loads in well under a minute, more reports than the
flat 60 a minute that once refused them) is never refused (docs/operations.md, "Reports: a
burst, and a sustained rate"). The server runs with the defaults (tests/servers.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import Request, Response

from tests.web.conftest import OpenPage
from tests.web.pages import wait_until
from tests.web.seed import YEAR, Seeded
from tests.web.test_dashboard import BOARD_READY, DASHBOARD, key_of, sign_in

pytestmark = pytest.mark.browser

PERIODS = [(YEAR, "03-31"), (YEAR, "09-30"), (YEAR - 1, "12-31"), (YEAR - 1, "06-30"),
           (YEAR - 2, "12-31"), (YEAR, "12-31"), (YEAR - 1, "03-31"), (YEAR - 2, "06-30"),
           (YEAR, "06-30")]  # fmt: skip


async def test_changing_the_period_again_and_again_is_never_refused(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(DASHBOARD)  # an error status on the page fails the test
    page = watched.page
    statuses: list[int] = []
    pending: set[str] = set()

    def asked(request: Request) -> None:
        if "/v1/stats/" in request.url:
            pending.add(request.url)

    def answered(response: Response) -> None:
        if "/v1/stats/" in response.url:
            statuses.append(response.status)
            pending.discard(response.url)

    page.on("request", asked)
    page.on("response", answered)

    async def settled() -> None:
        """Every report of the load answered, and nothing asked for half a second."""
        deadline = time.monotonic() + 60
        seen = -1
        while pending or seen != len(statuses):
            seen = len(statuses)
            assert time.monotonic() < deadline, f"reports still pending: {pending}"
            await asyncio.sleep(0.5)

    started = time.monotonic()
    await sign_in(watched, key_of(web_site.analyst))
    await wait_until(page, BOARD_READY)
    await settled()
    for year, through in PERIODS:
        await page.select_option("#year", str(year))
        await page.select_option("#through", through)
        await page.click("#period button[type=submit]")
        await wait_until(page, BOARD_READY)
        await settled()
    took = time.monotonic() - started
    assert set(statuses) == {200}, statuses
    # More than the flat limit allowed in a minute, in less than a minute: 10 loads.
    assert len(statuses) > 60, len(statuses)
    assert took < 60, f"the loads took {took:.0f} s: not one minute's window"
