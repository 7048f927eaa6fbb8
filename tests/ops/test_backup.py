"""scripts/backup.sh: a dump of a database in use restores into a fresh database with the
same rows in every table, and the service runs on it (keys, search, migrations)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from tests.conftest import database_url, drop_database
from tests.factories import Actors, vacancy_payload
from tests.servers import seeded_database

SCRIPT = PROJECT_ROOT / "scripts" / "backup.sh"


async def backup_sh(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "bash", str(SCRIPT), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=300)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the schema: its row count and a digest of its rows in any order."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables = (
                await connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
            prints = {}
            for table in tables:
                # Table names come from pg_tables, not from input.
                rows = "md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
                digest = f'SELECT count(*), {rows} FROM "{table}" t'  # noqa: S608
                row = (await connection.execute(text(digest))).one()
                prints[table] = (row[0], row[1])
            return prints
    finally:
        await engine.dispose()


def app_on(url: str) -> AsyncClient:
    settings = Settings(
        environment="test",
        database_url=url,
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
    )
    app = create_app(settings)
    client = AsyncClient(
        transport=ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test"
    )
    client.app = app  # type: ignore[attr-defined]
    return client


async def use(url: str, actors: Actors) -> str:
    """Post through the service what a day's work leaves: vacancies, a placement, a plan."""
    client = app_on(url)
    app = client.app  # type: ignore[attr-defined]
    async with app.router.lifespan_context(app), client:
        for title in ("Kế toán tổng hợp", "Thợ hàn", "Tài xế"):
            response = await client.post(
                "/v1/vacancies", json=vacancy_payload(title=title), headers=actors.a
            )
            assert response.status_code == 201, response.text
        placement = await client.post(
            "/v1/placements",
            json={
                "placed_on": "2026-03-05",
                "employer_name": "Công ty Thử",
                "person": {"person_ref": "086199004321", "sex": "male", "birth_year": 1997,
                           "trained": False, "residence_commune_code": "29551"},
                "destination": "domestic",
                "channel": "job_map",
            },
            headers=actors.department,
        )  # fmt: skip
        assert placement.status_code == 201, placement.text
        plan = await client.put(
            "/v1/plans/2026",
            json=[{"indicator": "new_jobs", "target": 20000}],
            headers=actors.department,
        )
        assert plan.status_code in (200, 201), plan.text
        return str(placement.json()["id"])


async def test_a_backup_restores_into_a_fresh_database_with_the_same_data(
    tmp_path: Path,
) -> None:
    dump = tmp_path / "jobmap.dump"
    target = database_url("_restored")
    await drop_database(target)
    async with seeded_database("_backup") as (source, actors):
        placement_id = await use(source, actors)
        code, output = await backup_sh("dump", str(dump), source)
        assert code == 0, output
        # Not on a terminal: one line for the stage, with its count and time, and no bar.
        dumped = re.search(r"^backup: dump: (\d+) tables in \d+\.\d s$", output, re.M)
        assert dumped, output
        assert "\r" not in output
        assert dump.stat().st_size > 0
        assert not (tmp_path / "jobmap.dump.partial").exists()
        code, listing = await backup_sh("check", str(dump))
        assert code == 0, listing
        assert "TABLE DATA public vacancy " in listing
        try:
            code, output = await backup_sh("restore", str(dump), target)
            assert code == 0, output
            # Every table the dump holds data of was restored, and the line says so.
            restored = re.search(r"^backup: restore: (\d+) of (\d+) tables in ", output, re.M)
            assert restored, output
            assert restored[1] == restored[2] == str(listing.count("TABLE DATA"))
            assert int(dumped[1]) >= int(restored[1]) > 20
            before, after = await fingerprints(source), await fingerprints(target)
            assert after == before
            assert before["vacancy"][0] == 3
            assert before["placement"][0] == 1
            assert before["area"][0] > 124

            # The service runs on the restored database: same migration, same keys.
            client = app_on(target)
            app = client.app  # type: ignore[attr-defined]
            async with app.router.lifespan_context(app), client:
                ready = await client.get("/readyz")
                assert ready.status_code == 200, ready.text
                found = await client.get("/v1/vacancies", params={"q": "tai xe"})
                assert [item["title"] for item in found.json()["items"]] == ["Tài xế"]
                record = await client.get(
                    f"/v1/placements/{placement_id}", headers=actors.department
                )
                assert record.status_code == 200

            # Restoring over a database in use is refused and changes nothing.
            code, output = await backup_sh("restore", str(dump), target)
            assert code != 0
            assert "restore into a new database" in output
            assert await fingerprints(target) == before
        finally:
            await drop_database(target)


async def test_a_missing_or_broken_dump_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP not really")
    target = database_url("_never")
    code, output = await backup_sh("restore", str(broken), target)
    assert code != 0
    assert "not a readable dump" in output
    code, output = await backup_sh("restore", str(tmp_path / "missing.dump"), target)
    assert code != 0
    assert "no such file" in output
