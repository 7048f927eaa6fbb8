"""Bulk import of placements: POST /v1/placements/import with 100,000 rows (CSV and XLSX),
side by side with its peer, PostgreSQL's own COPY of the same CSV into a table of text columns
(the floor for getting those bytes into the database, with no checking at all).

    PYTHONPATH=. .venv/bin/python bench/placements_import.py [rows] [database URL]
    BENCH_MEMORY=1 PYTHONPATH=. .venv/bin/python bench/placements_import.py ...

With BENCH_MEMORY=1 each request also reports the peak of Python's allocations while it ran
(tracemalloc, which slows Python down: its timings are not comparable with a run without it),
and the file's own size beside it.

The database is created, migrated and dropped. The service runs in-process (ASGI), so the
timings are the work of one request, without HTTP parsing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import asyncpg
from httpx import ASGITransport, AsyncClient
from openpyxl import Workbook
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.areas.service import load_areas
from app.classifications.service import load_classifications
from app.config import Settings
from app.main import create_app
from app.models import Role
from tests.conftest import (
    ADMIN_DATA,
    CLASSIFICATIONS_DATA,
    drop_database,
    migrate,
    recreate_database,
)
from tests.factories import bearer, make_key

COLUMNS = [
    "placed_on", "person_ref", "sex", "birth_year", "trained", "residence_commune_code",
    "destination", "destination_country", "employer_name", "occupation_code", "industry_code",
    "channel",
]  # fmt: skip
COMMUNES = ["28756", "29551", "29557", "29590"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


MEMORY = os.environ.get("BENCH_MEMORY") == "1"
# The requests, in order (BENCH_FORMATS="csv" for a quick memory run).
FORMATS = os.environ.get("BENCH_FORMATS", "csv xlsx csv").split()


def rows(count: int) -> Iterator[list[Any]]:
    for n in range(count):
        abroad = n % 10 == 0
        yield [
            f"2026-0{1 + n % 3}-{1 + n % 28:02}", f"0862{n:08}", "female" if n % 2 else "male",
            1960 + n % 45, "có" if n % 3 else "không", COMMUNES[n % 4],
            "abroad" if abroad else "domestic", "JP" if abroad else "",
            "Công ty TNHH Thủy sản Đồng Tháp Mười", "72" if abroad else "24", "C", "job_fair",
        ]  # fmt: skip


def csv_body(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows(count))
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def xlsx_body(count: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(COLUMNS)
    for row in rows(count):
        row[3], row[7] = int(row[3]), row[7] or None
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def copy_peer(url: str, body: bytes) -> float:
    """COPY the same CSV into an unlogged table of text columns."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        columns = ", ".join(f"{name} text" for name in COLUMNS)
        await connection.execute(f"CREATE UNLOGGED TABLE import_peer ({columns})")
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_to_table(
                "import_peer",
                source=io.BytesIO(body[3:]),
                format="csv",
                header=True,
            )
        return time.perf_counter() - started
    finally:
        await connection.execute("DROP TABLE IF EXISTS import_peer")
        await connection.close()


async def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    url = (
        sys.argv[2]
        if len(sys.argv) > 2
        else "postgresql+asyncpg://postgres@127.0.0.1:5432/jobmap_bench_import"
    )
    await recreate_database(url)
    await migrate(url)
    engine = create_async_engine(url, poolclass=NullPool)
    async with AsyncSession(engine) as session, session.begin():
        await load_areas(session, ADMIN_DATA)
        await load_classifications(session, CLASSIFICATIONS_DATA)
        key = await make_key(session, Role.department)
    await engine.dispose()
    if MEMORY:
        tracemalloc.start()
    bodies = {"csv": (csv_body(count), "text/csv")}
    if "xlsx" in FORMATS:
        bodies["xlsx"] = (xlsx_body(count), XLSX)
    app = create_app(Settings(environment="test", database_url=url, expiry_sweep_interval_s=0))
    sys.stdout.write(f"rows: {count:,}; database {make_url(url).database}\n")
    try:
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://b", timeout=600) as client:
                for name in FORMATS:
                    body, media_type = bodies[name]
                    peer = await copy_peer(url, bodies["csv"][0])
                    if MEMORY:
                        tracemalloc.reset_peak()
                        held = tracemalloc.get_traced_memory()[0]
                    started = time.perf_counter()
                    response = await client.post(
                        "/v1/placements/import",
                        content=body,
                        headers={**bearer(key), "Content-Type": media_type},
                    )
                    took = time.perf_counter() - started
                    if MEMORY:
                        peak = tracemalloc.get_traced_memory()[1] - held
                        sys.stdout.write(
                            f"{name}: peak Python memory during the request {peak / 1e6:.0f} MB "
                            f"above what was held before it (file {len(body) / 1e6:.1f} MB)\n"
                        )
                    imported = response.json().get("imported")
                    sys.stdout.write(
                        f"{name}: HTTP {response.status_code}, {imported} rows, "
                        f"{len(body) / 1e6:.1f} MB, {took:.2f} s "
                        f"({count / took:,.0f} rows/s); peer COPY of the CSV {peer:.2f} s; "
                        f"service / COPY time {took / peer:.1f}x\n"
                    )
    finally:
        await drop_database(url)


if __name__ == "__main__":
    asyncio.run(main())
