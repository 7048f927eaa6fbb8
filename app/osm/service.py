"""`jobmap osm load`: import an OpenStreetMap extract, build the routing graph, swap it in.

The extract goes into a fresh schema (osm_load_<hex>) with osm2pgsql and the style next to
this module; the graph is built and checked there; then one transaction renames the live `osm`
away, the new schema to `osm`, and drops the old one. Until that commit every reader sees the
previous network, and any failure before it (a bad file, an empty network) drops the new
schema and leaves the previous network as it was."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.config import Settings
from app.db import create_engine
from app.models.travel_speed import TravelMode
from app.osm import joints, repository, tools
from app.osm.errors import OsmLoadError
from app.osm.repository import NetworkCounts

logger = logging.getLogger(__name__)

SUFFIXES = (".osm", ".osm.pbf", ".pbf")
SWAP_ATTEMPTS = 40
LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class LoadReport:
    counts: NetworkCounts
    replaced: bool
    seconds: float


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise OsmLoadError(f"{path} is not a file")
    if not path.name.lower().endswith(SUFFIXES):
        raise OsmLoadError(f"{path.name}: expected an .osm or .osm.pbf file")


async def _autocommit(engine: AsyncEngine) -> AsyncConnection:
    connection = await engine.connect()
    return await connection.execution_options(isolation_level="AUTOCOMMIT")


async def load(settings: Settings, path: Path, *, clip_to_province: bool = False) -> LoadReport:
    """Import `path` and make it the live network; raises OsmLoadError (nothing changed)."""
    _check_file(path)
    if settings.db_transaction_pooler:
        # Its lock is held by a session, and a pooler hands sessions' statements to any
        # server connection (docs/operations.md, "Behind PgBouncer").
        raise OsmLoadError(
            "`jobmap osm load` needs PostgreSQL's own address: APP_DB_TRANSACTION_POOLER is set"
        )
    started = time.perf_counter()
    engine = create_engine(settings, statement_timeout_ms=0)
    try:
        lock = await _autocommit(engine)
        try:
            if not await lock.scalar(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": repository.LOAD_LOCK_KEY}
            ):
                raise OsmLoadError("another `jobmap osm load` is running on this database")
            for leftover in await repository.leftover_schemas(lock):
                logger.info("dropping %s, left by an interrupted load", leftover)
                await repository.drop_schema(lock, leftover)
            counts, replaced = await _load_into_new_schema(
                settings, engine, lock, path, clip_to_province
            )
        finally:
            await lock.close()  # also releases the advisory lock
    finally:
        await engine.dispose()
    return LoadReport(counts, replaced, time.perf_counter() - started)


async def _load_into_new_schema(
    settings: Settings,
    engine: AsyncEngine,
    connection: AsyncConnection,
    path: Path,
    clip_to_province: bool,
) -> tuple[NetworkCounts, bool]:
    schema = f"osm_load_{secrets.token_hex(4)}"
    await repository.create_schema(connection, schema)
    try:
        with tools.scratch_dir() as scratch:
            source = path
            if clip_to_province:
                boundary = await _province_boundary(connection, scratch)
                logger.info("clipping %s to the province with osmium", path.name)
                source = await tools.clip(path, boundary, scratch)
            logger.info("importing %s into %s with osm2pgsql", path.name, schema)
            await tools.osm2pgsql(settings.database_url, schema, source)
        counts = await _build(engine, schema, path.name)
        replaced = await _swap(engine, schema)
    except BaseException:
        await repository.drop_schema(connection, schema)
        raise
    return counts, replaced


async def _build(engine: AsyncEngine, schema: str, source: str) -> NetworkCounts:
    steps = (
        ("splitting ways into edges at shared nodes", repository.build_edges),
        # Before the indexes: every row is rewritten, and no index needs the new versions.
        ("costing edges from travel_speed", repository.apply_speeds),
        ("indexing edges", repository.index_edges),
        ("finding vertices and connected parts", repository.build_vertices),
        ("joining work sites to the network", joints.join_sites),
    )
    for label, step in steps:
        logger.info(label)
        async with engine.begin() as connection:
            await step(connection, schema)
    async with engine.begin() as connection:
        await repository.record_info(connection, schema, source)
        counts = await repository.counts(connection, schema)
    if counts is None or counts.edges == 0 or counts.vertices == 0:
        raise OsmLoadError(f"{source} has no roads the graph can use: nothing was replaced")
    logger.info(
        "network built: %d ways, %d edges, %d vertices, %d isolated parts",
        counts.ways,
        counts.edges,
        counts.vertices,
        counts.isolated_parts,
    )
    return counts


async def _swap(engine: AsyncEngine, schema: str) -> bool:
    """Swap `schema` in, retrying while readers hold the old tables."""
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        retired = f"osm_old_{secrets.token_hex(4)}"
        try:
            async with engine.begin() as connection:
                replaced = await repository.swap_in(connection, schema, retired)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            logger.info("swap attempt %d waited too long for readers; trying again", attempt)
            continue
        logger.info(
            "swapped in: %s", "replaced the previous network" if replaced else "first network"
        )
        async with engine.begin() as connection:
            missed = await joints.join_missed_sites(connection)
        if missed:
            logger.info("joined %d sites written during the load", missed // len(TravelMode))
        return replaced
    raise OsmLoadError("readers held the old network too long to swap it: nothing was replaced")


async def _province_boundary(connection: AsyncConnection, scratch: Path) -> Path:
    """Today's province boundary from `area`, as a GeoJSON file for osmium."""
    geojson = await connection.scalar(
        text(
            "SELECT json_build_object('type', 'Feature', 'properties', '{}'::json,"
            " 'geometry', ST_AsGeoJSON(geom)::json)::text FROM area "
            "WHERE level = 'province' AND geom IS NOT NULL AND validity @> current_date "
            "ORDER BY valid_from DESC NULLS LAST LIMIT 1"
        )
    )
    if geojson is None:
        raise OsmLoadError("no province boundary in the database: run `jobmap areas load` first")
    boundary = scratch / "province.geojson"
    boundary.write_text(geojson, encoding="utf-8")
    return boundary


async def recost(settings: Settings) -> int:
    """Recompute the live network's costs after travel_speed was edited; edges updated."""
    engine = create_engine(settings, statement_timeout_ms=0)
    try:
        async with engine.begin() as connection:
            if await repository.counts(connection) is None:
                raise OsmLoadError("no street network is loaded: run `jobmap osm load FILE`")
            edges = await repository.apply_speeds(connection)
            await repository.record_recost(connection)
            # Costs decide which roads a mode may use, so which road each site joins.
            logger.info("joining work sites to the network again")
            await joints.rejoin_sites(connection)
            return edges
    finally:
        await engine.dispose()


async def status(settings: Settings) -> NetworkCounts | None:
    engine = create_engine(settings, statement_timeout_ms=0)
    try:
        async with engine.connect() as connection:
            return await repository.counts(connection)
    finally:
        await engine.dispose()


__all__ = ["LoadReport", "OsmLoadError", "load", "recost", "status"]
