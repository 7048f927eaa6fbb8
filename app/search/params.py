"""Search parameters: parsed and validated before any query runs (422 names the field)."""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Query

from app.errors import FieldError, InvalidInputError
from app.models import EmploymentType
from app.models.travel_speed import TravelMode
from app.text import clean_line

MAX_RADIUS_M = 100_000
DEFAULT_RADIUS_M = 10_000
# Results per page of /v1/vacancies (JSON).
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100
# Features per GeoJSON collection (/v1/vacancies.geojson): a map shows more than a list.
GEOJSON_DEFAULT_LIMIT = 500
GEOJSON_MAX_LIMIT = 2000
# A viewport larger than this is a map zoomed out past where lists make sense: use tiles.
MAX_BBOX_SPAN_DEG = 2.0
MAX_Q_LENGTH = 200
# Each word is a prefix search; a dozen one-letter words would match everything many times.
MAX_Q_WORDS = 8
MAX_TRAVEL_MINUTES = 120


class Sort(StrEnum):
    distance = "distance"
    newest = "newest"
    salary = "salary"
    relevance = "relevance"
    travel_time = "travel_time"


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @property
    def centre(self) -> Point:
        return Point((self.min_lon + self.max_lon) / 2, (self.min_lat + self.max_lat) / 2)


@dataclass(frozen=True)
class SearchParams:
    near: Point | None = None
    radius_m: float = DEFAULT_RADIUS_M
    bbox: BBox | None = None
    area: str | None = None
    q: str | None = None
    occupation: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    employment_type: tuple[EmploymentType, ...] = ()
    salary_min: int | None = None
    include_unspecified: bool = False
    posted_within_days: int | None = None
    employer_id: uuid.UUID | None = None
    sort: Sort = Sort.newest
    # Travel-time search (with near): sites reachable within max_minutes by travel_mode.
    travel_mode: TravelMode | None = None
    max_minutes: int | None = None

    def fingerprint(self) -> str:
        """Identifies the query (not the page): a cursor is only valid for the same query."""
        basis = repr(
            (self.near, self.radius_m, self.bbox, self.area, self.q, self.occupation,
             self.industry, self.employment_type, self.salary_min, self.include_unspecified,
             self.posted_within_days, self.employer_id, self.sort)
        )  # fmt: skip
        if self.travel_mode is not None:
            basis += repr((self.travel_mode.value, self.max_minutes))
        return hashlib.blake2b(basis.encode(), digest_size=6).hexdigest()


def _invalid(field_name: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"Invalid {field_name}: {message}.",
        errors=[FieldError(field=f"query.{field_name}", message=message, type="invalid")],
    )


def _numbers(text: str, count: int, field_name: str) -> list[float]:
    parts = text.split(",")
    if len(parts) != count:
        raise _invalid(field_name, f"expected {count} comma-separated numbers")
    try:
        values = [float(part) for part in parts]
    except ValueError as exc:
        raise _invalid(field_name, "not a number") from exc
    if not all(math.isfinite(value) for value in values):
        raise _invalid(field_name, "numbers must be finite")
    return values


def _check_lon_lat(lon: float, lat: float, field_name: str) -> None:
    if not -180 <= lon <= 180:
        raise _invalid(field_name, "longitude must be within [-180, 180] (order is lon,lat)")
    if not -90 <= lat <= 90:
        raise _invalid(field_name, "latitude must be within [-90, 90] (order is lon,lat)")


def parse_near(text: str) -> Point:
    lon, lat = _numbers(text, 2, "near")
    _check_lon_lat(lon, lat, "near")
    return Point(lon, lat)


