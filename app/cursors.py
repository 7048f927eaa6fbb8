"""Keyset paging, the one way every list pages: a page fetches `limit + 1` rows (the extra one
only tells that more follow), and the next page starts after an opaque cursor, base64url JSON
of the last row's position. Clients pass cursors back unchanged; anything else is a 422 naming
the parameter, never a 500."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from app.errors import FieldError, InvalidInputError

MAX_CURSOR_LENGTH = 512
Row = TypeVar("Row")


async def page(
    fetch: Callable[[int], Awaitable[Sequence[Row]]],
    limit: int,
    position: Callable[[Row], dict[str, Any]],
) -> tuple[list[Row], str | None]:
    """Up to `limit` rows from `fetch(limit + 1)`, and the cursor of the next page (None at the
    end): `position` of the last row, encoded."""
    rows = list(await fetch(limit + 1))
    if len(rows) <= limit:
        return rows, None
    del rows[limit:]
    return rows, encode(position(rows[-1]))


def encode(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(
    cursor: str, field: str, keys: dict[str, type], optional: dict[str, type] | None = None
) -> dict[str, Any]:
    """The cursor's values, checked to have exactly `keys` (and any of `optional`) with those
    types."""
    kinds = {**(optional or {}), **keys}
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, dict) or not set(keys) <= set(values) <= set(kinds):
            raise ValueError("wrong shape")
        for key, value in values.items():
            # bool is an int in Python; a cursor never holds one.
            if not isinstance(value, kinds[key]) or isinstance(value, bool):
                raise ValueError("wrong type")
            # Ids and offsets are bigint in the database: a larger number is forged.
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise ValueError("out of range")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid(field) from exc
    return values


def invalid(field: str) -> InvalidInputError:
    return InvalidInputError(
        "The cursor is not one this service issued.",
        errors=[FieldError(field=field, message="invalid cursor", type="invalid_cursor")],
    )
