"""Reading the department's import files: CSV (UTF-8, comma, semicolon or tab) or XLSX, the
header row, and each cell as the JSON field it stands for."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Sequence
from datetime import date, datetime

from openpyxl import load_workbook

from app.errors import FieldError, InvalidInputError, UnsupportedMediaTypeError

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {CSV: "csv", XLSX: "xlsx"}
# An XLSX file is a zip: refuse one that inflates far beyond what 100,000 rows take (~60 MB).
MAX_XLSX_INFLATED_BYTES = 512 * 1024 * 1024

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

Cell = str | date | bool | None


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


def text_of(value: object) -> str | None:
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
    return text_of(value)


def _digits(width: int) -> Callable[[object], Cell]:
    """Codes of a fixed number of digits that a spreadsheet read as a number: 1 -> "01"."""

    def convert(value: object) -> Cell:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**width:
            return str(value).zfill(width)
        return text_of(value)

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
    text = text_of(value)
    if text is None:
        return None
    folded = unicodedata.normalize("NFC", text).lower()
    return _BOOLEANS.get(folded, text)  # anything else: pydantic's reading or its error


def _lower(value: object) -> Cell:
    text = text_of(value)
    return None if text is None else text.lower()


def _sex(value: object) -> Cell:
    text = text_of(value)
    if text is None:
        return None
    folded = unicodedata.normalize("NFC", text).lower()
    return _SEXES.get(folded, folded)


CONVERTERS: dict[str, Callable[[object], Cell]] = {
    **dict.fromkeys(COLUMNS, text_of),
    "placed_on": _placed_on,
    "sex": _sex,
    "trained": _trained,
    "destination": _lower,
    "channel": _lower,
    "residence_commune_code": _digits(5),
    "work_commune_code": _digits(5),
    "industry_code": _digits(2),  # VSIC divisions are two digits (sections are letters)
}


def csv_rows(body: bytes) -> Generator[tuple[int, Sequence[object]], None, None]:
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


def xlsx_rows(body: bytes) -> Generator[tuple[int, Sequence[object]], None, None]:
    """The first sheet's rows, numbered as in the sheet."""

    def unreadable() -> InvalidInputError:
        return InvalidInputError(
            "The file is not a readable XLSX workbook.", field="body", reason="xlsx_invalid"
        )

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise unreadable() from exc
    if inflated > MAX_XLSX_INFLATED_BYTES:
        raise InvalidInputError(
            "The workbook is too large once unpacked: split the import.",
            field="body",
            reason="too_large",
        )
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


def blank(cells: Sequence[object]) -> bool:
    return all(text_of(value) is None for value in cells)


def header_of(cells: Sequence[object]) -> list[str]:
    names = [(text_of(value) or "").lower() for value in cells]
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
        elif name not in CONVERTERS:
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
