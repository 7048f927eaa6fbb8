"""The write cost of placements on a full table (issue 20; bench/README.md, "Programme
progress: the residence index"): POST /v1/placements/import of N rows (the CSV of
bench/placements_import.py) into the placement bench's database (1,000,000 placements), timed,
then the rows deleted again (by their import batch) and the table vacuumed, so that every
import meets the same table. bench/programmes_index.sh runs it with an index and without.

    APP_DATABASE_URL=postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/stats_bench \\
      PYTHONPATH=$PWD .venv/bin/python bench/placement_writes.py [rows] [imports]

The service runs in-process (ASGI), so HTTP parsing is not included. Prints one line per import.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
import time

import asyncpg
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.main import create_app
from app.models import Role
from tests.factories import bearer, make_key

URL = os.environ["APP_DATABASE_URL"]
# The rows of bench/placements_import.py (not imported: bench/ is not a package).
COLUMNS = [
    "placed_on", "person_ref", "sex", "birth_year", "trained", "residence_commune_code",
    "destination", "destination_country", "employer_name", "occupation_code", "industry_code",
    "channel",
]  # fmt: skip
COMMUNES = ["28756", "29551", "29557", "29590"]


def csv_body(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(count):
        abroad = n % 10 == 0
        writer.writerow([
            f"2026-0{1 + n % 3}-{1 + n % 28:02}", f"0862{n:08}", "female" if n % 2 else "male",
            1960 + n % 45, "có" if n % 3 else "không", COMMUNES[n % 4],
            "abroad" if abroad else "domestic", "JP" if abroad else "",
            "Công ty TNHH Thủy sản Đồng Tháp Mười", "72" if abroad else "24", "C", "job_fair",
        ])  # fmt: skip
    return b"\xef\xbb\xbf" + out.getvalue().encode()


async def main(count: int, imports: int) -> None:
    engine = create_async_engine(URL, poolclass=NullPool)
    async with AsyncSession(engine) as session, session.begin():
        key = await make_key(session, Role.department)
    await engine.dispose()
    body = csv_body(count)
    settings = Settings(
        environment="test",
        database_url=URL,
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
    )
    app = create_app(settings)
    raw = await asyncpg.connect(URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://b", timeout=600) as client:
                for _ in range(imports):
                    started = time.perf_counter()
                    response = await client.post(
                        "/v1/placements/import",
                        content=body,
                        headers={**bearer(key), "Content-Type": "text/csv"},
                    )
                    took = time.perf_counter() - started
                    assert response.status_code == 201, response.text[:500]
                    batch = response.json()["import_batch_id"]
                    sys.stdout.write(
                        f"import: {count:,} rows in {took:.2f} s ({count / took:,.0f} rows/s)\n"
                    )
                    sys.stdout.flush()
                    await raw.execute("DELETE FROM placement WHERE import_batch_id = $1", batch)
                    await raw.execute("VACUUM placement")
    finally:
        await raw.close()


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    asyncio.run(main(rows, repeats))
