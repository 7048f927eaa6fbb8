"""The series the service records and where it serves them: labels by route template (never
the raw path), one label for unmatched paths, /metrics kept off the public port, the tile
cache, rate limits, statement timeouts, the pool, and tasks run by `jobmap` commands."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.config import PROJECT_ROOT, Settings
from app.db import create_engine
from app.errors import ServiceUnavailableError, translate_db_error
from app.main import create_app
from app.metrics.exposition import MULTIPROC_ENV, workers_metrics_dir
from app.metrics.http import UNMATCHED
from app.metrics.pool import track_in_use
from app.metrics.series import CHANGES_FEED_DELAY
from app.metrics.tasks import task
from app.tiles.cache import zoom_band
from tests.conftest import Live
from tests.factories import vacancy_payload
from tests.problems import assert_problem
from tests.servers import free_port

VACANCY_ROUTE = "/v1/vacancies/{vacancy_id:uuid}"


def value(name: str, registry: CollectorRegistry = REGISTRY, /, **labels: str) -> float:
    """The sample's value (0 when it was never recorded)."""
    return registry.get_sample_value(name, labels) or 0.0


def answered(route: str, status: int, request_class: str, method: str = "GET") -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return value("jobmap_http_requests_total", REGISTRY, request_class=request_class, **labels)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app with these settings, started (lifespan), and its client."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


async def test_requests_are_labelled_by_route_template(client: AsyncClient) -> None:
    vacancy_id = uuid.uuid4()
    before = answered(VACANCY_ROUTE, 404, "read")
    timed = {"route": VACANCY_ROUTE, "method": "GET", "request_class": "read"}
    before_timed = value("jobmap_http_request_duration_seconds_count", **timed)

    response = await client.get(f"/v1/vacancies/{vacancy_id}")

    assert_problem(response, 404)
    assert answered(VACANCY_ROUTE, 404, "read") == before + 1
    assert value("jobmap_http_request_duration_seconds_count", **timed) == before_timed + 1
    assert str(vacancy_id) not in generate_latest(REGISTRY).decode()


async def test_paths_no_route_matches_share_one_label(client: AsyncClient) -> None:
    junk = uuid.uuid4().hex
    before = answered(UNMATCHED, 404, "read")

    for path in (f"/{junk}", f"/v1/{junk}/x", f"/v1/vacancies/not-{junk}"):
        assert_problem(await client.get(path), 404)

    assert answered(UNMATCHED, 404, "read") == before + 3
    assert junk not in generate_latest(REGISTRY).decode()


async def test_answers_before_routing_name_the_route_they_were_for(client: AsyncClient) -> None:
    route = "/v1/vacancies/bulk"
    before = answered(route, 413, "bulk", method="POST")

    response = await client.post(route, content=b"[" + b" " * (21 * 1024 * 1024) + b"]")

    assert_problem(response, 413)
    assert answered(route, 413, "bulk", method="POST") == before + 1


async def test_metrics_are_not_on_the_public_port_by_default(client: AsyncClient) -> None:
    assert_problem(await client.get("/metrics"), 404)


async def test_metrics_on_the_public_port_only_when_the_setting_allows(
    settings: Settings, engine: AsyncEngine
) -> None:
    del engine  # the database exists and is migrated
    allowed = settings.model_copy(update={"metrics_public": True})
    async with serving(allowed) as (_, client):
        await client.get("/healthz")
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert 'jobmap_http_requests_total{method="GET",request_class="read",route="/healthz"' in (
        response.text
    )


async def test_the_metrics_port_serves_them_and_the_public_port_does_not(
    settings: Settings, engine: AsyncEngine
) -> None:
    del engine
    port = free_port()
    with_port = settings.model_copy(update={"metrics_port": port})
    async with serving(with_port) as (_, client), httpx.AsyncClient() as scraper:
        await client.get("/healthz")
        scraped = await scraper.get(f"http://127.0.0.1:{port}/metrics")
        public = await client.get("/metrics")
    assert scraped.status_code == 200
    assert "jobmap_http_requests_total" in scraped.text
    assert "jobmap_db_pool_connections_in_use" in scraped.text
    assert_problem(public, 404)
    # Stopped with the app: the port is free again.
    async with httpx.AsyncClient() as scraper:
        with pytest.raises(httpx.ConnectError):
            await scraper.get(f"http://127.0.0.1:{port}/metrics")


