"""Migrations run up and down on an empty database, and match the ORM models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

import app.models  # noqa: F401
from app.db import Base
from tests.conftest import database_url, drop_database, migrate, recreate_database


async def _tables_and_extensions(url: str) -> tuple[set[str], set[str]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables = set(
                (
                    await connection.scalars(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                ).all()
            )
            extensions = set(
                (await connection.scalars(text("SELECT extname FROM pg_extension"))).all()
            )
    finally:
        await engine.dispose()
    return tables, extensions


async def test_upgrade_downgrade_upgrade_on_empty_database() -> None:
    url = database_url("_migrations")
    await recreate_database(url)
    try:
        await migrate(url, "head")
        tables, extensions = await _tables_and_extensions(url)
        assert {"area", "alembic_version", "employer", "api_key", "vacancy"} <= tables
        assert {"postgis", "unaccent", "pg_trgm", "btree_gist"} <= extensions

        await migrate(url, "base", down=True)
        tables, extensions = await _tables_and_extensions(url)
        assert tables == {"alembic_version"}
        assert "postgis" not in extensions

        await migrate(url, "head")
        tables, _ = await _tables_and_extensions(url)
        assert "area" in tables
    finally:
        await drop_database(url)


async def test_models_match_migrations(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": alembic_helpers.include_object,
                "include_name": lambda name, type_, _parents: (
                    not (type_ == "table" and name == "spatial_ref_sys")
                ),
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []
