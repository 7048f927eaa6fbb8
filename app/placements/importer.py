"""The department's bulk import of placements: a CSV or XLSX file, checked whole by the rules of
the JSON API, then recorded at once with COPY, or not at all."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import asyncpg
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from app.audit import service as audit
from app.auth.dependencies import Principal
from app.config import Settings
from app.errors import FieldError, InvalidInputError, UnsupportedMediaTypeError
from app.models import Employer
from app.placements import references, repository, rules
from app.placements.persons import person_hash
from app.placements.references import References
from app.placements.repository import FilledVacancy
from app.placements.schemas import PlacementCreate, PlacementImportResult

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {CSV: "csv", XLSX: "xlsx"}
MAX_ROWS = 100_000
MAX_LISTED_ERRORS = 1_000
# An XLSX file is a zip: refuse one that inflates far beyond what 100,000 rows take (~60 MB).
MAX_XLSX_INFLATED_BYTES = 512 * 1024 * 1024
ENTITY = "placement_import"

PERSON_COLUMNS = frozenset({"person_ref", "sex", "birth_year", "trained", "residence_commune_code"})
COLUMNS = (
    "placed_on",
    "vacancy_id",
    "employer_id",
    "employer_name",
    "person_ref",
    "sex",
    "birth_year",
    "trained",
    "residence_commune_code",
    "destination",
    "destination_country",
    "work_commune_code",
    "occupation_code",
    "industry_code",
    "channel",
)
REQUIRED_COLUMNS = ("placed_on", "person_ref", "sex", "birth_year", "trained", "channel")
# What COPY writes; `age` is generated, created_at/updated_at/version take their defaults.
COPY_COLUMNS = (
    "id",
    "placed_on",
    "vacancy_id",
    "employer_id",
    "employer_name",
    "person_hash",
    "sex",
    "birth_year",
    "trained",
    "residence_area_id",
    "work_area_id",
    "destination",
    "destination_country",
    "occupation_code",
    "industry_code",
    "channel",
    "import_batch_id",
    "recorded_by_key_id",
)

Cell = str | date | bool | None
Record = tuple[Any, ...]


def media_type(content_type: str | None) -> str:
    """The file's format from Content-Type: CSV in UTF-8, or XLSX; 415 for anything else."""
    value, *params = (content_type or "").split(";")
    value = value.strip().lower()
    if value not in FORMATS:
        raise UnsupportedMediaTypeError(
            f"Send the file as {CSV} (UTF-8) or {XLSX}, not {value or 'no Content-Type'}."
        )
    for param in params:
        name, _, charset = param.partition("=")
        if name.strip().lower() == "charset" and charset.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise UnsupportedMediaTypeError("A CSV file must be UTF-8: save it as 'CSV UTF-8'.")
    return value


def request_hash(content_type: str, body: bytes) -> bytes:
    """For Idempotency-Key: the same bytes of the same format are the same import."""
    digest = hashlib.sha256(content_type.encode())
    digest.update(b"\n")
    digest.update(body)
    return digest.digest()


# --- reading the file -----------------------------------------------------------------------


