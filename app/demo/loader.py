"""Write demo data with PostgreSQL COPY, batch by batch, inside the caller's transaction."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.demo import bulk
from app.demo.documents import Documents
from app.demo.generator import OPEN, DemoGenerator
from app.demo.places import Commune
from app.demo.rows import (
    DOCUMENT_COLUMNS,
    EMPLOYER_COLUMNS,
    SITE_FILL_COLUMNS,
    SITE_STAGE_COLUMNS,
    VACANCY_COLUMNS,
    Batch,
)
from app.models import Area, AreaLevel, Employer, Vacancy

BATCH_SIZE = 50_000
OLD_VINH_LONG_CODE = "86"  # attributes->>'old_province_code' of communes of pre-2025 Vĩnh Long
WARD_TYPE = "Phường"
# Transaction-scoped advisory lock key: one demo load at a time per database.
LOCK_KEY = 8_600_000_001

_STAGE = "demo_site_stage"
# A site, then its vacancy's columns that jobmap_site_fill copies onto it (for the fast path);
# `listed`: the vacancy is open and its employer verified.
_CREATE_STAGE = text(f"""
    CREATE TEMPORARY TABLE {_STAGE} (
        seq integer, vacancy_id uuid, positions integer, approximate boolean, area_id bigint,
        commune_code text, commune_no integer, ordinal integer, address text,
        listed boolean, valid_through timestamptz, employer_id uuid, occupation_code text,
        industry_code text, employment_type text, salary_monthly_min bigint,
        salary_monthly_max bigint, published_at timestamptz
    ) ON COMMIT DROP
""")
# Each commune draws all of this batch's exact points in one ST_GeneratePoints call, seeded so
# the same seed gives the same points; the k-th point goes to the commune's k-th exact site.
# Approximate sites sit on the commune's label point. A missing point fails NOT NULL: loudly.
_INSERT_SITES_SQL = f"""
    WITH need AS (
        SELECT area_id, commune_no, count(*)::integer AS k
        FROM {_STAGE} WHERE NOT approximate GROUP BY area_id, commune_no
    ), point AS (
        SELECT need.area_id, dump.path[1] AS ordinal, dump.geom
        FROM need
        JOIN area ON area.id = need.area_id
        CROSS JOIN LATERAL ST_Dump(
            ST_GeneratePoints(area.geom, need.k, CAST(:seed AS integer) + need.commune_no)
        ) AS dump
    )
    INSERT INTO vacancy_site
        (vacancy_id, positions, geom, approximate, area_id, commune_code, address{{fill}})
    SELECT s.vacancy_id, s.positions,
           CASE WHEN s.approximate THEN area.label_point ELSE point.geom END,
           s.approximate, s.area_id, s.commune_code, s.address{{filled}}
    FROM {_STAGE} AS s
    JOIN area ON area.id = s.area_id
    LEFT JOIN point ON point.area_id = s.area_id AND point.ordinal = s.ordinal
    ORDER BY s.seq
"""  # noqa: S608  (constant name)
# With the trigger site_fill on, it fills the vacancy's columns; on the fast path, the stage
# does, with the trigger's test for `public`.
_INSERT_SITES = text(_INSERT_SITES_SQL.format(fill="", filled=""))
_INSERT_FILLED_SITES = text(
    _INSERT_SITES_SQL.format(
        fill=", public, " + ", ".join(SITE_FILL_COLUMNS),
        filled=", s.listed AND s.valid_through > now(), "
        + ", ".join(f"s.{column}" for column in SITE_FILL_COLUMNS),
    )
)


class DemoError(Exception):
    """Demo data cannot be loaded into this database (missing areas, seed already used)."""


@dataclass(frozen=True)
class DemoReport:
    employers: int
    vacancies: int
    sites: int
    bulk: bool = False  # loaded by the fast path into empty tables (app/demo/bulk.py)


async def _connection(db: AsyncSession | AsyncConnection) -> AsyncConnection:
    return await db.connection() if isinstance(db, AsyncSession) else db


async def lock(db: AsyncSession | AsyncConnection) -> None:
    """Serialise demo loads until the transaction ends (so `--if-empty` cannot race)."""
    await (await _connection(db)).execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
    )


async def has_vacancies(db: AsyncSession | AsyncConnection) -> bool:
    conn = await _connection(db)
    return bool(await conn.scalar(select(exists().select_from(Vacancy))))


async def current_communes(conn: AsyncConnection) -> list[Commune]:
    """The province's communes today (valid_to IS NULL), with their shapes."""
    rows = await conn.execute(
        select(
            Area.id,
            Area.code,
            Area.name,
            Area.full_name,
            Area.type,
            Area.attributes["old_province_code"].astext,
        )
        .where(Area.level == AreaLevel.commune, Area.valid_to.is_(None), Area.geom.is_not(None))
        .order_by(Area.code)
    )
    return [
        Commune(
            area_id=area_id,
            code=code,
            name=name,
            full_name=full_name,
            ward=kind == WARD_TYPE,
            old_vinh_long=old_province == OLD_VINH_LONG_CODE,
        )
        for area_id, code, name, full_name, kind, old_province in rows
    ]


