"""The demo load's fast path (app/demo/bulk.py) leaves what the per-row triggers leave.

The same seed is loaded twice in one transaction (so now() is the same): by the per-row path
(`bulk_path=False`), then rolled back, then by the fast path into the same empty tables. The
documents, the site columns, the map cells, the words for spelling corrections, the expiry
queue, the map version and the schema (indexes, constraints, triggers) must be equal; the cells'
floating-point sums to 1e-12 of their value, as the fast path adds them in another order
(bulk.py).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.demo import loader
from app.demo.loader import load_demo

# Now (fixed for both loads): most sites are public, so the map cells have counts.
NOW = datetime.now(UTC)
SEED = 4242
N = 1500
BATCH = 400  # several batches: the map cells add up batch after batch

TABLES = ("employer", "vacancy", "vacancy_site", "site_cell", "search_word", "vacancy_due")

SCHEMA = {
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE tablename = ANY (CAST(:tables AS text[])) ORDER BY 1, 2""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated
        FROM pg_constraint WHERE conrelid::regclass::text = ANY (CAST(:tables AS text[]))
        ORDER BY 1, 2""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, tgenabled::text FROM pg_trigger
        WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY (CAST(:tables AS text[]))
        ORDER BY 1, 2""",
}

STATE = {
    "documents": """
        SELECT id, title_folded, title_doc::text, search_doc::text FROM vacancy ORDER BY id""",
    # Site ids: the sequence is not rolled back, so they are compared from the first.
    "sites": """
        SELECT id - min(id) OVER (), vacancy_id, positions, ST_AsEWKB(geom), approximate,
               area_id, commune_code, address, public, valid_through, employer_id,
               occupation_code, industry_code, employment_type, salary_monthly_min,
               salary_monthly_max, published_at
        FROM vacancy_site ORDER BY id""",
    # The sums apart (compared to rounding: SUMS). Cells at zero left behind by earlier tests
    # that committed (the `live` fixture) stay on the per-row path and go on the fast one.
    "cells": """
        SELECT zoom, cx, cy, sites, positions, group_sum FROM site_cell WHERE sites <> 0
        ORDER BY zoom, cx, cy""",
    "cell_sums": """
        SELECT sum_x, sum_y, sum_xx, sum_yy FROM site_cell WHERE sites <> 0
        ORDER BY zoom, cx, cy""",
    "words": "SELECT word FROM search_word ORDER BY word",
    "expiry_queue": """
        SELECT vacancy_id, valid_through, employer_id FROM vacancy_due ORDER BY vacancy_id""",
    "map_version": "SELECT version FROM map_version",
    "vacancies": "SELECT count(*) FROM vacancy",
}


async def _read(connection: AsyncConnection, queries: dict[str, str]) -> dict[str, Any]:
    return {
        name: (await connection.execute(text(sql), {"tables": list(TABLES)})).all()
        for name, sql in queries.items()
    }


# Documents and site columns as the triggers' functions compute them from the stored rows.
RECOMPUTED = {
    "documents": """
        SELECT count(*) FILTER (WHERE v.title_folded IS DISTINCT FROM jobmap_fold(v.title)
            OR v.title_doc IS DISTINCT FROM jobmap_terms(v.title || ' ' || coalesce(o.name, ''),
                                                         true)
            OR v.search_doc IS DISTINCT FROM jobmap_terms(
                concat_ws(' ', v.title, o.name, e.name, left(v.description, 4000)), false)),
            count(*)
        FROM vacancy AS v
        LEFT JOIN (SELECT code, coalesce(name_vi, '') || ' ' || coalesce(name_en, '') AS name
                   FROM occupation) AS o ON o.code = v.occupation_code
        LEFT JOIN employer AS e ON e.id = v.employer_id""",
    "sites": """
        SELECT count(*) FILTER (WHERE (s.public, s.valid_through, s.employer_id,
                s.occupation_code, s.industry_code, s.employment_type, s.salary_monthly_min,
                s.salary_monthly_max, s.published_at)
            IS DISTINCT FROM (v.status = 'open' AND e.verified_at IS NOT NULL
                AND v.valid_through > now(), v.valid_through, v.employer_id, v.occupation_code,
                v.industry_code, v.employment_type, v.salary_monthly_min, v.salary_monthly_max,
                v.published_at)),
            count(*)
        FROM vacancy_site AS s JOIN vacancy AS v ON v.id = s.vacancy_id
        JOIN employer AS e ON e.id = v.employer_id""",
}


