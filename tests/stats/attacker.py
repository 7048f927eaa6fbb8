"""An attacker of the public placement tables, written without the service's audit code
(app/stats/disclosure.py and rowspace.py are not imported): it reads every table of a year
as published, writes down what they say as linear equations, and works out every hidden
cell it can, by exact rational elimination and by the named attacks people try by hand.

Placements are counted: they add up exactly across months, rows and groupings (people do
not quite: someone placed twice is one person in the year and in each of two months)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from fractions import Fraction
from typing import Any

Key = tuple[str, str | None, Hashable]  # (period, grouping or None for the total, row)
Published = dict[Key, int | None]  # placements; None where hidden

BASE = "area"  # the grouping whose rows the attacker sums a month's total by
COUNTRY, DESTINATION = "destination_country", "destination"


def periods_of(year: int) -> list[str]:
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    return [*months, *(f"{year}-Q{q}" for q in range(1, 5)), f"{year}-H1", f"{year}-H2", str(year)]


def months_of(period: str) -> list[int]:
    if len(period) == 4:
        return list(range(1, 13))
    part = period[5:]
    if part.startswith("Q"):
        first = (int(part[1]) - 1) * 3 + 1
        return list(range(first, first + 3))
    if part.startswith("H"):
        first = 1 if part == "H1" else 7
        return list(range(first, first + 6))
    return [int(part)]


def row_value(grouping: str, row: dict[str, Any]) -> Hashable:
    if grouping == "area":  # a code can name two units either side of 2025-07-01
        return (row["area_code"], row["area_valid_from"])
    value: Hashable = row[grouping]
    return value


def read_table(published: Published, period: str, grouping: str | None, body: Any) -> None:
    """A JSON body of the public endpoint (or a department table suppressed by a helper)."""
    total = body["total"]
    published[(period, None, None)] = None if total["suppressed"] else total["placements"]
    if grouping is None:
        return
    for row in body["rows"]:
        value = None if row.get("suppressed") else row["placements"]
        published[(period, grouping, row_value(grouping, row))] = value


class Solver:
    """Equations sum(coefficient * unknown) = value, kept in reduced row echelon form."""

    def __init__(self) -> None:
        self.pivots: dict[Hashable, tuple[dict[Hashable, Fraction], Fraction]] = {}
        self.holding: dict[Hashable, set[Hashable]] = {}  # unknown -> pivots whose row has it

    def _reduce(
        self, row: dict[Hashable, Fraction], value: Fraction
    ) -> tuple[dict[Hashable, Fraction], Fraction]:
        row = dict(row)
        for unknown in [u for u in row if u in self.pivots]:
            factor = row.get(unknown)
            if not factor:
                continue
            pivot_row, pivot_value = self.pivots[unknown]
            for u, c in pivot_row.items():
                new = row.get(u, Fraction(0)) - factor * c
                if new:
                    row[u] = new
                else:
                    row.pop(u, None)
            value -= factor * pivot_value
        return row, value

    def add(self, row: dict[Hashable, Fraction], value: Fraction) -> None:
        row, value = self._reduce(row, value)
        if not row:
            assert value == 0, "the published figures contradict each other"
            return
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {u: c / scale for u, c in row.items()}
        value /= scale
        for other in list(self.holding.get(pivot, ())):  # keep every row free of pivots
            other_row, other_value = self.pivots[other]
            factor = other_row[pivot]
            for u, c in row.items():
                new = other_row.get(u, Fraction(0)) - factor * c
                if new:
                    other_row[u] = new
                    self.holding.setdefault(u, set()).add(other)
                else:
                    other_row.pop(u, None)
                    self.holding.get(u, set()).discard(other)
            self.pivots[other] = (other_row, other_value - factor * value)
        self.pivots[pivot] = (row, value)
        for u in row:
            if u != pivot:
                self.holding.setdefault(u, set()).add(pivot)

    def solve(self, row: dict[Hashable, Fraction]) -> Fraction | None:
        """The value of sum(coefficient * unknown) if the equations fix it, else None."""
        rest, value = self._reduce(row, Fraction(0))
        return None if rest else -value


class Attacker:
    """Unknowns: the placements of each month in each row of each grouping's month table
    (destination is domestic = no country, abroad = the countries)."""

    def __init__(self, published: Published) -> None:
        self.published = published
        self.rows: dict[tuple[str, int], list[Hashable]] = {}
        for period, grouping, value in published:
            if grouping and grouping != DESTINATION and len(months_of(period)) == 1:
                self.rows.setdefault((grouping, months_of(period)[0]), []).append(value)
        self.solver = Solver()
        for key, figure in sorted(published.items(), key=lambda item: len(self.sum_of(item[0]))):
            if figure is not None:
                self.solver.add(self.sum_of(key), Fraction(figure))
        for (grouping, month), values in self.rows.items():  # every grouping, the same total
            base = self.base(month)
            if grouping != base:
                row: dict[Hashable, Fraction] = {(grouping, month, v): Fraction(1) for v in values}
                for v in self.rows.get((base, month), []):
                    row[(base, month, v)] = Fraction(-1)
                self.solver.add(row, Fraction(0))

    def base(self, month: int) -> str:
        """The grouping a month's total is summed by: the areas (any would do)."""
        present = sorted(g for g, m in self.rows if m == month)
        return BASE if BASE in present else present[0] if present else BASE

    def sum_of(self, key: Key) -> dict[Hashable, Fraction]:
        period, grouping, value = key

        def wanted(v: Hashable) -> bool:
            if grouping is None:
                return True
            if grouping == DESTINATION:
                return (v is None) == (value == "domestic")
            return v == value

        found: dict[Hashable, Fraction] = {}
        for month in months_of(period):
            source = self.base(month) if grouping is None else grouping
            source = COUNTRY if source == DESTINATION else source
            for v in self.rows.get((source, month), []):
                if wanted(v):
                    found[(source, month, v)] = Fraction(1)
        return found

    def recovered(self) -> dict[Key, Fraction]:
        """Every hidden cell the published figures fix, with its value."""
        found = {}
        for key, figure in self.published.items():
            if figure is None:
                value = self.solver.solve(self.sum_of(key))
                if value is not None:
                    found[key] = value
        return found


