"""Which cells of a year's public tables to hide, so that none of them can be worked out
exactly from everything published for the year (docs/statistics.md, "Public statistics").

Every public table of a year is a sum of the same unknowns: the placements of each month
with each value of each base dimension (the commune, the sex, ..., the destination country,
whose coarsening is domestic/abroad). A table cell adds up the months of its period and the
values its row stands for; a period's total is any base dimension's sum; and within a month
every base dimension sums to the same total. A hidden cell is recoverable when its sum lies
in the span of the published cells' sums (exact rational elimination, app/stats/rowspace.py).

Periods are published as they end, so the year is audited in that order, one month's end at a
time (the month, and the quarter, half and year that end with it): what was published before
stays as it was, and the cells needing a partner are found among the periods ending now. A
later publication never reveals a cell hidden earlier, and the hidden cells of January are
the same whether they are computed in February or in December (on the same records)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction

from app.stats.definitions import MIN_PUBLIC_CELL
from app.stats.periods import StandardPeriod
from app.stats.rowspace import Row, RowSpace


@dataclass(frozen=True)
class Grouping:
    """A public grouping: the base dimension it sums, and which row a base value falls in."""

    name: str
    base: str
    row_of: Callable[[Hashable], Hashable] = lambda value: value


@dataclass(frozen=True, order=True)
class CellKey:
    """One published figure: a row of a (period, grouping) table, or the period's total
    (`grouping` None)."""

    period: str
    grouping: str | None
    value: Hashable


@dataclass(frozen=True)
class Count:
    people: int
    placements: int


@dataclass
class YearCells:
    """A year's published tables and the unknowns they sum."""

    periods: list[StandardPeriod]  # the published ones
    groupings: list[Grouping]
    cells: dict[CellKey, Count]  # every published cell, zeros included
    # Placements per (base dimension, month, base value); zeros left out (a zero is
    # published, so it is known: its unknown is no unknown).
    base: dict[tuple[str, int, Hashable], int]


def _sort_key(key: CellKey) -> tuple[str, str, str]:
    return (key.period, key.grouping or "", repr(key.value))


class _Model:
    """Rows (sums of unknowns) for the cells and the month totals' identities."""

    def __init__(self, year: YearCells) -> None:
        self.year = year
        self.variables: dict[tuple[str, int, Hashable], int] = {}
        # Months first: the period tree's sums then eliminate from January on.
        for key in sorted(year.base, key=lambda k: (k[1], k[0], repr(k[2]))):
            self.variables[key] = len(self.variables)
        self.by_base_month: dict[tuple[str, int], list[tuple[Hashable, int]]] = {}
        for (base, month, value), index in self.variables.items():
            self.by_base_month.setdefault((base, month), []).append((value, index))
        self.groupings = {g.name: g for g in year.groupings}
        self.months = {p.label: p.month_range() for p in year.periods}

    def row(self, key: CellKey) -> Row:
        grouping = self.groupings[key.grouping] if key.grouping else self.year.groupings[0]
        row: Row = {}
        for month in self.months[key.period]:
            for value, index in self.by_base_month.get((grouping.base, month), []):
                if key.grouping is None or grouping.row_of(value) == key.value:
                    row[index] = Fraction(1)
        return row

    def identities(self, month: int) -> Iterable[Row]:
        """Within a month every base dimension sums to the same total."""
        bases = list(dict.fromkeys(g.base for g in self.year.groupings))
        first = self.by_base_month.get((bases[0], month), [])
        for base in bases[1:]:
            row: Row = {index: Fraction(1) for _, index in first}
            for _, index in self.by_base_month.get((base, month), []):
                row[index] = row.get(index, Fraction(0)) - 1
            if row:
                yield row


def hidden_cells(year: YearCells, threshold: int = MIN_PUBLIC_CELL) -> set[CellKey]:
    """The cells to hide: every cell of 1 to threshold-1 people, and partners until no hidden
    cell is a linear combination of the shown ones (with everything published before)."""
    model = _Model(year)
    rows = {key: model.row(key) for key in year.cells}
    ends = {p.label: p.last_month for p in year.periods}
    hidden: set[CellKey] = set()
    tries = _YEAR_WORK
    for month in range(1, 13):
        new = {k for k in year.cells if ends[k.period] == month}
        if not new:
            continue
        hidden |= {k for k in new if 0 < year.cells[k].people < threshold}
        identities = {
            (m, n): row for m in range(1, month + 1) for n, row in enumerate(model.identities(m))
        }
        published = {k: rows[k] for k in year.cells if ends[k.period] <= month}
        while True:
            stage = _Stage(model, published, identities, new, hidden, tries)
            partners = stage.partners()
            tries = stage.tries
            if not partners:
                break
            hidden |= partners
    return hidden


