"""Rate limits per client and request class (429 with Retry-After), shared through Redis or
per process, and statement timeouts per request class (503 in the error format)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.limits.counters import LocalCounter, RedisCounter
from app.main import create_app
from app.models import Vacancy
from app.request_classes import RequestClass, classify
from tests.conftest import Live
from tests.factories import vacancy_payload
from tests.problems import assert_problem
from tests.windows import fresh_window

REDIS = "redis://127.0.0.1:6379/0"
SEARCH = "/v1/vacancies?q=ke%20toan"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/vacancies", RequestClass.search),
        ("GET", "/v1/vacancies.geojson", RequestClass.search),
        ("GET", "/v1/vacancies/clusters", RequestClass.search),
        ("GET", "/ogc/collections/vacancies/items", RequestClass.search),
        ("GET", "/v1/isochrones", RequestClass.search),
        ("GET", "/v1/vacancies/0b7f3c1e-2a4d-4f6b-9c8e-1d2f3a4b5c6d/route", RequestClass.search),
        ("GET", "/v1/vacancies/0b7f3c1e-2a4d-4f6b-9c8e-1d2f3a4b5c6d", RequestClass.read),
        ("GET", "/v1/tiles/vacancies/10/812/482.mvt", RequestClass.map),
        ("GET", "/v1/stats/placements", RequestClass.report),
        ("GET", "/v1/public/stats/placements", RequestClass.report),
        ("POST", "/v1/vacancies", RequestClass.write),
        ("PATCH", "/v1/placements/0b7f3c1e-2a4d-4f6b-9c8e-1d2f3a4b5c6d", RequestClass.write),
        ("POST", "/v1/vacancies/bulk", RequestClass.bulk),
        ("POST", "/v1/placements/import", RequestClass.bulk),
        ("GET", "/v1/areas", RequestClass.read),
    ],
)
def test_requests_are_classed_by_what_they_cost(
    method: str, path: str, expected: RequestClass
) -> None:
    assert classify(method, path) is expected


Limited = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, AsyncClient]]]


@pytest.fixture
def limited(live: Live, settings: Settings) -> Limited:  # noqa: ARG001 (its rows, cleaned up)
    """An app on the live database with these settings (rate limits on), and its client."""

    @asynccontextmanager
    async def open_(**overrides: Any) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
        app = create_app(settings.model_copy(update={"rate_limits_enabled": True, **overrides}))
        # Windows are aligned to the clock: a test's requests must not straddle two of them
        # (the count would start again halfway, as in production, and the test would fail).
        window_s = app.state.settings.rate_limit_window_s
        left_s = window_s - time.time() % window_s
        if left_s < min(10, window_s / 2):
            await asyncio.sleep(left_s + 0.05)
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app=app, raise_app_exceptions=False)
            async with AsyncClient(transport=transport, base_url="http://test") as client:
                yield app, client

    return open_


async def test_over_the_limit_is_429_with_retry_after_per_class_and_client(
    limited: Limited, live: Live
) -> None:
    async with limited(rate_limits={"search": 3}) as (_, client):
        for _ in range(3):
            assert (await client.get(SEARCH)).status_code == 200
        refused = await client.get(SEARCH)
        body = assert_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "search" in body["detail"]
        # Another class is not held back, and a key is a client of its own.
        assert (await client.get("/v1/areas?level=province&geometry=none")).status_code == 200
        assert (await client.get(SEARCH, headers=live.actors.a)).status_code == 200


async def test_writes_over_the_limit_store_nothing(limited: Limited, live: Live) -> None:
    async with limited(rate_limits={"write": 2}) as (_, client):
        for index in range(2):
            response = await client.post(
                "/v1/vacancies",
                json=vacancy_payload(title=f"Kế toán {index}"),
                headers=live.actors.a,
            )
            assert response.status_code == 201
        refused = await client.post(
            "/v1/vacancies", json=vacancy_payload(title="Kế toán 2"), headers=live.actors.a
        )
        assert_problem(refused, 429)
        other = await client.post("/v1/vacancies", json=vacancy_payload(), headers=live.actors.b)
        assert other.status_code == 201  # employer B's own count
    async with AsyncSession(live.engine) as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Vacancy)
            .where(Vacancy.employer_id == live.actors.employer_a.id)
        )
    assert stored == 2


async def test_limits_are_shared_across_workers_through_redis(limited: Limited) -> None:
    prefix = f"jobmap-test:{uuid.uuid4().hex}:"
    async with (
        limited(rate_limits={"search": 3}) as (first, one),
        limited(rate_limits={"search": 3}) as (second, two),
    ):
        # Two workers (two apps), one Redis.
        first.state.rate_counter = RedisCounter(REDIS, prefix=prefix)
        second.state.rate_counter = RedisCounter(REDIS, prefix=prefix)
        assert (await one.get(SEARCH)).status_code == 200
        assert (await two.get(SEARCH)).status_code == 200
        assert (await one.get(SEARCH)).status_code == 200
        assert_problem(await two.get(SEARCH), 429)
        await first.state.rate_counter.close()
        await second.state.rate_counter.close()


async def test_without_redis_each_worker_counts_its_own(limited: Limited) -> None:
    async with (
        limited(rate_limits={"search": 2}) as (first, one),
        limited(rate_limits={"search": 2}) as (second, two),
    ):
        first.state.rate_counter = LocalCounter()
        second.state.rate_counter = LocalCounter()
        for _ in range(2):
            assert (await one.get(SEARCH)).status_code == 200
            assert (await two.get(SEARCH)).status_code == 200
        assert_problem(await one.get(SEARCH), 429)


async def test_redis_down_falls_back_to_counting_in_the_process(limited: Limited) -> None:
    async with limited(rate_limits={"search": 2}) as (app, client):
        app.state.rate_counter = RedisCounter("redis://127.0.0.1:1/0")
        for _ in range(2):
            assert (await client.get(SEARCH)).status_code == 200
        assert_problem(await client.get(SEARCH), 429)
        await app.state.rate_counter.close()


async def test_the_local_counter_starts_again_each_window() -> None:
    counter = LocalCounter()
    assert (await counter.hit("a", 1))[0] == 1
    assert (await counter.hit("a", 1))[0] == 2
    await asyncio.sleep(1.05)
    count, left = await counter.hit("a", 1)
    assert count == 1
    assert 0 < left <= 1


async def test_a_report_over_its_statement_timeout_is_503_and_others_go_on(
    limited: Limited, live: Live
) -> None:
    """A report blocked (here by a lock another session holds) is cancelled at the report
    class's timeout and answered 503 with Retry-After; a search, on other tables, is not."""
    # The connection's own timeout is a minute: only the class's can end the wait in time.
    async with limited(db_statement_timeout_ms=60_000, statement_timeouts_ms={"report": 300}) as (
        _,
        client,
    ):
        async with live.engine.connect() as blocker:
            await blocker.execute(text("LOCK TABLE placement IN ACCESS EXCLUSIVE MODE"))
            report = await asyncio.wait_for(
                client.get(
                    "/v1/stats/placements",
                    params={"from": "2026-01-01", "to": "2026-06-30", "group_by": "month"},
                    headers=live.actors.department,
                ),
                timeout=10,
            )
            search = await client.get(SEARCH)
            await blocker.rollback()
        body = assert_problem(report, 503)
        assert report.headers["retry-after"]
        assert "too long" in body["detail"]
        assert search.status_code == 200


