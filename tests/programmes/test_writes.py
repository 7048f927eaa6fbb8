"""Programme writes that need real commits: two first PUTs of one code at once, and migration
0021 filling area_succession from the boundaries already loaded."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.areas import repository as area_repository
from app.areas.loader import read_admin_dir
from app.auth.principal import Principal
from app.models import Role
from app.programmes import service
from app.programmes.schemas import ProgrammePut
from tests.conftest import ADMIN_DATA, database_url, drop_database, migrate, recreate_database
from tests.programmes.test_programmes import pilot


async def test_a_second_first_put_waits_for_the_first(engine: AsyncEngine) -> None:
    """Two first PUTs of one code: the second waits for the first to commit, then replaces the
    programme (200), instead of inserting a second one and failing on the unique code."""
    code = "concurrent-pilot"
    principal = Principal(key_id=1, prefix="testtest", role=Role.department, employer_id=None)
    first = ProgrammePut.model_validate(pilot(note="first"))
    second = ProgrammePut.model_validate(pilot(note="second"))
    try:
        async with AsyncSession(engine) as one, AsyncSession(engine) as two:
            async with one.begin():
                _, created = await service.put(one, principal, code, first)
                assert created

                async def put_second() -> bool:
                    async with two.begin():
                        _, created = await service.put(two, principal, code, second)
                        return created

                waiting = asyncio.create_task(put_second())
                await asyncio.sleep(0.5)
                assert not waiting.done()  # held until the first commits
            assert await asyncio.wait_for(waiting, 10) is False  # replaced, not created
        async with engine.connect() as connection:
            notes = (
                await connection.scalars(
                    text("SELECT note FROM programme WHERE code = :code"), {"code": code}
                )
            ).all()
        assert notes == ["second"]
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM programme WHERE code = :code"), {"code": code}
            )
            await connection.execute(
                text("DELETE FROM audit_event WHERE entity_type = 'programme' AND entity_id = :c"),
                {"c": code},
            )


async def test_migration_fills_the_succession_from_the_areas_present() -> None:
    url = database_url("_succession")
    await recreate_database(url)
    try:
        await migrate(url, "0020")
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            # The areas as a database before 0021 had them (without the load's new last step).
            async with AsyncSession(engine) as session, session.begin():
                for record in read_admin_dir(ADMIN_DATA):
                    await area_repository.upsert(session, record)
            await migrate(url, "0021")
            async with engine.connect() as connection:
                rows = await connection.scalar(text("SELECT count(*) FROM area_succession"))
            assert rows == 35
            await migrate(url, "0020", down=True)
            async with engine.connect() as connection:
                gone = await connection.scalar(text("SELECT to_regclass('area_succession')"))
            assert gone is None
        finally:
            await engine.dispose()
    finally:
        await drop_database(url)
