"""The rows of an import file, read and validated as the JSON API validates a body (pydantic),
and the errors of every row collected, so that one answer names them all. CPU only: no
database."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from pydantic import ValidationError

from app.errors import FieldError, InvalidInputError
from app.placements.schemas import PlacementCreate
from app.placements.sheets import (
    COLUMNS,
    CONVERTERS,
    Cell,
    blank,
    csv_rows,
    header_of,
    xlsx_rows,
)

PERSON_COLUMNS = frozenset({"person_ref", "sex", "birth_year", "trained", "residence_commune_code"})


@dataclass
class RowErrors:
    """Row-level errors of the whole file: all counted, the first `max_listed` listed."""

    max_listed: int
    items: list[tuple[int, str, str, str]] = field(default_factory=list)

    def add(self, line: int, name: str, message: str, kind: str) -> None:
        self.items.append((line, f"rows.{line}.{name}" if name else f"rows.{line}", message, kind))

    def extend(self, line: int, errors: Sequence[FieldError]) -> None:
        self.items += [(line, e.field, e.message, e.type) for e in errors]

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])  # stable: a row's errors keep their order
        rows = len({item[0] for item in self.items})
        total = len(self.items)
        detail = (
            f"{rows:,} rows have errors; nothing was imported."
            if rows != 1
            else "1 row has errors; nothing was imported."
        )
        if total > self.max_listed:
            detail += f" The first {self.max_listed:,} of {total:,} errors are listed."
        raise InvalidInputError(
            detail,
            errors=[
                FieldError(field=name, message=message, type=kind)
                for _, name, message, kind in self.items[: self.max_listed]
            ],
        )


class ImportRow(NamedTuple):
    """A validated row, flat: 100,000 pydantic models alive at once would make every garbage
    collection pass walk half a million objects."""

    line: int
    placed_on: date
    vacancy_id: uuid.UUID | None
    employer_id: uuid.UUID | None
    employer_name: str | None
    person_ref: str
    sex: str
    birth_year: int
    trained: bool
    residence_commune_code: str | None
    destination: str
    destination_country: str | None
    work_commune_code: str | None
    occupation_code: str | None
    industry_code: str | None
    channel: str

    @classmethod
    def of(cls, line: int, payload: PlacementCreate) -> ImportRow:
        person = payload.person
        return cls(
            line,
            payload.placed_on,
            payload.vacancy_id,
            payload.employer_id,
            payload.employer_name,
            person.person_ref,
            person.sex.value,
            person.birth_year,
            person.trained,
            person.residence_commune_code,
            payload.destination.value,
            payload.destination_country,
            payload.work_commune_code,
            payload.occupation_code,
            payload.industry_code,
            payload.channel.value,
        )


def read_rows(body: bytes, fmt: str, errors: RowErrors, *, max_rows: int) -> list[ImportRow]:
    """Read and validate every row as the JSON API would (pydantic); CPU only, no database.
    Returns the rows that passed; the others are in `errors`."""
    source = csv_rows(body) if fmt == "csv" else xlsx_rows(body)
    rows: list[ImportRow] = []
    header: list[str] | None = None
    converters: list[tuple[str, Callable[[object], Cell]]] = []
    data_rows = 0
    with contextlib.closing(source):
        for line, cells in source:
            if header is None:
                if blank(cells):
                    raise InvalidInputError(
                        f"The first row must name the columns: {', '.join(COLUMNS)}.",
                        field="body",
                        reason="header_row",
                    )
                header = header_of(cells)
                converters = [(name, CONVERTERS[name]) for name in header]
                continue
            if blank(cells):
                continue
            data_rows += 1
            if data_rows > max_rows:
                raise InvalidInputError(
                    f"The file has more than {max_rows:,} rows: split it into several imports.",
                    field="body",
                    reason="too_long",
                )
            payload = _payload(line, cells, converters, errors)
            if payload is None:
                continue
            try:
                rows.append(ImportRow.of(line, PlacementCreate.model_validate(payload)))
            except ValidationError as exc:
                errors.items += [
                    (
                        line,
                        ".".join(str(part) for part in ("rows", line, *error["loc"])),
                        error["msg"][:300],
                        error["type"],
                    )
                    for error in exc.errors(include_url=False, include_input=False)
                ]
    if header is None:
        raise InvalidInputError(
            "The file is empty: no header row, no data.", field="body", reason="empty"
        )
    if not data_rows:
        raise InvalidInputError(
            "The file has a header row but no data rows.", field="body", reason="empty"
        )
    return rows


def _payload(
    line: int,
    cells: Sequence[object],
    converters: list[tuple[str, Callable[[object], Cell]]],
    errors: RowErrors,
) -> dict[str, Any] | None:
    """The JSON body this row stands for: person fields nested, empty cells left out (so a
    default applies, or "Field required" names what is missing)."""
    width = len(converters)
    if len(cells) > width and not blank(cells[width:]):
        errors.add(line, "", "more values than the header has columns", "extra_values")
        return None
    payload: dict[str, Any] = {}
    person: dict[str, Any] = {}
    for (name, convert), raw in zip(converters, cells, strict=False):
        if raw is None or raw == "":  # most empty cells: skip the call
            continue
        value = convert(raw)
        if value is not None:
            if name in PERSON_COLUMNS:
                person[name] = value
            else:
                payload[name] = value
    payload["person"] = person
    return payload
