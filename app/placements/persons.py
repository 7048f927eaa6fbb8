"""Personal references become keyed hashes at the edge: the reference itself is never stored,
logged or returned."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_SEPARATORS = re.compile(r"[\s.\-/]+")


def normalise_ref(ref: str) -> str:
    """One spelling per person: "086 201-001.234" and "086201001234" are the same reference.

    A citizen ID (CCCD) has 12 digits and starts with 0 (the province code, 001-096), but a
    spreadsheet that stores it as a number drops that zero: 11 digits get it back, so a hire
    imported from Excel and one entered by hand are the same person."""
    normal = _SEPARATORS.sub("", unicodedata.normalize("NFKC", ref)).upper()
    if len(normal) == 11 and normal.isascii() and normal.isdigit():
        return "0" + normal
    return normal


def person_hash(secret: str, ref: str) -> bytes:
    """HMAC-SHA256 of the normalised reference: stable for counting people once, and not
    testable against guessed ID numbers without the server's secret."""
    return hmac.new(secret.encode(), normalise_ref(ref).encode(), hashlib.sha256).digest()
