"""Database functions and triggers are those of migrations/sql/: one file defines each, a
database at head has exactly the files' definitions, and a file that changed was applied again
by a migration."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.migrations_info import alembic_config
from migrations import sqlfiles
from tests.conftest import ALEMBIC_INI

# Written before migrations/sql/ existed: their inline definitions are history.
HISTORICAL = frozenset(f"{number:04d}" for number in range(1, 13))

_FUNCTION = re.compile(r"CREATE\s+OR\s+REPLACE\s+FUNCTION\s+(\w+)\s*\(", re.IGNORECASE)
_TRIGGER = re.compile(
    r"CREATE\s+OR\s+REPLACE\s+TRIGGER\s+(\w+)\s.*?\bON\s+(\w+)", re.IGNORECASE | re.DOTALL
)
_INLINE = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|TRIGGER)\b", re.IGNORECASE)

# Ours: named jobmap_*, and whatever function a trigger on our tables runs.
_OUR_FUNCTIONS = text(
    "SELECT p.oid::regprocedure::text, p.proname, pg_get_functiondef(p.oid) "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE (n.nspname = 'public' AND p.proname LIKE 'jobmap\\_%') "
    "OR p.oid IN (SELECT tgfoid FROM pg_trigger WHERE NOT tgisinternal)"
)
_OUR_TRIGGERS = text(
    "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE NOT t.tgisinternal AND n.nspname = 'public'"
)


def _statements() -> list[tuple[str, str]]:
    return [
        (name, each)
        for name in sqlfiles.names()
        for each in sqlfiles.statements(sqlfiles.current(name))
    ]


def _defined_functions() -> Counter[str]:
    """How many times the files define each function (by name)."""
    return Counter(
        match.group(1)
        for name, statement in _statements()
        if name != sqlfiles.TRIGGERS and (match := _FUNCTION.match(statement))
    )


def _defined_triggers() -> Counter[str]:
    """How many times triggers.sql defines each trigger (as table.trigger)."""
    return Counter(
        f"{match.group(2)}.{match.group(1)}"
        for each in sqlfiles.statements(sqlfiles.current(sqlfiles.TRIGGERS))
        if (match := _TRIGGER.match(each))
    )


async def unfiled(connection: AsyncConnection) -> list[str]:
    """Functions and triggers in the database that no file defines, or that several do."""
    functions = (await connection.execute(_OUR_FUNCTIONS)).all()
    triggers = (await connection.execute(_OUR_TRIGGERS)).all()
    defined_functions, defined_triggers = _defined_functions(), _defined_triggers()
    names = Counter(row[1] for row in functions)
    problems = [f"function {name} is overloaded" for name, count in names.items() if count > 1]
    problems += [
        f"function {name}: {defined_functions[name]} files define it"
        for name in names
        if defined_functions[name] != 1
    ]
    problems += [
        f"trigger {relname}.{tgname}: triggers.sql defines it {count} times"
        for relname, tgname, _ in triggers
        if (count := defined_triggers[f"{relname}.{tgname}"]) != 1
    ]
    return sorted(problems)


async def _definitions(connection: AsyncConnection) -> dict[str, str]:
    functions = (await connection.execute(_OUR_FUNCTIONS)).all()
    triggers = (await connection.execute(_OUR_TRIGGERS)).all()
    return {f"function {signature}": definition for signature, _, definition in functions} | {
        f"trigger {relname}.{tgname}": definition for relname, tgname, definition in triggers
    }


async def drift(connection: AsyncConnection) -> list[str]:
    """The functions and triggers whose definition in the database is not their file's: the
    definitions before and after applying every file, in a savepoint rolled back."""
    before = await _definitions(connection)
    savepoint = await connection.begin_nested()
    try:
        for _, statement in _statements():
            await connection.execute(sqlfiles.clause(statement))
        after = await _definitions(connection)
    finally:
        await savepoint.rollback()
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


# Each migration's revision and SQL_FILES (file -> fingerprint of the text it applied).
Applied = list[tuple[str, dict[str, str]]]


def _applied() -> Applied:
    """Each migration's SQL_FILES (file -> fingerprint), oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config(ALEMBIC_INI))
    return [
        (script.revision, getattr(script.module, "SQL_FILES", {}))
        for script in reversed(list(scripts.walk_revisions()))
    ]


def _fingerprints() -> dict[str, str]:
    return {name: sqlfiles.fingerprint(sqlfiles.current(name)) for name in sqlfiles.names()}


def unapplied(applied: Applied, fingerprints: dict[str, str]) -> list[str]:
    """The files whose current text no migration applies: new, or changed since the last
    migration that applied them."""
    last = {name: (revision, value) for revision, files in applied for name, value in files.items()}
    problems = []
    for name, value in sorted(fingerprints.items()):
        if name not in last:
            problems.append(f"{name}.sql: no migration applies it")
        elif last[name][1] != value:
            problems.append(
                f"{name}.sql changed since {last[name][0]} applied it: add a migration with "
                f"SQL_FILES = {{{name!r}: {value!r}}} that applies it"
            )
    return problems


def test_every_file_is_applied_as_it_is() -> None:
    assert unapplied(_applied(), _fingerprints()) == []


def test_a_file_changed_or_added_without_a_migration_is_found() -> None:
    edited = _fingerprints() | {"jobmap_site_fill": "0123456789ab", "jobmap_new": "ba9876543210"}
    assert unapplied(_applied(), edited) == [
        "jobmap_new.sql: no migration applies it",
        "jobmap_site_fill.sql changed since 0013 applied it: add a migration with "
        "SQL_FILES = {'jobmap_site_fill': '0123456789ab'} that applies it",
    ]


