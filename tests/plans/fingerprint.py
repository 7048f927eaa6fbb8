"""A fingerprint of the hot statements' SQL (their text, not their values), recorded with
each benchmark run (bench/run.sh, bench/tiles.sh) and checked against bench/README.md by the
tests: a change to a hot statement fails `make test` until the benchmarks are run again and
their tables recorded (issue 22: a correctness fix flipped a plan and no run followed it)."""

from __future__ import annotations

import hashlib
import re

from app.tiles.grid import Tile
from tests.plans.explain import capture, pick, tile_statement

# The requests whose statements decide the map's speed (centre of old Vĩnh Long city).
HOT_REQUESTS = (
    "/v1/vacancies.geojson?bbox=105.947300,10.228700,105.997300,10.278700&limit=100",
    "/v1/vacancies?near=105.9723,10.2537&radius_m=10000&limit=20",
    "/v1/vacancies?near=105.9723,10.2537&radius_m=10000&limit=20&count=exact",
)
HOT_TILES = (Tile(10, 813, 482), Tile(14, 13014, 7722))
RECORDED = re.compile(r"^statements: ([0-9a-f]{12})\b", re.MULTILINE)


async def hot_statements_fingerprint(url: str) -> str:
    """12 hex digits of SHA-256 over the SQL of every hot statement, in a fixed order."""
    texts: list[str] = []
    for path in HOT_REQUESTS:
        sent = await capture(url, path)
        texts += [s.sql for s in sent if not s.is_setting]
        pick(sent, lambda _: True)  # at least one statement was sent
    texts += [tile_statement(tile).sql for tile in HOT_TILES]
    digest = hashlib.sha256("\n;\n".join(" ".join(t.split()) for t in texts).encode())
    return digest.hexdigest()[:12]


def recorded_fingerprints(readme: str) -> set[str]:
    """The fingerprints of the runs recorded in bench/README.md (`statements: …` lines)."""
    return set(RECORDED.findall(readme))
