"""Query parameters of OGC API - Features: parsed before any query runs. The standard answers
an invalid or unknown parameter with 400 (not the 422 of the rest of the API)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from app.errors import BadRequestError, FieldError

# Features per page: the standard lets a server cap `limit`; a larger value is taken as the
# cap, not refused (OGC 17-069r4, /req/core/fc-limit-response-1).
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Output formats: JSON only (no HTML), named as clients do.
JSON_FORMATS = frozenset({"json", "geojson"})


def invalid(name: str, message: str, kind: str = "invalid") -> BadRequestError:
    return BadRequestError(
        f"Invalid {name}: {message}.",
        errors=[FieldError(field=f"query.{name}", message=message, type=kind)],
    )


@dataclass(frozen=True)
class Box:
    """A CRS84 box that does not cross the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def parse_bbox(text: str) -> tuple[Box, ...]:
    """`minLon,minLat,maxLon,maxLat` (or six numbers with heights, which are ignored). A box
    whose west edge is east of its east edge crosses the antimeridian: two boxes."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise invalid("bbox", "expected 4 (or 6) comma-separated numbers")
    try:
        numbers = [float(part) for part in parts]
    except ValueError as exc:
        raise invalid("bbox", "not a number") from exc
    if not all(math.isfinite(number) for number in numbers):
        raise invalid("bbox", "numbers must be finite")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise invalid("bbox", "longitudes must be within [-180, 180] (order is lon,lat)")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise invalid("bbox", "latitudes must be within [-90, 90] (order is lon,lat)")
    if south > north:
        raise invalid("bbox", "the south edge is north of the north edge")
    if west <= east:
        return (Box(west, south, east, north),)
    return (Box(west, south, 180.0, north), Box(-180.0, south, east, north))


@dataclass(frozen=True)
class Interval:
    """Closed at both ends; None is open (`..`)."""

    start: datetime | None
    end: datetime | None

    def days(self, zone: tzinfo) -> tuple[date | None, date | None]:
        """The first and last days it touches where dates are kept in `zone` (Vietnam)."""
        first = self.start.astimezone(zone).date() if self.start else None
        last = self.end.astimezone(zone).date() if self.end else None
        return first, last


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339: a time zone is required, so an instant means the same everywhere.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$"
)


def _instant(text: str, zone: tzinfo, *, end: bool) -> datetime:
    """A date-time, or a date: its first (or, at an interval's end, last) moment in `zone`."""
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            if not end:
                return datetime.combine(day, time.min, zone)
            return datetime.combine(day + timedelta(days=1), time.min, zone) - timedelta(
                microseconds=1
            )
        if _DATE_TIME.match(text):
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise invalid("datetime", f"{text!r} is not a valid date or date-time") from exc
    raise invalid(
        "datetime",
        f"{text!r} is not an RFC 3339 date-time with a time zone (2026-01-31T08:00:00Z) "
        "or a date (2026-01-31)",
    )


def parse_datetime(text: str, zone: tzinfo) -> Interval:
    """An instant, a date (the whole day in `zone`), or `start/end` with `..` or nothing for
    an open end."""
    if "/" not in text:
        return Interval(_instant(text, zone, end=False), _instant(text, zone, end=True))
    first, _, last = text.partition("/")
    if "/" in last:
        raise invalid("datetime", "an interval has one '/'")
    start = None if first in ("", "..") else _instant(first, zone, end=False)
    end = None if last in ("", "..") else _instant(last, zone, end=True)
    if start is None and end is None:
        raise invalid("datetime", "at least one end of the interval must be given")
    if start is not None and end is not None and start > end:
        raise invalid("datetime", "the interval ends before it starts")
    return Interval(start, end)


def check_format(text: str | None) -> None:
    if text is not None and text not in JSON_FORMATS:
        raise invalid("f", "only json (GeoJSON for features) is served")