def _text(value: object) -> str | None:
    """A cell as text; spreadsheet numbers without a trailing ".0"; empty is None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value).strip() or None


def _placed_on(value: object) -> Cell:
    if isinstance(value, datetime):  # a spreadsheet date cell: midnight of that day
        return value.date()
    if isinstance(value, date):
        return value
    return _text(value)


def _digits(width: int) -> Callable[[object], Cell]:
    """Codes of a fixed number of digits that a spreadsheet read as a number: 1 -> "01"."""

    def convert(value: object) -> Cell:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**width:
            return str(value).zfill(width)
        return _text(value)

    return convert


_BOOLEANS = {
    "true": True,
    "1": True,
    "yes": True,
    "có": True,
    "co": True,
    "false": False,
    "0": False,
    "no": False,
    "không": False,
    "khong": False,
}
_SEXES = {"nam": "male", "nữ": "female", "nu": "female"}


def _trained(value: object) -> Cell:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return None
    folded = unicodedata.normalize("NFC", text).lower()
    return _BOOLEANS.get(folded, text)  # anything else: pydantic's reading or its error


def _lower(value: object) -> Cell:
    text = _text(value)
    return None if text is None else text.lower()


def _sex(value: object) -> Cell:
    text = _text(value)
    if text is None:
        return None
    folded = unicodedata.normalize("NFC", text).lower()
    return _SEXES.get(folded, folded)


_CONVERTERS: dict[str, Callable[[object], Cell]] = {
    **dict.fromkeys(COLUMNS, _text),
    "placed_on": _placed_on,
    "sex": _sex,
    "trained": _trained,
    "destination": _lower,
    "channel": _lower,
    "residence_commune_code": _digits(5),
    "work_commune_code": _digits(5),
    "industry_code": _digits(2),  # VSIC divisions are two digits (sections are letters)
}


def _csv_rows(body: bytes) -> Generator[tuple[int, Sequence[object]], None, None]:
    """Records numbered as a spreadsheet shows them (the header is row 1)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise InvalidInputError(
            f"The file is not UTF-8 text (line {line}): save it as 'CSV UTF-8'.",
            errors=[FieldError(field=f"rows.{line}", message="not UTF-8", type="encoding")],
        ) from exc
    first_line = text[: text.find("\n")] if "\n" in text else text
    # Spreadsheets in a Vietnamese locale separate CSV values with ";" (the decimal sign is ",").
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise InvalidInputError(
            f"The CSV cannot be read after row {number}: {exc}.",
            errors=[FieldError(field=f"rows.{number + 1}", message=str(exc), type="csv")],
        ) from exc


def _xlsx_rows(body: bytes) -> Generator[tuple[int, Sequence[object]], None, None]:
    """The first sheet's rows, numbered as in the sheet."""

    def unreadable() -> InvalidInputError:
        return InvalidInputError("The file is not a readable XLSX workbook.")

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise unreadable() from exc
    if inflated > MAX_XLSX_INFLATED_BYTES:
        raise InvalidInputError("The workbook is too large once unpacked: split the import.")
    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise unreadable() from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # The <dimension> a program wrote may be wrong; read the cells that are there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a damaged sheet fails while it is read
                raise unreadable() from exc
            number += 1
            yield number, cells
    finally:
        workbook.close()


def _blank(cells: Sequence[object]) -> bool:
    return all(_text(value) is None for value in cells)


def _header(cells: Sequence[object]) -> list[str]:
    names = [(_text(value) or "").lower() for value in cells]
    while names and not names[-1]:
        names.pop()
    problems: list[FieldError] = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(
                FieldError(
                    field="header", message=f"column {position} has no name", type="missing_name"
                )
            )
        elif name not in _CONVERTERS:
            problems.append(
                FieldError(
                    field=f"header.{name}",
                    message=f"unknown column; the columns are {', '.join(COLUMNS)}",
                    type="unknown_column",
                )
            )
        elif name in seen:
            problems.append(
                FieldError(field=f"header.{name}", message="named twice", type="duplicate_column")
            )
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    problems += [
        FieldError(field=f"header.{name}", message="required column missing", type="missing")
        for name in missing
    ]
    if problems:
        unknown = [e.field.removeprefix("header.") for e in problems if e.type == "unknown_column"]
        parts = []
        if unknown:
            parts.append(f"unknown columns: {', '.join(unknown)}")
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        summary = "; ".join(parts) or "see errors"
        raise InvalidInputError(f"The header row is not valid ({summary}).", errors=problems)
    return names


# --- checking --------------------------------------------------------------------------------


@dataclass
class _Errors:
    """Row-level errors of the whole file: all counted, the first ones listed."""

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
        if total > MAX_LISTED_ERRORS:
            detail += f" The first {MAX_LISTED_ERRORS:,} of {total:,} errors are listed."
        raise InvalidInputError(
            detail,
            errors=[
                FieldError(field=name, message=message, type=kind)
                for _, name, message, kind in self.items[:MAX_LISTED_ERRORS]
            ],
        )


class _Row(NamedTuple):
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
    def of(cls, line: int, payload: PlacementCreate) -> _Row:
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


def _parse(body: bytes, fmt: str, errors: _Errors) -> list[_Row]:
    """Read and validate every row as the JSON API would (pydantic); CPU only, no database.
    Returns the rows that passed; the others are in `errors`."""
    source = _csv_rows(body) if fmt == "csv" else _xlsx_rows(body)
    rows: list[_Row] = []
    header: list[str] | None = None
    converters: list[tuple[str, Callable[[object], Cell]]] = []
    data_rows = 0
    with contextlib.closing(source):
        for line, cells in source:
            if header is None:
                if _blank(cells):
                    raise InvalidInputError(
                        f"The first row must name the columns: {', '.join(COLUMNS)}."
                    )
                header = _header(cells)
                converters = [(name, _CONVERTERS[name]) for name in header]
                continue
            if _blank(cells):
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise InvalidInputError(
                    f"The file has more than {MAX_ROWS:,} rows: split it into several imports."
                )
            payload = _payload(line, cells, converters, errors)
            if payload is None:
                continue
            try:
                rows.append(_Row.of(line, PlacementCreate.model_validate(payload)))
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
        raise InvalidInputError("The file is empty: no header row, no data.")
    if not data_rows:
        raise InvalidInputError("The file has a header row but no data rows.")
    return rows


def _payload(
    line: int,
    cells: Sequence[object],
    converters: list[tuple[str, Callable[[object], Cell]]],
    errors: _Errors,
) -> dict[str, Any] | None:
    """The JSON body this row stands for: person fields nested, empty cells left out (so a
    default applies, or "Field required" names what is missing)."""
    width = len(converters)
    if len(cells) > width and not _blank(cells[width:]):
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


async def _lock_vacancies(
    session: AsyncSession, rows: list[_Row], errors: _Errors
) -> tuple[dict[uuid.UUID, FilledVacancy], dict[uuid.UUID, int]]:
    """Each vacancy named, locked once (in id order, so two imports never deadlock), with the
    rules of a single hire: published, and not filled beyond its positions by this file."""
    linked: dict[uuid.UUID, list[_Row]] = {}
    for row in rows:
        if row.vacancy_id is not None:
            linked.setdefault(row.vacancy_id, []).append(row)
    found: dict[uuid.UUID, FilledVacancy] = {}
    filled: dict[uuid.UUID, int] = {}
    for vacancy_id in sorted(linked):
        hires = linked[vacancy_id]
        vacancy = await repository.lock_vacancy(session, vacancy_id)
        if vacancy is None:
            for row in hires:
                errors.add(row.line, "vacancy_id", f"no vacancy {vacancy_id}", "unknown_vacancy")
            continue
        found[vacancy_id] = vacancy
        for row in hires:
            if row.employer_id not in (None, vacancy.employer_id):
                errors.add(
                    row.line, "employer_id", "not the employer of the vacancy", "employer_mismatch"
                )
        if not vacancy.published:
            for row in hires:
                errors.add(
                    row.line,
                    "vacancy_id",
                    "the vacancy was never published: no one can be hired for it",
                    "not_published",
                )
            continue
        filled[vacancy_id] = done = await repository.filled_positions(session, vacancy_id)
        free = max(vacancy.positions - done, 0)
        for row in hires[free:]:
            errors.add(
                row.line,
                "vacancy_id",
                f"the vacancy has {vacancy.positions} positions and {done} are filled: "
                f"{free} more can be hired, this file has {len(hires)}",
                "over_filled",
            )
    return found, filled


async def _check_employers(session: AsyncSession, rows: list[_Row], errors: _Errors) -> None:
    """Registered employers named without a vacancy exist (one query for the whole file)."""
    wanted = {
        row.employer_id for row in rows if row.vacancy_id is None and row.employer_id is not None
    }
    if not wanted:
        return
    # One array parameter: an IN list of 100,000 would pass asyncpg's 32,767 parameters.
    ids = bindparam("ids", sorted(wanted), type_=ARRAY(Uuid()))
    known = set((await session.scalars(select(Employer.id).where(Employer.id == any_(ids)))).all())
    for row in rows:
        employer_id = row.employer_id
        if row.vacancy_id is None and employer_id is not None and employer_id not in known:
            errors.add(row.line, "employer_id", f"no employer {employer_id}", "unknown_employer")