async def test_fast_path_leaves_what_the_per_row_triggers_leave(
    connection: AsyncConnection,
) -> None:
    schema = await _read(connection, SCHEMA)

    savepoint = await connection.begin_nested()
    slow = await load_demo(connection, N, SEED, now=NOW, batch_size=BATCH, bulk_path=False)
    expected = await _read(connection, STATE)
    await savepoint.rollback()

    fast = await load_demo(connection, N, SEED, now=NOW, batch_size=BATCH)
    found = await _read(connection, STATE)

    assert not slow.bulk
    assert fast.bulk, "the tables were not empty: the fast path was not taken"
    assert (fast.vacancies, fast.sites) == (slow.vacancies, slow.sites)
    assert len(found["documents"]) == N
    assert len(found["cells"]) > 0
    assert 0 < len(found["expiry_queue"]) < N  # the open vacancies only
    for name in STATE.keys() - {"cell_sums"}:
        assert found[name] == expected[name], name
    assert_same_sums(found["cell_sums"], expected["cell_sums"])
    assert await _read(connection, SCHEMA) == schema


def assert_same_sums(found: list[Any], expected: list[Any]) -> None:
    """Equal to 1e-12 of their value: sums of the same numbers added in another order."""
    assert len(found) == len(expected)
    for row, (got, want) in enumerate(zip(found, expected, strict=True)):
        assert all(map(_close, got, want)), (row, got, want)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12)


async def test_a_load_on_top_takes_the_per_row_path_with_the_same_results(
    connection: AsyncConnection,
) -> None:
    first = await load_demo(connection, 300, SEED, now=NOW, batch_size=BATCH)
    second = await load_demo(connection, 300, SEED + 1, now=NOW, batch_size=BATCH)

    assert first.bulk
    assert not second.bulk
    for name, sql in RECOMPUTED.items():
        wrong, total = (await connection.execute(text(sql))).one()
        assert (wrong, total) == (0, total), name
    assert total >= 600


# Cells that differ from a count of the public sites (sums to 1e-12 of their value).
CELLS_OFF_A_RECOUNT = """
    WITH fresh AS (
        SELECT z AS zoom, jobmap_cell_x(geom, z) AS cx, jobmap_cell_y(geom, z) AS cy,
               count(*) AS sites, sum(positions) AS positions,
               sum(jobmap_mercator_x(geom)) AS sum_x, sum(jobmap_mercator_y(geom)) AS sum_y,
               sum(jobmap_mercator_x(geom) ^ 2) AS sum_xx,
               sum(jobmap_mercator_y(geom) ^ 2) AS sum_yy,
               sum(coalesce(ascii(occupation_code), 0)) AS group_sum
        FROM vacancy_site CROSS JOIN generate_series(8, 15) AS z WHERE public
        GROUP BY 1, 2, 3
    )
    SELECT count(*) FROM fresh FULL JOIN site_cell AS kept USING (zoom, cx, cy)
    WHERE fresh.sites IS DISTINCT FROM kept.sites
       OR fresh.positions IS DISTINCT FROM kept.positions
       OR fresh.group_sum IS DISTINCT FROM kept.group_sum
       OR NOT (abs(fresh.sum_x - kept.sum_x) <= 1e-12 * abs(fresh.sum_x)
               AND abs(fresh.sum_y - kept.sum_y) <= 1e-12 * abs(fresh.sum_y)
               AND abs(fresh.sum_xx - kept.sum_xx) <= 1e-12 * abs(fresh.sum_xx)
               AND abs(fresh.sum_yy - kept.sum_yy) <= 1e-12 * abs(fresh.sum_yy))
"""


async def test_the_fast_path_counts_every_cell_once_from_the_sites(
    connection: AsyncConnection,
) -> None:
    # A cell a site once left: the trigger keeps it, at zero. No site of the load falls in it.
    await connection.execute(text("INSERT INTO site_cell VALUES (15, 1, 1, 0, 0, 0, 0, 0, 0, 0)"))
    report = await load_demo(connection, 300, SEED, now=NOW, batch_size=BATCH)

    assert report.bulk
    assert await connection.scalar(text("SELECT count(*) FROM site_cell")) > 0
    assert await connection.scalar(text(CELLS_OFF_A_RECOUNT)) == 0
    # Only cells that count something: the empty one went with the table's old rows.
    assert await connection.scalar(text("SELECT count(*) FROM site_cell WHERE sites = 0")) == 0


async def test_a_failed_fast_load_rolls_back_to_the_indexes_and_triggers(
    connection: AsyncConnection,
) -> None:
    schema = await _read(connection, SCHEMA)
    # A vacancy whose occupation does not exist: the foreign key, added back at the end,
    # checks every row and refuses it.
    savepoint = await connection.begin_nested()
    await connection.execute(text("DELETE FROM occupation WHERE code = '93'"))
    with pytest.raises(IntegrityError, match="fk_vacancy_occupation_code_occupation"):
        await load_demo(connection, 200, SEED, now=NOW, batch_size=BATCH)
    await savepoint.rollback()

    assert await _read(connection, SCHEMA) == schema
    assert not await loader.has_vacancies(connection)
