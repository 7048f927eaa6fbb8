"""Plan-shape fixtures: one database of 100,000 demo vacancies per run, and a sweep backlog."""

from __future__ import annotations

import logging
import pathlib
import re
import time
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from app.areas.service import load_areas
from app.classifications.service import load_classifications
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.demo import loader
from app.main import create_app
from app.models import Role
from app.vacancies.sweep import unlist_expired
from tests.conftest import (
    ADMIN_DATA,
    CLASSIFICATIONS_DATA,
    database_url,
    drop_database,
    migrate,
    recreate_database,
)
from tests.factories import bearer, make_key
from tests.plans.explain import DbState, connect, settings

logger = logging.getLogger(__name__)

# As `jobmap demo load --vacancies 100000 --seed 86`: enough rows for production-like plans.
VACANCIES = 100_000
SEED = 86
SEEDING_SECONDS = pytest.StashKey[float]()


@pytest.fixture(scope="session")
async def plans_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """`<test database>_plans`, migrated and seeded once per run; dropped at the end."""
    url = database_url("_plans")
    await recreate_database(url)
    await migrate(url)
    started = time.perf_counter()
    # The engine `jobmap demo load` makes: the service's, without a statement timeout.
    engine = create_engine(Settings(environment="test", database_url=url), statement_timeout_ms=0)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session, session.begin():
            await load_areas(session, ADMIN_DATA)
            await load_classifications(session, CLASSIFICATIONS_DATA)
        async with sessionmaker() as session, session.begin():
            await loader.lock(session)
            await loader.load_demo(session, VACANCIES, SEED)
        await unlist_expired(sessionmaker)  # as the service's workers do
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - started
    request.config.stash[SEEDING_SECONDS] = seconds
    logger.info("plans: seeded %d demo vacancies in %.1f s", VACANCIES, seconds)
    yield url
    await drop_database(url)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    seconds = config.stash.get(SEEDING_SECONDS, None)
    if seconds is not None:
        terminalreporter.write_line(
            f"tests/plans: seeded {VACANCIES:,} demo vacancies in {seconds:.1f} s"
        )


# A backlog: about 10% of the public sites have expired since the last sweep. Triggers off
# (replica), so the sites stay public and in the kept cells, as if time had just passed.
_BACKLOG = (
    "SET LOCAL session_replication_role = replica",
    """
    CREATE TEMPORARY TABLE plans_backlog ON COMMIT DROP AS
    SELECT DISTINCT vacancy_id FROM vacancy_site
    WHERE public AND valid_through > now() AND abs(hashtext(vacancy_id::text)) % 10 = 0
    """,
    "UPDATE vacancy_site SET valid_through = now() - interval '1 hour' "
    "WHERE public AND vacancy_id IN (SELECT vacancy_id FROM plans_backlog)",
    "UPDATE vacancy SET valid_through = now() - interval '1 hour' "
    "WHERE id IN (SELECT vacancy_id FROM plans_backlog)",
    # The expiry queue's copy moves with it (its trigger is off too).
    "UPDATE vacancy_due SET valid_through = now() - interval '1 hour' "
    "WHERE vacancy_id IN (SELECT vacancy_id FROM plans_backlog)",
    "SET LOCAL session_replication_role = origin",
    # Statistics that show the backlog, seen by this transaction's plans only.
    "ANALYZE vacancy_site",
    "ANALYZE vacancy_due",
)


@pytest.fixture(params=["swept", "backlog"])
async def db_state(request: pytest.FixtureRequest, plans_url: str) -> AsyncIterator[DbState]:
    """`swept`: as seeded (expired sites off the map); `backlog`: see _BACKLOG."""
    connection = await connect(plans_url)
    transaction = connection.transaction()
    await transaction.start()
    try:
        if request.param == "backlog":
            for statement in _BACKLOG:
                status = await connection.execute(statement)
                if status.startswith("UPDATE"):
                    logger.info("backlog: %s", status)
        yield DbState(request.param, connection)
    finally:
        await transaction.rollback()
        await connection.close()


# Placements as the placement bench makes them (bench/placements_load.sql, its INSERT alone),
# fewer: enough for the planner to choose between the table and an index as at 1,000,000.
PLACEMENTS = 100_000
_LOAD_SQL = pathlib.Path(__file__).parents[2] / "bench" / "placements_load.sql"
PROGRAMME = "plans-vung-liem"


def _placements_insert(count: int) -> str:
    script = _LOAD_SQL.read_text()
    insert = script[script.index("INSERT INTO placement") : script.index("FROM shaped;") + 11]
    return re.sub(r"(?<!:):n\b", str(count), insert)


@pytest.fixture(scope="session")
async def programme_plans(plans_url: str) -> dict[str, str]:
    """The plans database with PLACEMENTS placements (vacuumed, analysed) and the programme
    PROGRAMME on the old district of Vũng Liêm (859), 2024-2026: the department's headers."""
    connection = await connect(plans_url)
    try:
        await connection.execute(_placements_insert(PLACEMENTS))
        await connection.execute("VACUUM (ANALYZE) placement")
    finally:
        await connection.close()
    app = create_app(settings(plans_url))
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session, session.begin():
            headers = bearer(await make_key(session, Role.department))
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            body = {
                "name": "Vũng Liêm (plans)",
                "period_from": "2024-01-01",
                "period_to": "2026-12-31",
                "areas": ["859"],
                "targets": [{"indicator": "new_jobs", "target": 10_000}],
            }
            put = await client.put(f"/v1/programmes/{PROGRAMME}", json=body, headers=headers)
            assert put.status_code in (200, 201), put.text
    return headers