@pytest.mark.parametrize(
    ("z", "band"), [(0, "0-7"), (7, "0-7"), (8, "8-10"), (11, "11-13"), (15, "14-15"), (16, "16+")]
)
def test_zoom_bands(z: int, band: str) -> None:
    assert zoom_band(z) == band


async def test_tile_cache_hits_and_misses_by_zoom_band(client: AsyncClient) -> None:
    path = "/v1/tiles/vacancies/9/406/241.mvt"
    misses = value("jobmap_tile_cache_lookups_total", zoom_band="8-10", result="miss")
    hits = value("jobmap_tile_cache_lookups_total", zoom_band="8-10", result="hit")

    route = "/v1/tiles/vacancies/{z}/{x}/{y}.mvt"
    served = answered(route, 204, "map")  # no vacancy there: an empty tile

    assert (await client.get(path)).status_code == 204
    assert value("jobmap_tile_cache_lookups_total", zoom_band="8-10", result="miss") == misses + 1
    assert (await client.get(path)).status_code == 204
    assert value("jobmap_tile_cache_lookups_total", zoom_band="8-10", result="hit") == hits + 1
    assert answered(route, 204, "map") == served + 2


async def test_rate_limit_rejections_are_counted_by_class(
    settings: Settings, engine: AsyncEngine
) -> None:
    del engine
    limited = settings.model_copy(update={"rate_limits_enabled": True, "rate_limits": {"read": 1}})
    before = value("jobmap_rate_limit_rejections_total", request_class="read")
    async with serving(limited) as (_, client):
        first = await client.get("/v1/areas/86")
        second = await client.get("/v1/areas/86")
    assert first.status_code != 429
    assert_problem(second, 429)
    assert value("jobmap_rate_limit_rejections_total", request_class="read") == before + 1


async def test_statement_timeouts_are_counted_where_they_become_503(
    session: AsyncSession,
) -> None:
    before = value("jobmap_db_statement_timeouts_total")
    savepoint = await session.begin_nested()
    await session.execute(text("SET LOCAL statement_timeout = 50"))
    with pytest.raises(DBAPIError) as raised:
        await session.execute(text("SELECT pg_sleep(5)"))
    await savepoint.rollback()
    assert isinstance(translate_db_error(raised.value), ServiceUnavailableError)
    assert value("jobmap_db_statement_timeouts_total") == before + 1


async def _until(condition: str, check: Callable[[], bool]) -> None:
    """Wait (bounded) for `check()` to hold: the pool moves in another task."""
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"never: {condition}")


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    return await engine.connect()


async def test_pool_connections_in_use_and_requests_waiting(settings: Settings) -> None:
    one = settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0})
    engine = create_engine(one)
    track_in_use(engine)
    in_use = value("jobmap_db_pool_connections_in_use")
    waiting = value("jobmap_db_pool_waiting")
    try:
        first = await engine.connect()
        await first.execute(text("SELECT 1"))
        assert value("jobmap_db_pool_connections_in_use") == in_use + 1
        second = asyncio.create_task(_connect(engine))
        await _until("a request waits", lambda: value("jobmap_db_pool_waiting") == waiting + 1)
        await first.close()
        connection = await second
        assert value("jobmap_db_pool_waiting") == waiting
        assert value("jobmap_db_pool_connections_in_use") == in_use + 1
        await connection.close()
        assert value("jobmap_db_pool_connections_in_use") == in_use
    finally:
        await engine.dispose()


