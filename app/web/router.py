"""The pages and their static files. Everything a page loads comes from this service (no CDN,
external tiles or fonts): the machine and many users' networks are closed."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
PAGES_DIR = WEB_DIR / "pages"
VENDOR = "/static/vendor"
SWAGGER_UI = f"{VENDOR}/swagger-ui-dist-5.32.0"
# vendor/<name>-<version>/<file>: a new version is a new path.
VERSIONED = re.compile(r"vendor/[^/]+-\d[^/]*/[^/]+")

# The pages run no inline script, load nothing from elsewhere and cannot be framed. MapLibre's
# CSP build takes its worker from a file here instead of a blob; its canvas and images need
# blob:/data:, and it sets element styles (allowed: CSSOM, not inline <style>).
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; worker-src 'self'; child-src 'self'; "
        "img-src 'self' data: blob:; style-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(
        PAGES_DIR / name, media_type="text/html; charset=utf-8", headers=PAGE_SECURITY_HEADERS
    )


@router.get("/")
async def job_map() -> FileResponse:
    return _page("map.html")


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    """The shell only: its figures come from the statistics API with the department key the
    user types in, so the page itself holds nothing to protect."""
    return _page("dashboard.html")


@router.get("/docs")
async def api_docs(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title}: API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


class StaticAssets(StaticFiles):
    """Vendored libraries have their version in the path and never change: cached for a year.
    Our own scripts and styles change with the service: revalidated (ETag) on every load."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        immutable = VERSIONED.fullmatch(path) is not None and response.status_code == 200
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if immutable else "no-cache"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_files() -> StaticAssets:
    return StaticAssets(directory=STATIC_DIR)