# How many partners of the preferred kind are tried for a cell before taking the smallest
# cell the attacker's combination uses. Each try is an elimination whose cost grows with the
# unknowns left (the rank): the tries of a year stop at _YEAR_WORK summed ranks, so a year of
# many small cells takes seconds, not minutes (it gets fewer preferred partners).
_TRIES = 3
_YEAR_WORK = 20_000


class _Stage:
    """One round of a month's end: which hidden cells the shown ones give away, and a partner
    to hide for each."""

    def __init__(
        self,
        model: _Model,
        published: dict[CellKey, Row],
        identities: dict[tuple[int, int], Row],
        new: set[CellKey],
        hidden: set[CellKey],
        tries: int,
    ) -> None:
        self.model, self.published, self.identities = model, published, identities
        self.new, self.hidden, self.tries = new, hidden, tries
        self.audit = self._audit(set())

    def _audit(self, without: set[CellKey]) -> _Audit:
        shown = {k: r for k, r in self.published.items() if k not in self.hidden | without}
        return _Audit(shown, self.identities)

    def _size(self, key: CellKey) -> tuple[int, int, tuple[str, str, str]]:
        count = self.model.year.cells[key]
        return (count.people, count.placements, _sort_key(key))

    def _preferred(self, target: CellKey, taken: set[CellKey]) -> list[CellKey]:
        """Shown cells of the same grouping in the periods ending now that overlap the
        target's: the same table first (the classic complement), then the period tree."""
        months = set(self.model.months[target.period])
        found = [
            k
            for k in self.new
            if k.grouping == target.grouping
            and k not in self.hidden | taken
            and self.model.year.cells[k].placements
            and months & set(self.model.months[k.period])
        ]
        return sorted(found, key=lambda k: (k.period != target.period, self._size(k)))

    def partners(self) -> set[CellKey]:
        chosen: set[CellKey] = set()
        for target in sorted(self.hidden, key=_sort_key):
            combination = self.audit.recovery(self.published.get(target) or self.model.row(target))
            if combination is None:
                continue
            used = self.audit.serving(combination, self.new)
            if any(k in chosen for k in used):
                continue  # already broken this round; checked again next round
            if not used:  # cannot happen: what was published before recovered nothing
                return {k for k in self.new if k not in self.hidden and self._size(k)[1]}
            chosen.add(self._partner(target, used, chosen))
        return chosen

    def _partner(self, target: CellKey, used: list[CellKey], chosen: set[CellKey]) -> CellKey:
        row = self.published.get(target) or self.model.row(target)
        # Those the attacker's combination uses first: hiding them is likelier to break it.
        preferred = sorted(self._preferred(target, chosen), key=lambda k: k not in used)
        for candidate in preferred[:_TRIES]:
            if self.tries <= 0:
                break
            self.tries -= self.audit.space.rank + 1
            if self._audit(chosen | {candidate}).recovery(row) is None:
                return candidate
        return min(used, key=self._size)


class _Audit:
    """The shown cells as one linear system. A month's cell is one unknown: shown, that
    unknown is known, and is taken out of every other sum before the elimination, which then
    only deals with the unknowns of hidden months' cells (few)."""

    def __init__(self, shown: dict[CellKey, Row], identities: dict[tuple[int, int], Row]) -> None:
        self.rows: dict[Hashable, Row] = {}
        for cell, row in shown.items():
            self.rows[cell] = row
        for identity, row in identities.items():
            self.rows[identity] = row
        self.known: dict[int, list[CellKey]] = {}
        for key in sorted(shown, key=_sort_key):
            if len(shown[key]) == 1:
                self.known.setdefault(next(iter(shown[key])), []).append(key)
        self.space = RowSpace()
        rest = [(self._unknown(row), key) for key, row in self.rows.items()]
        for row, row_id in sorted((item for item in rest if item[0]), key=lambda i: len(i[0])):
            self.space.add(row, row_id)

    def _unknown(self, row: Row) -> Row:
        return {v: c for v, c in row.items() if v not in self.known}

    def recovery(self, target: Row) -> dict[Hashable, Fraction] | None:
        """Shown cells (and identities) with coefficients summing to `target`, or None."""
        combination = self.space.certificate(self._unknown(target))
        if combination is None:
            return None
        rest = dict(target)  # what the combination leaves: known unknowns, one cell each
        for key, factor in combination.items():
            for v, c in self.rows[key].items():
                rest[v] = rest.get(v, Fraction(0)) - factor * c
        for v, c in rest.items():
            if c:
                combination[self.known[v][0]] = c
        return combination

    def serving(self, combination: dict[Hashable, Fraction], new: set[CellKey]) -> list[CellKey]:
        """The cells of `new` a recovery uses, and any other cell showing the same unknown as
        one of them (it serves the attacker as well)."""
        used = [k for k in combination if isinstance(k, CellKey) and k in new]
        used += [
            other
            for k in used
            if len(self.rows[k]) == 1
            for other in self.known[next(iter(self.rows[k]))]
            if other in new and other not in used
        ]
        return used
