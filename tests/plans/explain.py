"""What the service sends for a request, and how PostgreSQL plans it once prepared and reused.

The service's statements are prepared (asyncpg caches them per connection), so after five
executions PostgreSQL may switch to a generic plan, made without the parameters' values. That
plan is the one production runs; EXPLAIN of the SQL with its values shows another."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, make_url
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from app.config import Settings
from app.main import create_app
from app.search.fast_path import plain_nearest
from app.search.pages import kept_nearest_page
from app.tiles.grid import Tile
from app.tiles.repository import plain_tile
from app.vacancies.repository import expire_due_statement

Plan = dict[str, Any]  # one node of EXPLAIN (FORMAT JSON)
GIST_INDEXES = frozenset({"ix_vacancy_site_public_geom", "ix_vacancy_site_public_geog"})
_SETTING = re.compile(r"^\s*(SET\b|SELECT set_config\()", re.IGNORECASE)


@dataclass(frozen=True)
class Sent:
    """A statement as sent: positional parameters $1..$n and their values."""

    sql: str
    args: tuple[Any, ...]

    @property
    def is_setting(self) -> bool:
        """SET LOCAL and set_config(): replayed before the statements that follow them."""
        return bool(_SETTING.match(self.sql))


def settings(url: str) -> Settings:
    """The test settings: no background work, no rate limits."""
    return Settings(
        environment="test",
        database_url=url,
        expiry_sweep_interval_s=0,
        map_expiry_interval_s=0,
        rate_limits_enabled=False,
    )


async def capture(url: str, path: str, headers: dict[str, str] | None = None) -> list[Sent]:
    """Every statement the service's engine sends while answering GET `path` (200 expected).
    The search's fast path is off, so the route answers: the fast path sends the same nearest
    statement on its own connection (fast_path_statement, checked in test_plans.py)."""
    app = create_app(settings(url).model_copy(update={"search_fast_path": False}))
    sent: list[Sent] = []

    def record(*args: Any) -> None:
        # (connection, cursor, statement, parameters, context, executemany)
        statement, parameters = args[2], args[3]
        sent.append(Sent(statement, tuple(parameters or ())))

    async with app.router.lifespan_context(app):
        engine = app.state.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.get(path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
    return sent


def _as_map_connection_sends(statement: Any, values: dict[str, Any]) -> Sent:
    """A statement as MapConnection (the fast paths, raw asyncpg) compiles and sends it."""
    compiled = statement.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
    arguments = compiled.construct_params(values) or {}
    return Sent(str(compiled), tuple(arguments[name] for name in compiled.positiontup or ()))


def tile_statement(tile: Tile, sites_from_zoom: int = 16) -> Sent:
    """A plain tile's statement as MapConnection (the tile fast path) sends it."""
    plain = plain_tile(tile, sites_from_zoom)
    assert plain is not None, f"{tile} is not drawn from the kept cells"
    return _as_map_connection_sends(*plain)


def sweep_statement(limit: int) -> Sent:
    """A batch of the expiry sweep's, as asyncpg sends it (the sweep's session does)."""
    return _as_map_connection_sends(expire_due_statement(limit), {})


def fast_path_statement(path: str) -> Sent:
    """The plain nearest search's page statement as the search fast path sends it for GET
    `path`: the statement the route kept (so the route must have answered such a request)."""
    taken = plain_nearest(urlsplit(path).query.encode())
    assert taken is not None, f"{path} is not a plain nearest search"
    params, limit = taken
    kept = kept_nearest_page(params, datetime.now(UTC).date(), limit + 1)  # (unused near)
    assert kept is not None, "the route kept no nearest statement for the fast path"
    return _as_map_connection_sends(*kept)


def pick(sent: Sequence[Sent], test: Callable[[str], bool]) -> tuple[list[Sent], Sent]:
    """The first statement whose SQL passes `test`, with the settings sent before it."""
    found = [i for i, s in enumerate(sent) if not s.is_setting and test(s.sql)]
    listing = "\n".join(s.sql[:120] for s in sent)
    assert found, f"no such statement among those sent:\n{listing}"
    before = sent[: found[0]]
    return [s for s in before if s.is_setting], sent[found[0]]


