"""A real Prometheus (Debian's `prometheus`, installed by scripts/test-tools.sh) scrapes the
service started by `jobmap serve` with 2 workers: the target is up, and the request counter
it reads is the sum over both workers; a `jobmap` command run beside the service adds its
task series through the same multiprocess folder."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.metrics.test_dashboard import dashboard, queries
from tests.servers import free_port, running_server, seeded_database

SCRAPE = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: jobmap
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""
AREA_ROUTE = "/v1/areas/{code}"


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        pytest.fail(
            "Debian's `prometheus` is not installed: run scripts/test-tools.sh as root "
            "(`make test` does), or `sudo apt-get install prometheus`."
        )
    return found


@contextlib.asynccontextmanager
async def running_prometheus(scrape_port: int, folder: Path) -> AsyncIterator[str]:
    """Prometheus scraping 127.0.0.1:`scrape_port` every second, storing in `folder`;
    yields the base URL of its HTTP API once it is ready."""
    config = folder / "prometheus.yml"
    config.write_text(SCRAPE.format(port=scrape_port), encoding="utf-8")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        prometheus_binary(),
        f"--config.file={config}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{base}/-/ready")).status_code == 200:
                        break
                assert process.returncode is None, "prometheus exited"
                await asyncio.sleep(0.1)
            else:
                pytest.fail("prometheus was not ready in 30 s")
        yield base
    finally:
        process.terminate()
        await process.wait()


async def query(client: httpx.AsyncClient, prometheus: str, promql: str) -> float | None:
    """The one value of an instant query through Prometheus's HTTP API (None: no series)."""
    response = await client.get(f"{prometheus}/api/v1/query", params={"query": promql})
    response.raise_for_status()
    body = response.json()
    assert body["status"] == "success", body
    result = body["data"]["result"]
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else None


async def eventually(
    client: httpx.AsyncClient, prometheus: str, promql: str, expected: float
) -> None:
    """Wait (bounded, for the next scrapes) until the query answers `expected`."""
    seen = None
    for _ in range(300):
        seen = await query(client, prometheus, promql)
        if seen == expected:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{promql} = {seen}, expected {expected}")


async def sweep_beside_the_service(database: str, folder: Path) -> None:
    """`jobmap vacancies sweep` as cron runs it, with the service's multiprocess folder."""
    env = {**os.environ, "APP_DATABASE_URL": database, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "vacancies", "sweep",
        env=env, cwd=PROJECT_ROOT, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert await process.wait() == 0


async def test_prometheus_scrapes_two_workers_and_adds_them_up(tmp_path: Path) -> None:
    prometheus_binary()  # fails first, and clearly, when it is missing
    metrics_port = free_port()
    async with (
        seeded_database("_prometheus") as (database, _),
        running_server(
            database,
            workers=2,
            jobmap_serve=True,
            metrics_port=str(metrics_port),
            rate_limits_enabled="false",
        ) as base,
        running_prometheus(metrics_port, tmp_path) as prometheus,
        httpx.AsyncClient() as client,
    ):
        await eventually(client, prometheus, 'up{job="jobmap"}', 1)

        # A connection per request, so that both workers take some of them.
        count = 40
        for _ in range(count):
            async with httpx.AsyncClient() as one_off:
                assert (await one_off.get(f"{base}/v1/areas/86")).status_code == 200
        selector = f'jobmap_http_requests_total{{route="{AREA_ROUTE}",status="200"}}'
        requests = f"sum({selector})"
        await eventually(client, prometheus, requests, count)
        for _ in range(count):
            async with httpx.AsyncClient() as one_off:
                assert (await one_off.get(f"{base}/v1/areas/86")).status_code == 200
        await eventually(client, prometheus, requests, 2 * count)
        await eventually(client, prometheus, f"sum(increase({selector}[1m])) > bool 0", 1)

        # Whichever worker answers a scrape, it answers for both.
        totals = set()
        for _ in range(10):
            async with httpx.AsyncClient() as scraper:
                text = (await scraper.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
            line = next(
                line
                for line in text.splitlines()
                if line.startswith("jobmap_http_requests_total") and AREA_ROUTE in line
            )
            totals.add(float(line.rsplit(" ", 1)[1]))
        assert totals == {2 * count}

        # `jobmap serve` keeps the workers' values in a folder of its port's.
        port = int(base.rsplit(":", 1)[1])
        folder = Path(tempfile.gettempdir()) / f"jobmap-metrics-{port}"
        assert len(list(folder.glob("counter_*.db"))) >= 2
        await sweep_beside_the_service(database, folder)
        swept = 'jobmap_task_duration_seconds_count{task="expiry_sweep"}'
        await eventually(client, prometheus, swept, 1)

        # The dashboard's queries are PromQL this Prometheus runs.
        for promql in queries(dashboard()):
            plain = promql.replace("$__rate_interval", "1m")
            response = await client.get(f"{prometheus}/api/v1/query", params={"query": plain})
            assert response.json()["status"] == "success", (promql, response.text)
    assert not folder.exists(), "jobmap serve removes the folder it made"
