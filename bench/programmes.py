"""Programme progress at 1,000,000 placements (issue 20; bench/README.md, "Programme
progress"): `GET /v1/stats/programmes/{code}` beside the one statement that counts its people
(app/programmes/repository.py, people_by_year) run alone, the floor the endpoint can approach.

On the placement bench's database (bench/placements.sh or bench/placements_load.sql loads it).
It starts the service itself (2 uvicorn workers, rate limits off), makes a department key,
puts two programmes (the old district of Vũng Liêm followed by its communes of 2025, and the
whole province, both 2024-2026), and for each one: the first request of each worker (the
projection's past years counted), the sequential latency of the endpoint and of the statement
interleaved, then CONNS concurrent clients for DURATION seconds of each in turn (after a warm-up),
the statement on its own asyncpg pool with the service's settings (jit off, no parallel
workers). No wrk on this machine: the clients are httpx in one process, which is far from
being the limit at these rates. The answers are checked against the statement's counts.

    APP_DATABASE_URL=postgresql+asyncpg://jobmap:jobmap@127.0.0.1:5439/progexp_bench \\
      PYTHONPATH=$PWD .venv/bin/python bench/programmes.py   # CONNS=16 DURATION=20 WARMUP=5 ONLY=
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ["APP_DATABASE_URL"]
PG_URL = URL.replace("postgresql+asyncpg://", "postgresql://")
CONNS = int(os.environ.get("CONNS", "16"))
DURATION = float(os.environ.get("DURATION", "20"))
WARMUP = float(os.environ.get("WARMUP", "5"))
SEQ = int(os.environ.get("SEQ", "20"))
PORT = int(os.environ.get("PORT", "8031"))
BASE = f"http://127.0.0.1:{PORT}"
STAMP = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
OUT = Path(os.environ.get("OUT", ROOT / "bench" / "results" / f"programmes_{STAMP}"))
START, THROUGH = "2024-01-01", "2026-06-30"
TARGETS = [
    {"indicator": "new_jobs", "target": 300000},
    {"indicator": "new_jobs", "year": 2026, "target": 100000},
    {"indicator": "sent_abroad", "target": 20000},
]
PROGRAMMES: dict[str, dict[str, Any]] = {
    "bench-vung-liem": {"areas": ["859"]},  # 7 + 14 communes of 2025 and before
    "bench-province": {"areas": []},
}
# ONLY=bench-vung-liem: that programme alone (bench/programmes_index.sh: the district).
if os.environ.get("ONLY"):
    PROGRAMMES = {code: PROGRAMMES[code] for code in os.environ["ONLY"].split(",")}
# app/programmes/repository.py: member_communes (a district's communes in its time and the
# communes that followed it or them), then people_by_year, as the service sends them.
COMMUNES = """
WITH unit AS (SELECT * FROM area WHERE code = $1 AND level = 'district'),
own AS (
    SELECT a.id FROM area AS a JOIN unit AS u ON a.level = 'commune'
    WHERE a.id = u.id OR (a.parent_code = u.code AND a.validity && u.validity)
)
SELECT array_agg(id ORDER BY id) FROM (
    SELECT id FROM own
    UNION
    SELECT successor_id FROM area_succession
    WHERE predecessor_id IN (SELECT id FROM own UNION SELECT id FROM unit)
) AS members
"""
PEOPLE = """
SELECT CAST(date_part('year', placed_on) AS INTEGER) AS year,
       count(DISTINCT person_hash),
       count(DISTINCT person_hash) FILTER (WHERE destination = 'abroad')
