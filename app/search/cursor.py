"""Search's keyset cursor: where the previous page ended (its last row's tier, sort key and
site id), which query it belongs to, and with `q` how the first page matched the words, so
that every page of one search matches the same way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app import cursors
from app.errors import FieldError, InvalidInputError
from app.search import text
from app.search.pages import After, next_after
from app.search.params import SearchParams, Sort


def position(
    params: SearchParams, text_choice: text.TextChoice | None, row: Mapping[str, Any]
) -> dict[str, Any]:
    """What the next page's cursor holds after `row` (`text_choice`: how `q` matched)."""
    after = next_after(row)
    key = after.key.isoformat() if isinstance(after.key, datetime) else after.key
    values: dict[str, Any] = {
        "f": params.fingerprint(),
        "k": key,
        "i": after.site_id,
        "t": after.tier,
    }
    if text_choice is not None:
        values["m"] = text_choice.match.value
        if text_choice.match is text.TextMatch.corrected:
            values["c"] = text_choice.query
    return values


def decode(cursor: str, params: SearchParams) -> tuple[After, text.TextChoice | None]:
    """The position after which the page starts, and (with `q`) how the first page matched."""
    shape: dict[str, type] = {"f": str, "k": object, "i": int, "t": int}
    optional: dict[str, type] = {}
    if params.q is not None:
        shape["m"] = str
        optional["c"] = str  # the corrected query, with m = corrected
    values = cursors.decode(cursor, "query.cursor", shape, optional)
    if values["f"] != params.fingerprint():
        raise InvalidInputError(
            "This cursor belongs to another query: keep the parameters of the first page.",
            errors=[
                FieldError(field="query.cursor", message="other query", type="cursor_mismatch")
            ],
        )
    try:
        choice = None
        if params.q is not None:
            match = text.TextMatch(values["m"])
            if ("c" in values) != (match is text.TextMatch.corrected):
                raise ValueError("a corrected query goes with m = corrected only")
            choice = text.TextChoice(match, values.get("c", params.q))
        key = _key(values["k"], params.sort, choice)
    except ValueError as exc:
        raise cursors.invalid("query.cursor") from exc
    return After(key=key, site_id=values["i"], tier=values["t"]), choice


def _key(value: Any, sort: Sort, choice: text.TextChoice | None) -> Any:
    """The sort key in the type its order compares (ValueError when it is not)."""
    by_time = sort is Sort.newest or (
        sort is Sort.relevance and choice is not None and choice.by_words
    )
    if by_time:
        if not isinstance(value, str):
            raise ValueError("not a time")
        return datetime.fromisoformat(value)
    if sort is Sort.salary:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not a whole number")
        return value
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("not a number")
    return float(value)