async def test_a_write_waits_as_long_as_its_class_allows(limited: Limited, live: Live) -> None:
    async with limited(db_statement_timeout_ms=60_000, statement_timeouts_ms={"write": 300}) as (
        _,
        client,
    ):
        async with live.engine.connect() as blocker:
            await blocker.execute(text("LOCK TABLE vacancy IN ACCESS EXCLUSIVE MODE"))
            refused = await asyncio.wait_for(
                client.post("/v1/vacancies", json=vacancy_payload(), headers=live.actors.a),
                timeout=10,
            )
            await blocker.rollback()
        assert_problem(refused, 503)
        accepted = await client.post("/v1/vacancies", json=vacancy_payload(), headers=live.actors.a)
        assert accepted.status_code == 201


# The report requests of one dashboard load (app/web/static/dashboard.js, show()).
PROGRAMME = f"limits-{uuid.uuid4().hex[:8]}"


def dashboard_load(year: int, through: str) -> list[str]:
    """Its 7 report requests for a period; the end is today when the period reaches past it,
    and the choropleth is by district before the 2025 reorganisation."""
    end = min(f"{year}-{through}", time.strftime("%Y-%m-%d"))
    level = "district" if end < "2025-07-01" else "commune"
    period = f"from={year}-01-01&to={end}"
    return [
        f"/v1/stats/indicators?year={year}&through={year}-{through}",
        f"/v1/stats/placements?{period}&group_by=month,destination",
        f"/v1/stats/placements?from={year - 1}-01-01&to={year - 1}-{through}&group_by=month",
        f"/v1/stats/areas/attention?year={year}&through={year}-{through}",
        f"/v1/stats/placements?{period}&group_by=area&area_level={level}",
        f"/v1/stats/demand?{period}&group_by=occupation_group",
        f"/v1/stats/programmes/{PROGRAMME}?through={end}",
    ]


