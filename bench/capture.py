"""Capture the SQL each benchmarked endpoint runs, then write
  bench/plans/<scenario>.txt     EXPLAIN (ANALYZE, BUFFERS) of every statement, on the loaded data
  bench/pgbench/<scenario>.sql   the same statements as a pgbench script (point/box as variables)

The statements are captured from the calls the search service makes (app/search/service.py:
`page` for /v1/vacancies without count=exact, `geojson` for /v1/vacancies.geojson), so they
are exactly what SQLAlchemy sends through asyncpg, with the session settings of app/db.py.

Usage: APP_DATABASE_URL=postgresql+asyncpg://.../jobmap_bench .venv/bin/python bench/capture.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pathlib
import re
import sys
from decimal import Decimal
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.search import geojson, pages, repository
from app.search.params import search_params

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_points import A1, A2, SETS  # noqa: E402

# BENCH_POINTS_SET=points_dense.txt: the centres of issue 22 (scripts get the suffix _dense).
POINTS_SET = os.environ.get("BENCH_POINTS_SET", "points.txt")
SET_SUFFIX = (
    "" if POINTS_SET == "points.txt" else "_" + POINTS_SET.removesuffix(".txt").split("_")[-1]
)
WEST, SOUTH, WIDTH, HEIGHT = SETS[POINTS_SET]
# One example centre for the plans (point 1 of the set is used by pgbench's formula too).
POINTS = [
    tuple(map(float, line.split())) for line in (HERE / POINTS_SET).read_text().split("\n") if line
]
EXAMPLE = POINTS[0]
HEADER = (
    "\\set i random(1, 200)\n"
    f"\\set lon {WEST} + {WIDTH} * (0.5 + :i * {A1} - int(:i * {A1}))\n"
    f"\\set lat {SOUTH} + {HEIGHT} * (0.5 + :i * {A2} - int(:i * {A2}))\n"
)
# The ceilings: the minimal SQL that answers each question (not our statements), through
# pgbench with prepared statements. Nearest: the public unexpired sites within 10 km by
# geography KNN, LIMIT 20 (issue 22).
_NEAR = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography"
MINIMAL = {
    "nearest": (
        "SELECT id FROM vacancy_site WHERE public AND valid_through > now() "
        f"AND ST_DWithin(geom::geography, {_NEAR}, 10000) "
        f"ORDER BY geom::geography <-> {_NEAR} LIMIT 20;\n"
    ),
    "nearest_occ7": (
        "SELECT id FROM vacancy_site WHERE public AND valid_through > now() "
        f"AND occupation_code LIKE '7%' AND ST_DWithin(geom::geography, {_NEAR}, 10000) "
        f"ORDER BY geom::geography <-> {_NEAR} LIMIT 20;\n"
    ),
}
BOX_HEADER = (
    "\\set minlon :lon - {h}\n\\set minlat :lat - {h}\n"
    "\\set maxlon :lon + {h}\n\\set maxlat :lat + {h}\n"
)

DEFAULTS: dict[str, Any] = {
    "near": None,
    "radius_m": 10000,
    "bbox": None,
    "area": None,
    "q": None,
    "occupation": None,
    "industry": None,
    "employment_type": None,
    "salary_min": None,
    "include_unspecified": False,
    "posted_within_days": None,
    "employer_id": None,
    "sort": None,
}


def box(lon: float, lat: float, half: float) -> str:
    return f"{lon - half:.6f},{lat - half:.6f},{lon + half:.6f},{lat + half:.6f}"


def scenarios(lon: float, lat: float) -> list[tuple[str, str, dict[str, Any], int, float | None]]:
    """(name, endpoint kind, search_params kwargs, limit, bbox half side)"""
    near = f"{lon:.6f},{lat:.6f}"
    return [
        ("nearest", "search", {"near": near}, 20, None),
        ("nearest_occ7", "search", {"near": near, "occupation": ["7"]}, 20, None),
        ("text_ke_toan", "search", {"q": "ke toan"}, 20, None),
        ("text_tai_xe", "search", {"q": "tai xe"}, 20, None),
        ("viewport_005", "geojson", {"bbox": box(lon, lat, 0.025)}, 100, 0.025),
        ("viewport_03", "geojson", {"bbox": box(lon, lat, 0.15)}, 500, 0.15),
    ]


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.timedelta)):
        return "'" + (str(value) if isinstance(value, dt.timedelta) else value.isoformat()) + "'"
    return "'" + str(value).replace("'", "''") + "'"


def to_pgbench(sql: str, params: tuple[Any, ...], names: dict[float, str]) -> str:
    """$n -> :variable for the point/box numbers, literal for everything else."""

    def sub(match: re.Match[str]) -> str:
        value = params[int(match.group(1)) - 1]
        if isinstance(value, float) and not isinstance(value, bool):
            for number, name in names.items():
                if abs(value - number) < 1e-9:
                    return ":" + name
        return literal(value)

    body = re.sub(r"\$(\d+)", sub, sql)
    return " ".join(body.split()) + ";\n"


async def main() -> None:
    settings = get_settings()
    engine = create_engine(settings)
    captured: list[tuple[str, tuple[Any, ...]]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        captured.append((statement, tuple(parameters or ())))

    sessions = create_sessionmaker(engine)
    today = dt.datetime.now(dt.UTC).date()
    # BENCH_CENTRE="lon,lat" plans another centre (a dense one); its plans get BENCH_SUFFIX and
    # the pgbench scripts are only written for the default centre.
    centre = os.environ.get("BENCH_CENTRE")
    suffix = os.environ.get("BENCH_SUFFIX", "")
    lon, lat = map(float, centre.split(",")) if centre else EXAMPLE
    (HERE / "plans").mkdir(exist_ok=True)
    (HERE / "pgbench").mkdir(exist_ok=True)
    for name, kind, kwargs, limit, half in scenarios(lon, lat):
        params = await search_params(**{**DEFAULTS, **kwargs})
        captured.clear()
        async with sessions() as session:
            if kind == "search":  # as app/search/router.py:search_vacancies, first page
                built = await repository.build(session, params, today)
                rows = await pages.page(session, params, built, limit=limit + 1, after=None)
                # The total only with count=exact (not in these URLs).
                summary = f"rows={len(rows)}"
            else:  # as search_vacancies_geojson
                body = await geojson.feature_collection(session, params, today, limit=limit)
                summary = f"bytes={len(body)} head={body[:120]!r}"
            statements = list(captured)
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            assert raw is not None
            plans = [f"-- scenario {name}: {kind} {kwargs} limit={limit}\n-- result: {summary}\n"]
            for sql, args in statements:
                if sql.lstrip().upper().startswith("SET"):  # a setting for the transaction
                    await raw.execute(sql)
                    plans.append("\n-- setting:\n" + sql + "\n")
                    continue
                await raw.fetch(sql, *args)  # warm (as a running service would be)
                plan = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS, VERBOSE OFF) " + sql, *args)
                plans.append("\n-- statement:\n" + sql + "\n-- parameters: " + repr(args) + "\n")
                plans.append("\n".join(r[0] for r in plan) + "\n")
        (HERE / "plans" / f"{name}{suffix}.txt").write_text("".join(plans))
        if centre:
            print(name, summary, f"{len(statements)} statements")
            continue
        names: dict[float, str] = {lon: "lon", lat: "lat"}
        header = HEADER
        if half is not None:
            names = {
                lon - half: "minlon",
                lat - half: "minlat",
                lon + half: "maxlon",
                lat + half: "maxlat",
                **names,
            }
            header += BOX_HEADER.format(h=half)
        if kind == "search" and "near" not in kwargs:
            header = ""
        # Only the point/box numbers are rounded like the URL (6 decimals): map those values.
        script = header + "".join(
            to_pgbench(sql, args, _rounded(names)) for sql, args in statements
        )
        (HERE / "pgbench" / f"{name}{SET_SUFFIX}.sql").write_text(script)
        if name in MINIMAL:
            (HERE / "pgbench" / f"minimal_{name}{SET_SUFFIX}.sql").write_text(
                HEADER + MINIMAL[name]
            )
        print(name, summary, f"{len(statements)} statements")
    await engine.dispose()


def _rounded(names: dict[float, str]) -> dict[float, str]:
    return {float(f"{k:.6f}"): v for k, v in names.items()}


if __name__ == "__main__":
    asyncio.run(main())