def _records(
    rows: list[_Row],
    vacancies: dict[uuid.UUID, FilledVacancy],
    refs: References,
    today: date,
    errors: _Errors,
    *,
    secret: str,
    batch_id: uuid.UUID,
    key_id: int,
) -> list[Record]:
    """The rules of `rules.check` for every row, and the rows as COPY writes them."""
    records: list[Record] = []
    for row in rows:
        vacancy = None
        if row.vacancy_id is not None:
            vacancy = vacancies.get(row.vacancy_id)
            if vacancy is None:  # reported already: no vacancy to check against
                continue
        occupation = row.occupation_code or (vacancy.occupation_code if vacancy else None)
        industry = row.industry_code or (vacancy.industry_code if vacancy else None)
        resolved, problems = rules.check(
            rules.Facts(
                placed_on=row.placed_on,
                birth_year=row.birth_year,
                residence_code=row.residence_commune_code,
                destination=row.destination,
                work_commune_code=row.work_commune_code,
                occupation_code=occupation,
                industry_code=industry,
            ),
            refs,
            today,
            site_communes=vacancy.site_communes if vacancy else None,
            field=f"rows.{row.line}.".__add__,
        )
        if resolved is None:
            errors.extend(row.line, problems)
            continue
        records.append(
            (
                uuid.uuid4(),
                row.placed_on,
                row.vacancy_id,
                vacancy.employer_id if vacancy else row.employer_id,
                row.employer_name,
                person_hash(secret, row.person_ref),
                row.sex,
                row.birth_year,
                row.trained,
                resolved.residence_area_id,
                resolved.work_area_id,
                row.destination,
                row.destination_country,
                occupation,
                industry,
                row.channel,
                batch_id,
                key_id,
            )
        )
    return records


async def _copy(session: AsyncSession, records: list[Record]) -> None:
    """COPY into the request's transaction: committed with the rest, or rolled back."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:  # only a closed connection has none
        raise RuntimeError("no database connection for COPY")
    try:
        await driver.copy_records_to_table("placement", records=records, columns=list(COPY_COLUMNS))
    except asyncpg.PostgresError as exc:
        # Past SQLAlchemy: wrap it so the one translation of database errors answers it.
        raise DBAPIError("COPY placement", None, exc) from exc


async def import_placements(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    today: date,
    body: bytes,
    content_type: str,
) -> PlacementImportResult:
    """Check every row of the file; record them all in one batch, or raise the errors."""
    fmt = FORMATS[content_type]
    errors = _Errors()
    # Reading and validating is CPU work of a second or two: off the event loop.
    rows = await asyncio.to_thread(_parse, body, fmt, errors)
    vacancies, filled = await _lock_vacancies(session, rows, errors)
    await _check_employers(session, rows, errors)
    refs = await references.load(session)
    batch_id = uuid.uuid4()
    records = await asyncio.to_thread(
        _records,
        rows,
        vacancies,
        refs,
        today,
        errors,
        secret=settings.person_ref_secret.get_secret_value(),
        batch_id=batch_id,
        key_id=principal.key_id,
    )
    errors.raise_if_any()

    await _copy(session, records)
    hires: dict[uuid.UUID, int] = {}
    for record in records:
        if record[2] is not None:
            hires[record[2]] = hires.get(record[2], 0) + 1
    closed: list[uuid.UUID] = []
    for vacancy_id, vacancy in vacancies.items():
        if filled[vacancy_id] + hires[vacancy_id] == vacancy.positions and vacancy.open_now:
            await repository.close_as_filled(session, vacancy)
            closed.append(vacancy_id)
    await audit.record(
        session,
        principal,
        action="import",
        entity_type=ENTITY,
        entity_id=str(batch_id),
        before=None,
        after={
            "rows": len(records),
            "format": fmt,
            "sha256": hashlib.sha256(body).hexdigest(),
            "vacancies": [str(v) for v in vacancies],
            "vacancies_filled": [str(v) for v in closed],
        },
    )
    return PlacementImportResult(
        import_batch_id=batch_id, imported=len(records), vacancies_filled=closed
    )