FROM placement
WHERE voided_at IS NULL AND placed_on BETWEEN $1 AND $2 {where}
GROUP BY 1
"""
# The service plans the district's statement for its values each time (SET LOCAL
# plan_cache_mode in repository.people_by_year): the statement alone is planned so too.
SETTINGS = {
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "plan_cache_mode": "force_custom_plan",
}


def key() -> str:
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--role", "department",
         "--label", "bench/programmes.py"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return next(line.split()[1] for line in made.stdout.splitlines() if line.startswith("key:"))


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "APP_LOG_LEVEL": "WARNING", **extra}


@contextlib.asynccontextmanager
async def service() -> AsyncIterator[None]:
    env = _env(
        APP_RATE_LIMITS_ENABLED="false",
        APP_EXPIRY_SWEEP_INTERVAL_S="0",
        APP_MAP_EXPIRY_INTERVAL_S="0",
    )
    # Our own fixed command line; started once, before anything is measured.
    process = subprocess.Popen(  # noqa: S603, ASYNC220
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
         "--workers", "2", "--port", str(PORT), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(120):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{BASE}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.5)
            else:
                raise SystemExit("the service did not start")
        yield
    finally:
        process.terminate()
        process.wait()


def ms(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def load(call: Callable[[], Awaitable[None]]) -> tuple[float, float, float, int]:
    """CONNS clients calling for WARMUP, then DURATION seconds: req/s, p50 and p99 ms."""

    async def client(until: float, samples: list[float]) -> None:
        while (now := time.perf_counter()) < until:
            await call()
            samples.append(time.perf_counter() - now)

    warm: list[float] = []
    await asyncio.gather(*(client(time.perf_counter() + WARMUP, warm) for _ in range(CONNS)))
    samples: list[float] = []
    began = time.perf_counter()
    await asyncio.gather(*(client(began + DURATION, samples) for _ in range(CONNS)))
    elapsed = time.perf_counter() - began
    return len(samples) / elapsed, ms(samples, 0.5), ms(samples, 0.99), len(samples)


async def scenario(
    code: str, http: httpx.AsyncClient, pool: asyncpg.Pool, communes: list[int] | None
) -> dict[str, Any]:
    path = f"/v1/stats/programmes/{code}?through={THROUGH}"
    where = "" if communes is None else "AND residence_area_id = ANY($3::bigint[])"
    statement = PEOPLE.format(where=where)
    args: list[Any] = [date.fromisoformat(START), date.fromisoformat(THROUGH)] + (
        [] if communes is None else [communes]
    )

    async def endpoint() -> dict[str, Any]:
        response = await http.get(path)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def query() -> list[Any]:
        async with pool.acquire() as connection:
            return list(await connection.fetch(statement, *args))

    firsts = []
    for _ in range(2):  # each worker's first: past years counted for the projection
        began = time.perf_counter()
        body = await endpoint()
        firsts.append(1000 * (time.perf_counter() - began))
    rows = await query()
    whole = next(t for t in body["targets"] if t["indicator"] == "new_jobs" and t["year"] is None)
    assert [y["actual"] for y in whole["by_year"]] == [
        r[1] for r in sorted(rows, key=lambda r: r[0])
    ], (whole, rows)
    seq: dict[str, list[float]] = {"endpoint": [], "statement": []}
    for _ in range(SEQ):
        for name, call in (("endpoint", endpoint), ("statement", query)):
            began = time.perf_counter()
            await call()
            seq[name].append(time.perf_counter() - began)

    async def endpoint_call() -> None:
        await endpoint()

    async def query_call() -> None:
        await query()

    return {
        "code": code,
        "people": whole["actual"],
        "projected": whole["projected"],
        "first_ms": firsts,
        "seq": {name: (ms(s, 0.5), ms(s, 0.99)) for name, s in seq.items()},
        "load": {"endpoint": await load(endpoint_call), "statement": await load(query_call)},
    }


async def main() -> tuple[list[str], list[dict[str, Any]]]:
    before = _machine()
    auth = {"Authorization": f"Bearer {key()}"}
    pool = await asyncpg.create_pool(
        PG_URL, min_size=CONNS, max_size=CONNS, server_settings=SETTINGS
    )
    results = []
    async with (
        service(),
        httpx.AsyncClient(
            base_url=BASE,
            headers=auth,
            timeout=120,
            limits=httpx.Limits(max_connections=CONNS),
        ) as http,
    ):
        for code, extra in PROGRAMMES.items():
            body = {
                "name": f"Bench {code}",
                "period_from": START,
                "period_to": "2026-12-31",
                "targets": TARGETS,
                **extra,
            }
            put = await http.put(f"/v1/programmes/{code}", json=body)
            assert put.status_code in (200, 201), put.text
            communes = None
            if extra["areas"]:
                communes = list(await pool.fetchval(COMMUNES, extra["areas"][0]))
            results.append(await scenario(code, http, pool, communes))
    await pool.close()
    return before, results


def report(before: list[str], results: list[dict[str, Any]]) -> None:
    after = _machine()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "machine.txt").write_text("\n".join([*before, "after:", *after[2:]]) + "\n")
    (OUT / "table.md").write_text("\n".join(_table(results)) + "\n")
    print("\n".join([*before, *_table(results)]))
    print(f"written to {OUT}")


def _table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"through {THROUGH}; {CONNS} clients, {DURATION:g} s after {WARMUP:g} s of warm-up",
        "| programme | people | first ms (worker 1, 2) | seq p50/p99 ms: endpoint | "
        "statement | load req/s: endpoint | statement | endpoint ÷ statement | "
        "load p50/p99 ms: endpoint | statement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        (e_rps, e50, e99, _), (s_rps, s50, s99, _) = r["load"]["endpoint"], r["load"]["statement"]
        seq_e, seq_s = r["seq"]["endpoint"], r["seq"]["statement"]
        lines.append(
            f"| {r['code']} | {r['people']:,} | {r['first_ms'][0]:.0f}, {r['first_ms'][1]:.0f} "
            f"| {seq_e[0]:.1f} / {seq_e[1]:.1f} | {seq_s[0]:.1f} / {seq_s[1]:.1f} "
            f"| {e_rps:.1f} | {s_rps:.1f} | {100 * e_rps / s_rps:.0f}% "
            f"| {e50:.0f} / {e99:.0f} | {s50:.0f} / {s99:.0f} |"
        )
    return lines


def _machine() -> list[str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, as the shell scripts)
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    return [f"commit: {commit or '?'}", f"nproc: {os.cpu_count()}",
            f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"]  # fmt: skip


if __name__ == "__main__":
    report(*asyncio.run(main()))
