"""The OpenAPI document equals its committed copy: every change to the API is deliberate."""

from __future__ import annotations

import json
from pathlib import Path

from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "openapi.json"


async def test_the_served_document_is_the_committed_one() -> None:
    # Default settings (rate limits on, so 429s are documented), as in production; serving
    # the document needs no database.
    app = create_app(Settings(environment="test"))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    served = json.dumps(response.json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    assert served == SNAPSHOT.read_text(encoding="utf-8"), (
        "The OpenAPI document changed. If that is meant, write the new copy with "
        "`.venv/bin/python scripts/openapi-snapshot.py` and commit it with the change."
    )