async def test_a_dashboard_changing_its_period_stays_under_the_report_limits_and_hammering_does_not(
    limited: Limited, live: Live
) -> None:
    """The default limits: 12 loads of the dashboard in a minute (84 reports: more than the 60
    a minute the limit once was) are all answered; a client that goes on asking is refused
    at 120 in the minute, in the error format."""
    department = live.actors.department
    async with limited() as (app, client):
        settings = app.state.settings
        assert settings.rate_limits["report"] == 120
        assert settings.rate_limits_sustained["report"] == 600
        body = {"name": "Limits", "period_from": "2024-01-01", "period_to": "2026-12-31",
                "areas": [], "targets": [{"indicator": "new_jobs", "target": 100}]}  # fmt: skip
        put = await client.put(f"/v1/programmes/{PROGRAMME}", json=body, headers=department)
        assert put.status_code == 201, put.text
        try:
            await fresh_window(settings.rate_limit_window_s, 40)
            loads = [(year, through) for year in (2024, 2025, 2026)
                     for through in ("03-31", "06-30", "09-30", "12-31")]  # fmt: skip
            answered = 0
            for year, through in loads:
                paths = dashboard_load(year, through)
                # As the page sends them: all at once.
                responses = await asyncio.gather(
                    *(client.get(path, headers=department) for path in paths)
                )
                for path, response in zip(paths, responses, strict=True):
                    assert response.status_code == 200, f"{path}: {response.text}"
                answered += len(paths)
            assert answered == 84
            # A client that goes on: the burst ends at 120 in the window.
            hammering = "/v1/stats/indicators?year=2026&through=2026-03-31"
            for _ in range(120 - answered):
                assert (await client.get(hammering, headers=department)).status_code == 200
            refused = await client.get(hammering, headers=department)
            problem = assert_problem(refused, 429)
            assert "120 report requests in 60 s" in problem["detail"]
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.headers["cache-control"] == "no-store"
            # Other classes go on; another key has its own count.
            assert (await client.get(SEARCH, headers=department)).status_code == 200
            assert (await client.get(hammering, headers=live.actors.admin)).status_code == 200
        finally:
            async with live.engine.begin() as connection:
                await connection.execute(
                    text("DELETE FROM audit_event WHERE entity_type = 'programme' "
                         "AND entity_id = :code"), {"code": PROGRAMME},
                )  # fmt: skip
                await connection.execute(
                    text("DELETE FROM programme WHERE code = :code"), {"code": PROGRAMME}
                )


async def test_bursts_within_the_sustained_rate_pass_and_a_steady_hammer_is_held_to_it(
    limited: Limited, live: Live
) -> None:
    """Bursts up to the window's limit, but no more than the sustained limit over the longer
    window: a client that keeps on is refused until that window ends."""
    department = live.actors.department
    report = "/v1/stats/indicators?year=2026&through=2026-06-30"
    async with limited(
        rate_limits={"report": 4},
        rate_limit_window_s=2,
        rate_limits_sustained={"report": 6},
        rate_limit_sustained_window_s=60,
    ) as (_, client):
        await fresh_window(60, 20)
        await fresh_window(2, 1.5)
        for _ in range(4):
            assert (await client.get(report, headers=department)).status_code == 200
        burst = assert_problem(await client.get(report, headers=department), 429)
        assert "4 report requests in 2 s" in burst["detail"]
        await fresh_window(2, 2)  # the next burst window
        for _ in range(2):  # 6 in the sustained window so far
            assert (await client.get(report, headers=department)).status_code == 200
        refused = await client.get(report, headers=department)
        sustained = assert_problem(refused, 429)
        assert "6 report requests in 60 s" in sustained["detail"]
        # Until the sustained window ends, not the burst window.
        assert 2 < int(refused.headers["retry-after"]) <= 60
        await fresh_window(2, 2)
        assert_problem(await client.get(report, headers=department), 429)
