"""Page tests: Debian's Chromium (installed by `make test`, never Playwright's download) driven
by Playwright against the service in its own process, on a seeded database of its own. Every
page a test opens is watched: a failed request, an error status, a request leaving the service,
a console error or an uncaught exception fails the test. A screenshot of each page is saved
under test-artifacts/screenshots/ on every run."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, Response, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.config import PROJECT_ROOT
from app.models import Role
from tests.factories import bearer, make_key
from tests.servers import running_server, seeded_database
from tests.web.seed import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
# As the machine notes say: without the background-networking flags Chromium keeps calling
# Google's hosts, refused on a closed network. SwiftShader gives WebGL without a GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
async def web_site() -> AsyncIterator[Seeded]:
    async with (
        seeded_database("_web") as (url, actors),
        running_server(url) as base,
        httpx.AsyncClient(base_url=base) as client,
    ):
        seeded = await seed(client, base, actors)
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with AsyncSession(engine) as session, session.begin():
                analyst = bearer(await make_key(session, Role.department))
        finally:
            await engine.dispose()
        yield replace(seeded, analyst=analyst)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():  # noqa: ASYNC240 (once, before any page)
        pytest.fail("/usr/bin/chromium is missing: `make test` installs Debian's chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@dataclass
class Watched:
    """A page and what went wrong on it. Tests that provoke an error status allow it first."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    allowed_failures: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", self._on_failed)
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _on_request(self, request: Request) -> None:
        url = request.url
        if not (url.startswith(self.base + "/") or url.startswith(("data:", "blob:"))):
            self.problems.append(f"request leaves the service: {url}")

    def _on_failed(self, request: Request) -> None:
        failure = request.failure or ""
        # Cancelled on purpose: tiles the map no longer needs, a list request superseded.
        if "ERR_ABORTED" in failure:
            return
        if any(re.search(pattern, request.url) for pattern in self.allowed_failures):
            return
        self.problems.append(f"request failed: {request.url} {failure}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.status not in self.allowed_statuses:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        provoked = self.allowed_statuses or self.allowed_failures
        if provoked and message.text.startswith("Failed to load resource"):
            return  # Chromium's own line for the status or failure the test allowed
        self.problems.append(f"console error: {message.text}")


OpenPage = Callable[..., Awaitable[Watched]]


@pytest.fixture
async def open_page(
    browser: Browser, web_site: Seeded, request: pytest.FixtureRequest
) -> AsyncIterator[OpenPage]:
    """open_page(path, **context options) -> Watched; Vietnamese, Vietnam's time zone and a
    laptop screen unless the test says otherwise."""
    opened: list[Watched] = []

    async def open_(path: str | None = "/", **options: Any) -> Watched:
        settings = {
            "viewport": {"width": 1280, "height": 800},
            "locale": "vi-VN",
            "timezone_id": "Asia/Ho_Chi_Minh",
            "accept_downloads": True,
            **options,
        }
        context = await browser.new_context(**settings)
        page = await context.new_page()
        watched = Watched(page, web_site.base)
        watched.watch()
        opened.append(watched)
        if path:
            await page.goto(web_site.base + path)
        return watched

    yield open_
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for index, watched in enumerate(opened):
        name = request.node.name + (f"-{index}" if index else "")
        await watched.page.screenshot(path=SCREENSHOTS / f"{_safe(name)}.png")
        await watched.page.context.close()
    problems = [problem for watched in opened for problem in watched.problems]
    assert not problems, "\n".join(problems)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