def test_every_migration_finds_the_text_it_applied() -> None:
    """On a fresh database each migration applies the text it was written for: the current
    file, or the copy kept under replaced/<revision>/ by the revision that changed it."""
    revisions = {revision for revision, _ in _applied()}
    kept = {path.name for path in sqlfiles.REPLACED_DIR.glob("*") if path.is_dir()}
    assert kept <= revisions, "replaced/<revision>/ names a revision that does not exist"
    for _revision, files in _applied():
        for name, value in files.items():
            assert sqlfiles.fingerprint(sqlfiles.find(name, value)) == value
    with pytest.raises(LookupError, match=r"no text of jobmap_site_fill\.sql has fingerprint"):
        sqlfiles.find("jobmap_site_fill", "0123456789ab")


def test_files_hold_only_replaceable_definitions() -> None:
    """Every statement can run again; no file defines a function twice, nor triggers.sql a
    trigger; a file is named after the functions it holds."""
    for name, statement in _statements():
        kind = "TRIGGER" if name == sqlfiles.TRIGGERS else "FUNCTION"
        assert re.match(rf"CREATE\s+OR\s+REPLACE\s+{kind}\b", statement, re.IGNORECASE), (
            f"{name}.sql: {statement[:60]!r}"
        )
        if kind == "FUNCTION":
            function = _FUNCTION.match(statement)
            assert function is not None
            assert function.group(1).startswith(name), f"{function.group(1)} in {name}.sql"
    twice = {name: n for name, n in (_defined_functions() + _defined_triggers()).items() if n > 1}
    assert twice == {}


def test_new_migrations_define_no_function_inline() -> None:
    """Since 0013 a migration applies files from migrations/sql/ instead."""
    scripts = ScriptDirectory.from_config(alembic_config(ALEMBIC_INI))
    inline = [
        Path(script.path).name
        for script in scripts.walk_revisions()
        if script.revision not in HISTORICAL
        and _INLINE.search(Path(script.path).read_text(encoding="utf-8"))
    ]
    assert inline == []


async def test_every_function_and_trigger_has_one_file(connection: AsyncConnection) -> None:
    assert await unfiled(connection) == []
    # And the files define nothing the database lacks (a file nobody applied, or left behind).
    functions = {row[1] for row in (await connection.execute(_OUR_FUNCTIONS)).all()}
    triggers = {f"{r[0]}.{r[1]}" for r in (await connection.execute(_OUR_TRIGGERS)).all()}
    assert set(_defined_functions()) == functions
    assert set(_defined_triggers()) == triggers


async def test_a_function_or_trigger_without_its_file_is_found(
    connection: AsyncConnection,
) -> None:
    await connection.execute(
        text("CREATE FUNCTION jobmap_stray() RETURNS integer LANGUAGE sql RETURN 1")
    )
    await connection.execute(
        text(
            "CREATE TRIGGER stray AFTER INSERT ON vacancy "
            "FOR EACH STATEMENT EXECUTE FUNCTION jobmap_bump_map_version()"
        )
    )
    assert await unfiled(connection) == [
        "function jobmap_stray: 0 files define it",
        "trigger vacancy.stray: triggers.sql defines it 0 times",
    ]


async def test_database_at_head_has_the_files_definitions(connection: AsyncConnection) -> None:
    assert await drift(connection) == []


def _respaced(name: str, line: str) -> str:
    """The file's one definition with `line` indented two spaces less."""
    (statement,) = sqlfiles.statements(sqlfiles.current(name))
    assert line in statement
    return statement.replace(line, line[2:])


@pytest.mark.parametrize(
    ("change", "drifted"),
    [
        (
            # The same function with another constant, as a migration editing it inline would.
            "CREATE OR REPLACE FUNCTION jobmap_mercator_x(geom geometry) "
            "RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
            "RETURN ST_X(geom) * (20037508.34 / 180.0)",
            "function jobmap_mercator_x(geometry)",
        ),
        (
            # A PL/pgSQL body differing only in its spaces is another definition.
            _respaced("jobmap_bump_map_version", "    UPDATE map_version"),
            "function jobmap_bump_map_version()",
        ),
        (
            "CREATE OR REPLACE TRIGGER site_fill BEFORE INSERT OR UPDATE ON vacancy_site "
            "FOR EACH ROW EXECUTE FUNCTION jobmap_site_fill()",
            "trigger vacancy_site.site_fill",
        ),
    ],
)
async def test_a_definition_other_than_its_file_is_found(
    connection: AsyncConnection, change: str, drifted: str
) -> None:
    await connection.execute(text(change))
    assert await drift(connection) == [drifted]


def test_split_keeps_semicolons_inside_quotes_and_bodies() -> None:
    script = """
    -- a header; with a semicolon
    CREATE OR REPLACE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$
    BEGIN
        -- kept: inside the body; really
        RETURN 'a;b' || E'c\\';d' || $$e;f$$ || "odd;name";
    END $body$;
    /* a block comment; */ SELECT $1::text, a[1:n];
    """
    assert sqlfiles.split(script) == [
        "CREATE OR REPLACE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$\n"
        "    BEGIN\n"
        "        -- kept: inside the body; really\n"
        "        RETURN 'a;b' || E'c\\';d' || $$e;f$$ || \"odd;name\";\n"
        "    END $body$",
        "SELECT $1::text, a[1:n]",
    ]
    assert str(sqlfiles.clause("SELECT a[1:n], x::text")) == "SELECT a[1:n], x::text"
