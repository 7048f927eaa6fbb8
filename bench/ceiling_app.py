"""The ceiling for any Python tile server on this machine: a bare ASGI app under the same
uvicorn (2 workers) answering every request with the same bytes, as a cache hit would, with
no routing, middleware, validation or database. bench/tiles.sh runs it beside ours and tipg.

    BENCH_BODY=path/to/tile.mvt uvicorn bench.ceiling_app:app --workers 2 --port 8083
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["BENCH_BODY"]).read_bytes()
HEADERS = [
    (b"content-type", b"application/vnd.mapbox-vector-tile"),
    (b"content-length", str(len(BODY)).encode()),
    (b"cache-control", b"public, no-cache"),
]


async def app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
