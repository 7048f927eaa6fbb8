"""The database's functions and triggers as SQL files (migrations/sql/), applied by migrations.

Each function and trigger has one current definition, in one file. A migration that applies
files names each with the fingerprint of the text it applied (its SQL_FILES); when a file
changes, the text it replaced is kept under replaced/<revision>/, so every migration finds the
very text it was written for, on a fresh database too. See migrations/sql/README.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from alembic import op

SQL_DIR = Path(__file__).resolve().parent / "sql"
# Texts that a revision replaced or dropped: replaced/<revision>/<name>.sql, for its downgrade
# and for the migrations before it that applied them.
REPLACED_DIR = SQL_DIR / "replaced"

# Every trigger, in one file, applied after the functions (a trigger names its function).
TRIGGERS = "triggers"

# A dollar quote's opening tag ($$ or $name$); `$1` (a parameter) is not one.
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
# What sa.text() would take for a bind parameter (":name", not "::type"); escaped as "\:name",
# which it turns back into ":name" (`a[1:n]` in a body must reach PostgreSQL as written).
_BIND_LIKE = re.compile(r"(?<![:\w\\]):(?=\w)")


def names() -> list[str]:
    """Every current file's name (without .sql): the functions' by name, then the triggers."""
    stems = sorted(path.stem for path in SQL_DIR.glob("*.sql"))
    return [stem for stem in stems if stem != TRIGGERS] + [TRIGGERS]


def statements(path: Path) -> list[str]:
    """A file's statements, without the comments around them."""
    return split(path.read_text(encoding="utf-8"))


def current(name: str) -> Path:
    return SQL_DIR / f"{name}.sql"


def fingerprint(path: Path) -> str:
    """What a migration records of a text it applies: the start of the SHA-256 of its
    statements (a header comment can change, a definition cannot)."""
    return hashlib.sha256(";\n".join(statements(path)).encode()).hexdigest()[:12]


def find(name: str, expected: str) -> Path:
    """The text of file `name` whose fingerprint is `expected`: the current file, or one that a
    later revision replaced."""
    candidates = [current(name), *sorted(REPLACED_DIR.glob(f"*/{name}.sql"))]
    for path in candidates:
        if path.exists() and fingerprint(path) == expected:
            return path
    raise LookupError(
        f"no text of {name}.sql has fingerprint {expected}: keep the text a change replaces "
        f"in {REPLACED_DIR.name}/<revision>/{name}.sql"
    )


def clause(statement: str) -> sa.TextClause:
    """A statement as text() with no bind parameters, whatever colons it holds."""
    return sa.text(_BIND_LIKE.sub(r"\\:", statement))


def apply(files: Mapping[str, str]) -> None:
    """In a migration: execute each file (name without .sql -> fingerprint) as that migration
    knew it, in the order given, one statement at a time (asyncpg prepares statements singly)."""
    for name, expected in files.items():
        _execute(find(name, expected))


def restore(revision: str, *files: str) -> None:
    """In a downgrade: execute the texts `revision` replaced (replaced/<revision>/<name>.sql)."""
    for name in files:
        _execute(REPLACED_DIR / revision / f"{name}.sql")


def _execute(path: Path) -> None:
    for statement in statements(path):
        op.execute(clause(statement))


def split(script: str) -> list[str]:
    """A script's statements: split on the semicolons outside quotes, dollar quotes and comments,
    with the comments outside quotes left out (those inside a function's body stay)."""
    found: list[str] = []
    piece: list[str] = []
    i, n = 0, len(script)
    while i < n:
        char = script[i]
        if script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unterminated comment at offset {i}")
            i = end + 2
        elif char in "'\"":
            end = _quoted_end(script, i)
            piece.append(script[i:end])
            i = end
        elif char == "$" and (tag := _dollar_tag(script, i)) is not None:
            close = script.find(tag, i + len(tag))
            if close < 0:
                raise ValueError(f"unterminated {tag} quote at offset {i}")
            end = close + len(tag)
            piece.append(script[i:end])
            i = end
        elif char == ";":
            found.append("".join(piece))
            piece = []
            i += 1
        else:
            piece.append(char)
            i += 1
    found.append("".join(piece))
    return [statement.strip() for statement in found if statement.strip()]


def _dollar_tag(script: str, i: int) -> str | None:
    # `$` inside an identifier (allowed by PostgreSQL) opens no quote.
    if i > 0 and (script[i - 1].isalnum() or script[i - 1] in "_$"):
        return None
    match = _DOLLAR_TAG.match(script, i)
    return match.group() if match else None


def _quoted_end(script: str, i: int) -> int:
    """Where the string or quoted identifier opening at i ends ('' and "" are the quote itself;
    in E'...' a backslash escapes too)."""
    quote = script[i]
    escapes = (
        quote == "'"
        and i > 0
        and script[i - 1] in "eE"
        and (i < 2 or not (script[i - 2].isalnum() or script[i - 2] == "_"))
    )
    j = i + 1
    while j < len(script):
        if escapes and script[j] == "\\":
            j += 2
        elif script[j] == quote:
            if script.startswith(quote * 2, j):
                j += 2
            else:
                return j + 1
        else:
            j += 1
    raise ValueError(f"unterminated {quote} at offset {i}")
