"""Small-cell suppression for public statistics: no cell of fewer than 5 people is shown, and
none can be worked out from the totals of the same response."""

from __future__ import annotations

from typing import Any

from app.stats.definitions import MIN_PUBLIC_CELL


def suppress(
    rows: list[dict[str, Any]], total: dict[str, Any], threshold: int = MIN_PUBLIC_CELL
) -> None:
    """Mark rows (and the total) `suppressed`, clearing their counts, in place.

    1. Primary: every cell with 1 to threshold-1 people. Zeros stay: an empty cell tells no one
       anything about a person.
    2. Secondary: the total minus the shown cells gives the sum of the hidden ones (placements
       add up exactly). One hidden cell would be recovered, so a second is hidden too: the
       smallest shown non-zero cell. If there is none, the total is hidden instead.
    3. A total below the threshold is hidden, and with it every cell."""
    hidden = [row for row in rows if 0 < row["people"] < threshold]
    if len(hidden) == 1:
        shown = sorted(
            (row for row in rows if row["people"] >= threshold),
            key=lambda row: (row["people"], row["placements"]),
        )
        if shown:
            hidden.append(shown[0])
    hide_total = 0 < total["people"] < threshold or (len(hidden) == 1 and total["people"] > 0)
    if hide_total:
        hidden = [row for row in rows if row["people"] > 0]
    hidden_ids = {id(row) for row in hidden}
    for row in rows:
        row["suppressed"] = id(row) in hidden_ids
        if row["suppressed"]:
            row["people"] = row["placements"] = None
    total["suppressed"] = hide_total
    if hide_total:
        total["people"] = total["placements"] = None
