"""Text input rules shared by every schema: NFC, no control characters, bounded sizes."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

# Control characters (Unicode category Cc, NUL included), lone surrogates (Cs, which PostgreSQL
# rejects), and bidirectional overrides and isolates, which can disguise text (e.g. a reversed
# phone number). One character class: a regular expression scans a megabyte in a millisecond,
# where a loop over unicodedata.category took a third of a second before the length check.
_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_NOT_IN_LINE = re.compile(f"[{_CONTROLS}\\t\\n]")
_NOT_IN_PARAGRAPHS = re.compile(f"[{_CONTROLS}]")  # newlines and tabs allowed


def _check_characters(value: str, *, multiline: bool) -> str:
    found = (_NOT_IN_PARAGRAPHS if multiline else _NOT_IN_LINE).search(value)
    if found:
        raise ValueError(f"must not contain control character U+{ord(found.group()):04X}")
    return value


def clean_line(value: object) -> object:
    """NFC, trimmed, inner whitespace runs collapsed; one line only."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value)
    _check_characters(value, multiline=False)
    return re.sub(r"\s+", " ", value).strip()


def clean_paragraphs(value: object) -> object:
    """NFC, line endings as \\n, trailing spaces trimmed; newlines and tabs allowed."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    _check_characters(value, multiline=True)
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _at_most(limit: int) -> Any:
    """A length bound checked after normalisation, with a message in characters."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters (got {len(value)})")
        return value

    return AfterValidator(check)


def _max_length_doc(limit: int) -> Any:
    return Field(json_schema_extra={"maxLength": limit})


# Documented as it is checked: something other than spaces (control characters aside).
_NOT_BLANK_DOC = Field(json_schema_extra={"minLength": 1, "pattern": r"\S"})
Line = Annotated[str, BeforeValidator(clean_line), AfterValidator(_not_blank), _NOT_BLANK_DOC]
Ref = Annotated[Line, _at_most(100), _max_length_doc(100)]
ShortLine = Annotated[Line, _at_most(200), _max_length_doc(200)]
Name = Annotated[Line, _at_most(300), _max_length_doc(300)]
Paragraphs = Annotated[
    str,
    BeforeValidator(clean_paragraphs),
    AfterValidator(_not_blank),
    _NOT_BLANK_DOC,
    _at_most(20_000),
    _max_length_doc(20_000),
]

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VN_PHONE = re.compile(r"^(?:\+84|84|0)([1-9][0-9]{8,9})$")


def normalise_phone(value: object) -> object:
    """Vietnamese numbers in any common writing (0912 345 678, +84 912.345.678) as +84..."""
    if not isinstance(value, str):
        return value
    match = _VN_PHONE.match(_PHONE_SEPARATORS.sub("", str(clean_line(value))))
    if not match:
        raise ValueError("must be a Vietnamese phone number, e.g. 0912 345 678 or +84 912 345 678")
    return "+84" + match.group(1)


Phone = Annotated[str, BeforeValidator(normalise_phone)]