async def connect(url: str) -> asyncpg.Connection:
    """A raw connection with the service's server settings (app/db.py, MapConnection)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return await asyncpg.connect(
        dsn,
        server_settings={
            "jit": "off",
            "max_parallel_workers_per_gather": "0",
            "timezone": "UTC",
            # Not the service's 5 s: the backlog's UPDATE and the repeated runs take longer.
            "statement_timeout": "120000",
        },
    )


def sql_literal(value: Any) -> str:
    """A value as an SQL literal for EXECUTE (typed by the prepared statement's parameter)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return _quoted(value.isoformat())
    if isinstance(value, timedelta):
        return _quoted(f"{value.total_seconds()} seconds")
    if isinstance(value, list | tuple):
        return _quoted("{" + ",".join(_array_item(v) for v in value) + "}")
    if isinstance(value, str | UUID):
        return _quoted(str(value))
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _array_item(value: Any) -> str:
    if value is None:
        return "NULL"
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class DbState:
    """A connection inside a transaction (rolled back afterwards) in one state of the map."""

    name: str
    connection: asyncpg.Connection


@dataclass(frozen=True)
class Explained:
    first: Plan  # the first execution's (custom) plan
    reused: Plan  # the plan after five executions: generic when PostgreSQL switched to it
    generic: bool  # whether it did


async def explain_reused(
    connection: asyncpg.Connection, statement: Sent, setup: Sequence[Sent] = ()
) -> Explained:
    """Prepare `statement`, run it five times, then EXPLAIN the sixth execution. In a
    transaction (a savepoint inside the caller's) rolled back afterwards, after the request's
    own SET LOCALs."""
    arguments = ", ".join(sql_literal(a) for a in statement.args)
    call = f"({arguments})" if statement.args else ""
    transaction = connection.transaction()
    await transaction.start()
    try:
        for setting in setup:
            await connection.execute(setting.sql, *setting.args)
        await connection.execute(f"PREPARE plans_first AS {statement.sql}")
        first = await _explain(connection, f"EXECUTE plans_first{call}")
        await connection.execute("DEALLOCATE plans_first")
        await connection.execute(f"PREPARE plans_reused AS {statement.sql}")
        for _ in range(5):
            await connection.execute(f"EXECUTE plans_reused{call}")
        reused = await _explain(connection, f"EXECUTE plans_reused{call}")
        generic = await connection.fetchval(
            "SELECT generic_plans > 0 FROM pg_prepared_statements WHERE name = 'plans_reused'"
        )
        await connection.execute("DEALLOCATE plans_reused")
    finally:
        await transaction.rollback()
    return Explained(first, reused, bool(generic))


async def _explain(connection: asyncpg.Connection, execute: str) -> Plan:
    document = json.loads(await connection.fetchval(f"EXPLAIN (FORMAT JSON) {execute}"))
    plan: Plan = document[0]["Plan"]
    return plan


# The plan walker.


def nodes(plan: Plan) -> Iterator[Plan]:
    """Every node, depth first."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def find(
    plan: Plan,
    node_type: str | None = None,
    *,
    index: str | None = None,
    relation: str | None = None,
    ordered: bool | None = None,
) -> list[Plan]:
    """Nodes by type, index, relation and whether they have "Order By" (a KNN index scan)."""
    return [
        node
        for node in nodes(plan)
        if (node_type is None or node["Node Type"] == node_type)
        and (index is None or node.get("Index Name") == index)
        and (relation is None or node.get("Relation Name") == relation)
        and (ordered is None or ("Order By" in node) == ordered)
    ]


_JOINS = frozenset({"Nested Loop", "Hash Join", "Merge Join"})


def reads(plan: Plan, relation: str) -> list[tuple[str, frozenset[str]]]:
    """How `relation` is read: each scan's node type and the indexes it uses (a bitmap heap
    scan's are those of the bitmap index scans under it; a seq scan uses none)."""
    return [
        (node["Node Type"], frozenset(n["Index Name"] for n in nodes(node) if "Index Name" in n))
        for node in find(plan, relation=relation)
    ]


def below_without_join(node: Plan) -> Iterator[Plan]:
    """The nodes under `node` down to a join or a Limit: what it takes as input before rows
    are joined to others or cut."""
    for child in node.get("Plans", ()):
        yield child
        if child["Node Type"] not in _JOINS and child["Node Type"] != "Limit":
            yield from below_without_join(child)


def sorts_of_gist_reads(plan: Plan) -> list[Plan]:
    """Sorts of sites read through a GiST index before the rows are cut: the KNN walk missed
    (a sort of the few rows left above a Limit or a join is fine)."""
    return [
        node
        for node in nodes(plan)
        if node["Node Type"] in ("Sort", "Incremental Sort")
        and any(n.get("Index Name") in GIST_INDEXES for n in below_without_join(node))
    ]


def shape(plan: Plan, depth: int = 0) -> str:
    """The plan as indented lines: node type, index, relation, KNN order."""
    parts = [plan["Node Type"]]
    if "Subplan Name" in plan:
        parts.insert(0, f"[{plan['Subplan Name']}]")
    if "Index Name" in plan:
        parts.append(f"using {plan['Index Name']}")
    if "Relation Name" in plan:
        parts.append(f"on {plan['Relation Name']}")
    if "Order By" in plan:
        parts.append("(KNN Order By)")
    lines = ["  " * depth + " ".join(parts)]
    lines += [shape(child, depth + 1) for child in plan.get("Plans", ())]
    return "\n".join(lines)
