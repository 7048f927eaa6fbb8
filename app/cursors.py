"""Opaque pagination cursors: base64url JSON. Clients pass them back unchanged; anything else
is a 422 naming the parameter, never a 500."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from app.errors import FieldError, InvalidInputError

MAX_CURSOR_LENGTH = 512


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