def _window_attacks(_known: Published, key: Key) -> Iterable[tuple[str, Any]]:
    period, grouping, value = key
    year = period[:4]
    quarters = {f"{year}-Q{q}" for q in range(1, 5)}
    tree = {
        **{q: [f"{year}-{m:02d}" for m in months_of(q)] for q in quarters},
        f"{year}-H1": [f"{year}-Q1", f"{year}-Q2"],
        f"{year}-H2": [f"{year}-Q3", f"{year}-Q4"],
        year: [f"{year}-H1", f"{year}-H2"],
    }  # fmt: skip
    for parent, children in tree.items():
        if parent == period:  # a period is the sum of its parts
            yield (
                "difference of windows (sum of the parts)",
                [(c, grouping, value) for c in children],
            )
        if period in children:  # a part is the whole minus the other parts
            others = [(c, grouping, value) for c in children if c != period]
            yield "difference of windows (whole minus parts)", ([(parent, grouping, value)], others)


def _row_attacks(known: Published, key: Key) -> Iterable[tuple[str, Any]]:
    period, grouping, value = key
    table = [k for k in known if k[0] == period and k[1] == grouping and k != key]
    if grouping is not None:  # the total minus the other rows (a union of the other areas...)
        yield "total minus the other rows", ([(period, None, None)], table)
    else:  # a total is the sum of any grouping's rows
        for other in {k[1] for k in known if k[0] == period and k[1]}:
            rows = [k for k in known if k[0] == period and k[1] == other]
            yield f"total as the sum of the {other} rows", rows
    if grouping == DESTINATION:  # margins of another grouping: the countries
        countries = [k for k in known if k[0] == period and k[1] == COUNTRY]
        if value == "domestic":
            yield "margin of destination_country", [(period, COUNTRY, None)]
        else:
            yield "margin of destination_country", [k for k in countries if k[2] is not None]
    if grouping == COUNTRY:
        if value is None:
            yield "margin of destination", [(period, DESTINATION, "domestic")]
        else:
            others = [k for k in known if k[0] == period and k[1] == COUNTRY]
            others = [k for k in others if k[2] is not None and k != key]
            yield "margin of destination", ([(period, DESTINATION, "abroad")], others)


def named_attacks(published: Published) -> dict[Key, tuple[int, str]]:
    """The attacks by hand, chained (a cell found helps find the next) until nothing new."""
    known = dict(published)
    found: dict[Key, tuple[int, str]] = {}
    attacks: list[Callable[[Published, Key], Iterable[tuple[str, Any]]]] = [
        _window_attacks,
        _row_attacks,
    ]
    tables = {(period, grouping) for period, grouping, _ in published}

    def figure(key: Key) -> int | None:
        """A row a table that was read leaves out is a zero; of a table not read, unknown."""
        return known[key] if key in known else 0 if key[:2] in tables else None

    progress = True
    while progress:
        progress = False
        for key in [k for k, v in known.items() if v is None]:
            for attack in attacks:
                for name, terms in attack(known, key):
                    plus, minus = terms if isinstance(terms, tuple) else (terms, [])
                    figures = [figure(k) for k in plus + minus]
                    if not plus or any(f is None for f in figures):
                        continue
                    value = sum(f or 0 for f in figures[: len(plus)])
                    value -= sum(f or 0 for f in figures[len(plus) :])
                    known[key] = value
                    found[key] = (value, name)
                    progress = True
                    break
                if known[key] is not None:
                    break
    return found
