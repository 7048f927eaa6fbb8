"""Exact linear algebra for the disclosure audit: is a linear combination of published cells
equal to a hidden one? Sparse rows of rationals (Fraction), no floating point: a rounding
error would turn "recoverable" into "safe".

A row is a dict {variable: coefficient}. The space keeps rows in echelon form: each kept row's
smallest variable is its pivot, with coefficient 1, and no two share a pivot. Each kept row can
also carry which added rows (by id) it is made of, so a recovery comes with its certificate:
the published cells that an attacker combines."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from fractions import Fraction
from typing import Any

Row = dict[int, Fraction]
Combination = dict[Hashable, Fraction]


def _axpy(target: dict[Any, Fraction], factor: Fraction, source: Mapping[Any, Fraction]) -> None:
    """target -= factor * source, dropping zeros."""
    for key, value in source.items():
        new = target.get(key, Fraction(0)) - factor * value
        if new:
            target[key] = new
        else:
            target.pop(key, None)


class RowSpace:
    """The span of the rows added so far."""

    def __init__(self) -> None:
        self._pivots: dict[int, tuple[Row, Combination]] = {}

    def copy(self) -> RowSpace:
        other = RowSpace()
        other._pivots = dict(self._pivots)  # kept rows are never changed in place
        return other

    @property
    def rank(self) -> int:
        return len(self._pivots)

    def reduce(self, row: Mapping[int, Fraction | int]) -> tuple[Row, Combination]:
        """`row` minus the combination of kept rows that clears every pivot in it, and that
        combination (in added rows' ids). An empty remainder: `row` lies in the span."""
        rest: Row = {k: Fraction(v) for k, v in row.items() if v}
        used: Combination = {}
        while True:
            pivots = [k for k in rest if k in self._pivots]
            if not pivots:
                return rest, used
            pivot = min(pivots)
            factor = rest[pivot]
            kept, made_of = self._pivots[pivot]
            # A kept row has nothing below its pivot: later pivots in `rest` stay later.
            _axpy(rest, factor, kept)
            _axpy(used, -factor, made_of)  # row = rest + sum(used[j] * added row j)

    def add(self, row: Mapping[int, Fraction | int], row_id: Hashable | None = None) -> bool:
        """Add a row (with its id, to appear in certificates); False if it was in the span."""
        rest, used = self.reduce(row)
        if not rest:
            return False
        # rest = row - sum(used[j] * added row j): what the new kept row is made of.
        made_of: Combination = {} if row_id is None else {row_id: Fraction(1)}
        _axpy(made_of, Fraction(1), used)
        pivot = min(rest)
        scale = rest[pivot]
        self._pivots[pivot] = (
            {k: v / scale for k, v in rest.items()},
            {k: v / scale for k, v in made_of.items()},
        )
        return True

    def certificate(self, row: Mapping[int, Fraction | int]) -> Combination | None:
        """Coefficients of the rows added with an id that, with rows added without one, sum
        to `row`; None when `row` is not in the span."""
        rest, used = self.reduce(row)
        return None if rest else used