@contextlib.contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Python's cyclic garbage collector off for the load: every few hundred new tuples it
    walks the young objects, and now and then all of them, millions while a batch of 50,000
    rows and the documents' caches are alive. It found nothing to free (the rows hold no
    cycles: reference counts free them), but cost about a third of the loader's CPU on 1M
    (57 s instead of 83 s, the same peak memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def load_demo(
    db: AsyncSession | AsyncConnection,
    vacancies: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    bulk_path: bool = True,
    analyze: bool = True,
) -> DemoReport:
    """Insert about vacancies/20 employers, `vacancies` vacancies and their sites.

    Runs in the caller's transaction (all or nothing; the caller commits). `progress` is called
    with the number of vacancies each written batch added. Raises DemoError when the
    communes are missing or this seed's data is already there. Into empty tables the load
    takes the fast path of app/demo/bulk.py, unless `bulk_path` is False (tests compare the
    two). `analyze=False` leaves the statistics to the caller (the CLI runs VACUUM (ANALYZE)
    right after the commit).
    """
    conn = await _connection(db)
    with _without_cycle_collector():
        # SQLAlchemy begins the DBAPI transaction lazily, on its first statement: run these
        # through it before touching the driver connection, so that COPY lands inside the
        # transaction.
        await lock(conn)
        communes = await current_communes(conn)
        if not communes:
            raise DemoError("no current communes: run `jobmap areas load` first")
        taken = frozenset(await conn.scalars(select(Employer.tax_code)))
        # Bulk statements outlast the service's short statement timeout; restored at the end.
        previous_timeout = await conn.scalar(text("SHOW statement_timeout"))
        await conn.execute(text("SET LOCAL statement_timeout = 0"))

        generator = await asyncio.to_thread(
            DemoGenerator,
            seed=seed,
            vacancies=vacancies,
            communes=communes,
            now=now or datetime.now(UTC),
            taken_tax_codes=taken,
        )
        first_id = generator.employers[0].id
        if await conn.scalar(select(exists().where(Employer.id == first_id))):
            raise DemoError(f"demo data from seed {seed} is already loaded")

        raw = await _driver_connection(conn)
        await raw.copy_records_to_table(
            "employer", records=generator.employers, columns=EMPLOYER_COLUMNS
        )
        await conn.execute(text(f"DROP TABLE IF EXISTS {_STAGE}"))
        await conn.execute(_CREATE_STAGE)

        # Into empty tables, the fast path (app/demo/bulk.py); on top of data, the per-row triggers.
        fast = bulk_path and await bulk.empty(conn)
        work = await bulk.Bulk.begin(conn) if fast else None
        guard = asyncio.Lock()  # one statement at a time on the connection (see _documents)
        documents = await _documents(conn, generator, guard) if fast else None
        if fast:
            await raw.set_type_codec(
                "tsvector", schema="pg_catalog", encoder=bytes, decoder=bytes, format="binary"
            )
        verified = frozenset(e.id for e in generator.employers if e.verified_at is not None)

        sites = 0
        batches = generator.batches(batch_size)

        def prepare() -> Prepared | None:
            batch = next(batches, None)
            return None if batch is None else _prepare(batch, verified, documents)

        # Python builds the next batch in a thread while PostgreSQL writes this one: on two cores
        # the two halves of the work overlap instead of taking turns.
        pending = asyncio.ensure_future(asyncio.to_thread(prepare))
        try:
            while (prepared := await pending) is not None:
                pending = asyncio.ensure_future(asyncio.to_thread(prepare))
                async with guard:
                    await _write(conn, raw, prepared, fast=fast)
                sites += len(prepared.batch.sites)
                if progress is not None:
                    progress(len(prepared.batch.vacancies))
        finally:
            # Let the thread end before the connection is used again (it may be waiting for it).
            with contextlib.suppress(Exception):
                await pending
            if fast:
                await raw.reset_type_codec("tsvector", schema="pg_catalog")

        await conn.execute(text(f"DROP TABLE {_STAGE}"))
        if work is not None:
            await work.finish(conn)
        for table in ("employer", "vacancy", "vacancy_site") if analyze else ():
            # Fresh statistics, so the first queries on the demo data get sensible plans.
            await conn.execute(text(f"ANALYZE {table}"))
        await conn.execute(
            text("SELECT set_config('statement_timeout', :value, true)"),
            {"value": previous_timeout},
        )
        return DemoReport(
            employers=len(generator.employers), vacancies=vacancies, sites=sites, bulk=fast
        )


@dataclass(frozen=True)
class Prepared:
    batch: Batch
    vacancies: list[tuple[Any, ...]]  # rows for COPY (with their documents on the fast path)
    sites: list[tuple[Any, ...]]  # stage rows


def _prepare(batch: Batch, verified: frozenset[uuid.UUID], documents: Documents | None) -> Prepared:
    """COPY rows of a batch: the documents and each site's copy of its vacancy (in a thread)."""
    # Plain tuples in SiteFill's order: this runs for every site, under the GIL.
    fills = {
        v.id: (
            v.status == OPEN and v.employer_id in verified, v.valid_through, v.employer_id,
            v.occupation_code, v.industry_code, v.employment_type, v.salary_monthly_min,
            v.salary_monthly_max, v.published_at,
        )
        for v in batch.vacancies
    }  # fmt: skip
    sites = [site + fills[site.vacancy_id] for site in batch.sites]
    if documents is None:
        return Prepared(batch, list(batch.vacancies), sites)
    built = documents.build(batch.vacancies)
    return Prepared(
        batch, [row + docs for row, docs in zip(batch.vacancies, built, strict=True)], sites
    )


async def _documents(
    conn: AsyncConnection, generator: DemoGenerator, guard: asyncio.Lock
) -> Documents:
    """A document builder whose questions to PostgreSQL (from the thread) share `conn`."""
    # The trigger's occupation_name.
    name = "coalesce(name_vi, '') || ' ' || coalesce(name_en, '')"
    result = await conn.execute(text(f"SELECT code, {name} FROM occupation"))  # noqa: S608
    occupations: dict[str, str] = dict(result.all())
    loop = asyncio.get_running_loop()

    def ask(statement: str) -> Callable[[list[str]], dict[str, Any]]:
        async def run(values: list[str]) -> dict[str, Any]:
            async with guard:
                rows = await conn.execute(text(statement), {"values": values})
                return dict(rows.all())

        # Called from the preparing thread: runs on the loop, once the current write is done.
        return lambda values: asyncio.run_coroutine_threadsafe(run(values), loop).result()

    return Documents(
        words=ask("SELECT v, jobmap_words(v) FROM unnest(CAST(:values AS text[])) AS v"),
        folds=ask("SELECT v, jobmap_fold(v) FROM unnest(CAST(:values AS text[])) AS v"),
        occupations=occupations,
        employers={e.id: e.name for e in generator.employers},
    )


async def _driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn` (COPY is not part of the DBAPI)."""
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the connection is closed")
    return driver


async def _write(conn: AsyncConnection, raw: Any, prepared: Prepared, *, fast: bool) -> None:
    columns = VACANCY_COLUMNS + DOCUMENT_COLUMNS if fast else VACANCY_COLUMNS
    await raw.copy_records_to_table("vacancy", records=prepared.vacancies, columns=columns)
    await raw.copy_records_to_table(_STAGE, records=prepared.sites, columns=SITE_STAGE_COLUMNS)
    insert = _INSERT_FILLED_SITES if fast else _INSERT_SITES
    await conn.execute(insert, {"seed": prepared.batch.point_seed})
    await conn.execute(text(f"TRUNCATE {_STAGE}"))