def parse_bbox(text: str) -> BBox:
    min_lon, min_lat, max_lon, max_lat = _numbers(text, 4, "bbox")
    _check_lon_lat(min_lon, min_lat, "bbox")
    _check_lon_lat(max_lon, max_lat, "bbox")
    if min_lon >= max_lon or min_lat >= max_lat:
        raise _invalid("bbox", "must be minLon,minLat,maxLon,maxLat with min < max")
    if max_lon - min_lon > MAX_BBOX_SPAN_DEG or max_lat - min_lat > MAX_BBOX_SPAN_DEG:
        raise _invalid("bbox", f"at most {MAX_BBOX_SPAN_DEG} degrees on each side")
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_minutes(text: str, most: int = 6) -> list[int]:
    """Isochrone times: comma-separated whole minutes, 1 to MAX_TRAVEL_MINUTES."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError as exc:
        raise _invalid("minutes", "whole minutes separated by commas") from exc
    if not 1 <= len(values) <= most:
        raise _invalid("minutes", f"1 to {most} times")
    if not all(1 <= value <= MAX_TRAVEL_MINUTES for value in values):
        raise _invalid("minutes", f"each from 1 to {MAX_TRAVEL_MINUTES}")
    return values


_OCCUPATION = re.compile(r"^[0-9]{1,4}$")
_INDUSTRY = re.compile(r"^([A-V]|[0-9]{2})$")
# The same rules in the OpenAPI document (checked below, with messages naming the code).
OCCUPATION_DOC = {"items": {"type": "string", "pattern": _OCCUPATION.pattern}}
INDUSTRY_DOC = {"items": {"type": "string", "pattern": _INDUSTRY.pattern}}


async def search_params(
    near: Annotated[
        str | None,
        Query(description="`lon,lat`: search around this point.", examples=["105.9723,10.2537"]),
    ] = None,
    radius_m: Annotated[
        float, Query(gt=0, le=MAX_RADIUS_M, allow_inf_nan=False, description="With `near`, metres.")
    ] = DEFAULT_RADIUS_M,
    bbox: Annotated[
        str | None,
        Query(
            description="`minLon,minLat,maxLon,maxLat` (at most 2 degrees a side).",
            examples=["105.9,10.2,106.0,10.3"],
        ),
    ] = None,
    area: Annotated[
        str | None, Query(pattern=r"^[0-9]{5}$", description="A current commune code.")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=MAX_Q_LENGTH, description="Free text, with or without diacritics."),
    ] = None,
    occupation: Annotated[
        list[str] | None,
        Query(description="ISCO-08 code or prefix; repeatable.", json_schema_extra=OCCUPATION_DOC),
    ] = None,
    industry: Annotated[
        list[str] | None,
        Query(
            description="VSIC section letter or division; repeatable.",
            json_schema_extra=INDUSTRY_DOC,
        ),
    ] = None,
    employment_type: Annotated[
        list[EmploymentType] | None, Query(description="Repeatable.")
    ] = None,
    salary_min: Annotated[
        int | None, Query(ge=0, le=10**10, description="Monthly VND the job pays at least.")
    ] = None,
    include_unspecified: Annotated[
        bool, Query(description="With salary_min: also jobs that state no salary.")
    ] = False,
    posted_within_days: Annotated[int | None, Query(ge=1, le=365)] = None,
    employer_id: Annotated[uuid.UUID | None, Query()] = None,
    sort: Annotated[
        Sort | None,
        Query(
            description="Default: travel_time with `travel_mode`, distance with `near`, "
            "relevance with `q`, else newest."
        ),
    ] = None,
    travel_mode: Annotated[
        TravelMode | None,
        Query(
            description="With `near` and `max_minutes`: only sites reachable within that time "
            "along the street network (`jobmap osm load`), each with `travel_s` and `travel_m`."
        ),
    ] = None,
    max_minutes: Annotated[
        int | None,
        Query(ge=1, le=MAX_TRAVEL_MINUTES, description="With `travel_mode`: minutes, 1 to 120."),
    ] = None,
) -> SearchParams:
    """Validate and combine the query parameters shared by every search route."""
    if sum(x is not None for x in (near, bbox, area)) > 1:
        raise _invalid("near", "use one of near, bbox or area")
    point = parse_near(near) if near is not None else None
    box = parse_bbox(bbox) if bbox is not None else None
    text = None
    if q is not None:
        try:
            text = str(clean_line(q))
        except ValueError as exc:
            raise _invalid("q", str(exc)) from exc
        words = [word for word in re.split(r"\W+", text) if word]
        if not words:
            raise _invalid("q", "has no letters or digits to search for")
        if len(words) > MAX_Q_WORDS:
            raise _invalid("q", f"at most {MAX_Q_WORDS} words")
    # fullmatch: `$` alone would also take a trailing newline, which the documented pattern
    # (JSON Schema, where `$` is the very end) refuses.
    for code in occupation or []:
        if not _OCCUPATION.fullmatch(code):
            raise _invalid("occupation", f"{code!r} is not an ISCO-08 code or prefix")
    for code in industry or []:
        if not _INDUSTRY.fullmatch(code):
            raise _invalid("industry", f"{code!r} is not a VSIC section or division")
    _check_travel(point, travel_mode, max_minutes, sort)
    travel = travel_mode is not None
    chosen = sort or (
        Sort.travel_time
        if travel
        else Sort.distance
        if point
        else Sort.relevance
        if text
        else Sort.newest
    )
    if chosen is Sort.distance and point is None:
        raise _invalid("sort", "distance needs near")
    if chosen is Sort.relevance and not text:
        raise _invalid("sort", "relevance needs q")
    return SearchParams(
        near=point,
        radius_m=radius_m,
        bbox=box,
        area=area,
        q=text or None,
        occupation=tuple(occupation or ()),
        industry=tuple(industry or ()),
        employment_type=tuple(employment_type or ()),
        salary_min=salary_min,
        include_unspecified=include_unspecified,
        posted_within_days=posted_within_days,
        employer_id=employer_id,
        sort=chosen,
        travel_mode=travel_mode,
        max_minutes=max_minutes,
    )


def _check_travel(
    point: Point | None, mode: TravelMode | None, minutes: int | None, sort: Sort | None
) -> None:
    if (mode is None) != (minutes is None):
        raise _invalid("travel_mode", "travel_mode and max_minutes go together")
    if mode is None:
        if sort is Sort.travel_time:
            raise _invalid("sort", "travel_time needs travel_mode and max_minutes")
        return
    if point is None:
        raise _invalid("near", "travel_mode needs near (the starting point)")
    if sort is not None and sort is not Sort.travel_time:
        raise _invalid("sort", "with travel_mode the order is travel_time")