def test_a_task_records_its_duration_rows_and_failures() -> None:
    name = f"test_{uuid.uuid4().hex[:8]}"
    with task(name) as run:
        run.rows(3)
        run.rows(4)
    with pytest.raises(ValueError, match="bad file"), task(name):
        raise ValueError("bad file")

    assert value("jobmap_task_duration_seconds_count", task=name) == 2
    assert value("jobmap_task_rows_total", task=name) == 7
    assert value("jobmap_task_failures_total", task=name) == 1
    assert value("jobmap_task_last_success_timestamp_seconds", task=name) > 0


def _jobmap(folder: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A `jobmap` command in its own process, recording into the multiprocess folder."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "APP_DATABASE_URL": database}
    env["APP_DB_CONNECT_TIMEOUT_S"] = "2"
    return subprocess.run(  # noqa: S603  (our own command)
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _folder_registry(folder: Path) -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, str(folder))  # type: ignore[no-untyped-call]
    return registry


async def test_commands_record_into_the_services_multiprocess_folder(
    tmp_path: Path, settings: Settings, engine: AsyncEngine
) -> None:
    del engine
    done = await asyncio.to_thread(_jobmap, tmp_path, settings.database_url, "vacancies", "sweep")
    assert done.returncode == 0, done.stderr
    registry = _folder_registry(tmp_path)
    for name in ("map_expiry", "expiry_sweep"):
        assert value("jobmap_task_duration_seconds_count", registry, task=name) == 1
        assert value("jobmap_task_failures_total", registry, task=name) == 0
        assert value("jobmap_task_last_success_timestamp_seconds", registry, task=name) > 0


async def test_a_failed_command_counts_as_a_failure(tmp_path: Path) -> None:
    nowhere = f"postgresql+asyncpg://jobmap:jobmap@127.0.0.1:{free_port()}/none"
    done = await asyncio.to_thread(_jobmap, tmp_path, nowhere, "vacancies", "sweep")
    assert done.returncode != 0
    registry = _folder_registry(tmp_path)
    assert value("jobmap_task_failures_total", registry, task="map_expiry") == 1
    assert value("jobmap_task_last_success_timestamp_seconds", registry, task="map_expiry") == 0


async def test_changes_feed_delay_while_a_transaction_holds_it_back(live: Live) -> None:
    client, actors = live.client, live.actors
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    assert created.status_code == 201
    # Transactions anywhere on the cluster hold the feed back (transaction ids are the
    # cluster's), so other work on a shared server may too: this test adds one of its own.
    CHANGES_FEED_DELAY.set(0)

    async with live.engine.connect() as holding:
        # An older transaction still running: events committed after it began wait behind it.
        await holding.execute(text("SELECT pg_current_xact_id()"))
        async with live.engine.begin() as writer:
            await writer.execute(
                text("INSERT INTO vacancy_event (vacancy_id, kind) VALUES (:v, 'updated')"),
                {"v": created.json()["id"]},
            )
        assert (await client.get("/v1/vacancies/changes")).status_code == 200
        assert value("jobmap_changes_feed_delay_seconds") > 0
        await holding.rollback()


def test_jobmap_serve_empties_the_folder_it_is_given_but_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    stale = tmp_path / "counter_4194305.db"  # a process of an earlier run
    own = tmp_path / f"counter_{os.getpid()}.db"  # this process's, open since import
    stale.write_bytes(b"x")
    own.write_bytes(b"x")
    with workers_metrics_dir(workers=1, port=8000) as folder:
        assert folder == tmp_path
        assert not stale.exists()
        assert own.exists()
    assert tmp_path.exists()
    assert os.environ[MULTIPROC_ENV] == str(tmp_path)


def test_jobmap_serve_makes_a_folder_for_several_workers_and_removes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    port = free_port()
    with workers_metrics_dir(workers=1, port=port) as folder:
        assert folder is None  # one worker: values in memory
        assert MULTIPROC_ENV not in os.environ
    with workers_metrics_dir(workers=2, port=port) as folder:
        assert folder is not None
        assert folder.is_dir()
        assert os.environ[MULTIPROC_ENV] == str(folder)
    assert not folder.exists()
    assert MULTIPROC_ENV not in os.environ
