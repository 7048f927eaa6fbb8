"""Write tests/snapshots/openapi.json: the OpenAPI document as the service serves it.

The test tests/test_openapi_snapshot.py compares the served document with this copy, so
that a change to the API (a moved router, a renamed schema) shows as a diff to review and
commit on purpose: `.venv/bin/python scripts/openapi-snapshot.py`."""

from __future__ import annotations

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402

SNAPSHOT = ROOT / "tests" / "snapshots" / "openapi.json"


def served() -> str:
    """The document, as stable text (the app builds it without a database)."""
    app = create_app(Settings(environment="test"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    SNAPSHOT.write_text(served(), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
