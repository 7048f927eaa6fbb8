"""The pages over HTTP, without a browser: what they load, how it is cached, and what they
must not do (load from elsewhere, be framed, run inline script)."""

from __future__ import annotations

import hashlib
import re

import pytest
from httpx import AsyncClient

from app.web.router import STATIC_DIR
from tests.problems import assert_problem

PAGES = ["/", "/dashboard"]


@pytest.mark.parametrize("path", PAGES)
async def test_pages_load_only_their_own_files(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy  # no inline script, no eval
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    html = response.text
    assert "<script>" not in html
    assert " on" + "click=" not in html
    # What the browser loads by itself: scripts and linked files (not links people follow).
    assets = re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link [^>]*href="([^"]+)"', html
    )
    assert assets
    assert all(asset.startswith("/") for asset in assets), assets
    for asset in assets:
        loaded = await client.get(asset)
        assert loaded.status_code == 200, asset
        expected = "text/javascript" if asset.endswith(".js") else "text/css"
        if asset.endswith((".js", ".css")):
            assert loaded.headers["content-type"].startswith(expected), asset


async def test_libraries_are_cached_for_good_and_our_files_revalidated(
    client: AsyncClient,
) -> None:
    library = await client.get("/static/vendor/maplibre-gl-5.24.1/maplibre-gl-csp.js")
    assert library.headers["cache-control"] == "public, max-age=31536000, immutable"
    ours = await client.get("/static/map.js")
    assert ours.headers["cache-control"] == "no-cache"
    again = await client.get("/static/map.js", headers={"If-None-Match": ours.headers["etag"]})
    assert again.status_code == 304
    sums = await client.get("/static/vendor/SHA256SUMS")
    assert sums.headers["cache-control"] == "no-cache"  # not a versioned path


async def test_vendored_files_are_the_ones_fetched() -> None:
    """scripts/vendor-web.sh checks each package's checksum and records its files' sums."""
    vendor = STATIC_DIR / "vendor"
    listed = {}
    for line in (vendor / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {str(path.relative_to(vendor)) for path in vendor.rglob("*") if path.is_file()} - {
        "SHA256SUMS"
    }
    assert present == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    "path",
    [
        "/static/missing.js",
        "/static/../app/main.py",
        "/static/%2e%2e/main.py",
        "/static/vendor/../../router.py",
        "/static/vendor/",
    ],
)
async def test_static_paths_outside_the_files_are_not_found(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert_problem(response, 404)


async def test_api_docs_are_served_without_a_cdn(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "cdn." not in response.text
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", response.text)
    assert "/static/vendor/swagger-ui-dist-5.32.0/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset
    assert_problem(await client.get("/redoc"), 404)


async def test_pages_are_not_in_the_api_document(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not {"/", "/dashboard", "/docs"} & set(paths)


async def test_pages_answer_only_get(client: AsyncClient) -> None:
    assert_problem(await client.post("/", content=b"x"), 405)
    assert_problem(await client.delete("/dashboard"), 405)


def _texts() -> dict[str, set[str]]:
    """The keys of each language in i18n.js."""
    source = (STATIC_DIR / "i18n.js").read_text()
    body = source[source.index("const TEXT = {") : source.index("\n  };\n")]
    english = body.index("\n    en: {")
    key = re.compile(r'"([A-Za-z0-9_.]+)":')
    return {"vi": set(key.findall(body[:english])), "en": set(key.findall(body[english:]))}


def test_every_interface_text_is_in_vietnamese_and_english() -> None:
    texts = _texts()
    assert texts["vi"] == texts["en"], texts["vi"] ^ texts["en"]
    # Every key the pages name literally: t("...") in the scripts, data-i18n* in the HTML.
    named: set[str] = set()
    for script in ("map.js", "dashboard.js"):
        named |= set(re.findall(r'\bt\("([A-Za-z0-9_.]+)"[,)]', (STATIC_DIR / script).read_text()))
    for page in (STATIC_DIR.parent / "pages").glob("*.html"):
        named |= set(re.findall(r'data-i18n(?:-[a-z]+)?="([^"]+)"', page.read_text()))
    assert named
    assert named <= texts["vi"], named - texts["vi"]
    assert {"outside.count", "card.directions", "card.copied", "sheet.handle"} <= named
