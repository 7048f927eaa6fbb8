"""Properties (Hypothesis) of the service's input parsers and grid geometry, checked on
generated inputs without a database. Proven for every input generated:

- search `bbox` and `near` (app/search/params.py): boxes and points in range round-trip to the
  same numbers; everything else (swapped, out of range, NaN, infinities, over 2 degrees a side,
  garbage) is a 422 InvalidInputError naming `query.bbox` / `query.near`, never another
  exception; `search_params` takes one location, picks the default sort, refuses a sort it
  cannot do, and accepts occupation and industry codes exactly when their documented patterns
  match;
- OGC `bbox` (app/ogc/params.py): 4 or 6 numbers (heights ignored); a box crossing the
  antimeridian becomes two boxes covering exactly the longitudes from its west edge eastwards to
  its east edge; anything else is a 400 BadRequestError naming `query.bbox`; OGC `datetime`:
  a date is its whole day, an interval is refused when it ends before it starts, garbage is a
  400 naming `query.datetime`;
- cursors (app/cursors.py): every payload round-trips through a URL-safe string; any other
  string (random, forged, tampered, of another shape) is an InvalidInputError naming the
  parameter;
- tiles (app/tiles/grid.py): Tile.checked accepts exactly the grid at zoom 0..22 and names the
  coordinate outside it; neighbours share edges to the last bit, four children partition their
  parent, the box in degrees holds exactly the tile's points;
- salary (app/vacancies/salary.py): None stays None, VND per month is monotonic in the amount,
  exact for hours, days and months, and the periods agree (a year is 12 months, a day 8 hours,
  a month 26 working days), rounding half away from zero;
- dates (app/dependencies.py, app/stats/periods.py, app/stats/checks.py): ISO dates and RFC 3339
  instants are taken as given, other spellings and numbers refused; YYYY, YYYY-Hn, YYYY-Qn and
  YYYY-MM map to their first and last days and labels tile a range; a statistics period is
  refused exactly when it is invalid, naming the field at fault.
"""

from __future__ import annotations

import base64
import calendar
import json
import math
import re
from collections.abc import Callable, Coroutine
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from app import cursors
from app.dependencies import IsoDate, IsoDatetime
from app.errors import AppError, BadRequestError, InvalidInputError
from app.models import SalaryPeriod
from app.ogc import params as ogc
from app.search.params import (
    INDUSTRY_DOC,
    MAX_BBOX_SPAN_DEG,
    OCCUPATION_DOC,
    BBox,
    Point,
    SearchParams,
    Sort,
    parse_bbox,
    parse_near,
    search_params,
)
from app.stats import periods
from app.stats.checks import EARLIEST, LATEST, MAX_SPAN_DAYS, check_period
from app.stats.definitions import REORGANISATION, AreaLevel
from app.tiles.grid import MAX_ZOOM, CellWindow, Tile
from app.vacancies.salary import monthly_vnd

T = TypeVar("T")

# Reproducible runs (as the contract tests): the same examples each time, no example database.
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)

Quad = tuple[float, float, float, float]


def outcome(parse: Callable[[], T]) -> T | AppError:
    """What a parser gives: its value, or the client error it raises. Any other exception
    (which the service would answer with a 500) escapes and fails the test."""
    try:
        return parse()
    except AppError as exc:
        return exc


def fields(result: object) -> list[str]:
    """The inputs a refusal names (fails when `result` is not a refusal)."""
    assert isinstance(result, AppError), f"accepted: {result!r}"
    return [error.field for error in result.errors or ()]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (search_params awaits nothing)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise AssertionError("the coroutine suspended")


def joined(*numbers: float) -> str:
    """Numbers as a client writes them in a query (repr round-trips every float)."""
    return ",".join(repr(number) for number in numbers)


LONS = st.floats(-180, 180)
LATS = st.floats(-90, 90)
# Finite numbers in range and a little outside it (where the refusals are).
NEAR_RANGE = st.floats(-200, 200)
NOT_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
# Digits Python's float() and int() read, but ISO 8601 and RFC 3339 do not.
ARABIC_DIGITS = str.maketrans("0123456789", "".join(chr(0x0660 + i) for i in range(10)))
# The pieces of a comma-separated list of numbers, well- and ill-formed.
NUMBER_WORDS = st.sampled_from(
    ["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1e309", "0x10", "1_0", " 1 ", "", "\u0661"]
)
NUMBER_PARTS = st.one_of(
    NUMBER_WORDS,
    st.floats().map(repr),
    st.text(alphabet="0123456789.-+eE _", max_size=8),
    st.text(max_size=4),
)
NUMBER_LISTS = st.one_of(
    st.lists(NUMBER_PARTS, max_size=7).map(",".join),
    st.text(alphabet="0123456789.,-+eE infaINFA", max_size=40),
    st.text(max_size=40),
)


# --- search: bbox and near -------------------------------------------------------------------


def search_box_ok(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> bool:
    """A viewport, as the API documents it: lon,lat in range, min < max, at most 2 degrees a
    side."""
    return (
        -180 <= min_lon < max_lon <= 180
        and -90 <= min_lat < max_lat <= 90
        and max_lon - min_lon <= MAX_BBOX_SPAN_DEG
        and max_lat - min_lat <= MAX_BBOX_SPAN_DEG
    )


@st.composite
def search_boxes(draw: st.DrawFn) -> Quad:
    """Viewports the search must accept."""
    span = st.floats(0, MAX_BBOX_SPAN_DEG, exclude_min=True)
    min_lon = draw(st.floats(-180, 180, exclude_max=True))
    min_lat = draw(st.floats(-90, 90, exclude_max=True))
    max_lon = min(180.0, min_lon + draw(span))
    max_lat = min(90.0, min_lat + draw(span))
    box = (min_lon, min_lat, max_lon, max_lat)
    assume(search_box_ok(*box))  # rounding can make a span 0 or a hair over 2
    return box


@st.composite
def mangled_search_boxes(draw: st.DrawFn) -> Quad:
    """A viewport spoilt in one of the ways clients get it wrong."""
    min_lon, min_lat, max_lon, max_lat = draw(search_boxes())
    outside = st.floats(min_value=180, exclude_min=True, allow_infinity=False)
    match draw(st.sampled_from(["swap lon", "swap lat", "lat,lon", "wide", "tall", "flat", "out"])):
        case "swap lon":
            return max_lon, min_lat, min_lon, max_lat
        case "swap lat":
            return min_lon, max_lat, max_lon, min_lat
        case "lat,lon":
            return min_lat, min_lon, max_lat, max_lon
        case "wide":
            return min_lon, min_lat, min_lon + draw(st.floats(2, 360, exclude_min=True)), max_lat
        case "tall":
            return min_lon, min_lat, max_lon, min_lat + draw(st.floats(2, 180, exclude_min=True))
        case "flat":
            return min_lon, min_lat, min_lon, max_lat
        case _:
            return min_lon, min_lat, draw(outside), max_lat


@PROPERTY
@given(box=search_boxes())
@example(box=(-180.0, -90.0, -178.0, -88.0))
@example(box=(178.0, 88.0, 180.0, 90.0))
def test_search_bbox_in_range_round_trips(box: Quad) -> None:
    assert parse_bbox(joined(*box)) == BBox(*box)


@PROPERTY
@given(
    box=st.one_of(
        search_boxes(),
        mangled_search_boxes(),
        st.tuples(NEAR_RANGE, NEAR_RANGE, NEAR_RANGE, NEAR_RANGE),
    )
)
@example(box=(105.0, 10.0, 107.0, 12.0))  # exactly 2 degrees a side: the largest allowed
@example(box=(105.0, 10.0, 107.00000000000001, 11.0))  # a hair over 2 degrees
@example(box=(10.25, 105.97, 10.3, 106.0))  # lat,lon order
def test_search_bbox_is_accepted_exactly_when_valid(box: Quad) -> None:
    result = outcome(lambda: parse_bbox(joined(*box)))
    if search_box_ok(*box):
        assert result == BBox(*box)
    else:
        assert type(result) is InvalidInputError
        assert fields(result) == ["query.bbox"]


@PROPERTY
@given(
    box=search_boxes(),
    bad=st.one_of(NOT_FINITE, st.floats(min_value=1e300, allow_infinity=False)),
    at=st.integers(0, 3),
)
def test_search_bbox_with_a_non_finite_or_huge_number_is_refused(
    box: Quad, bad: float, at: int
) -> None:
    numbers = list(box)
    numbers[at] = bad
    result = outcome(lambda: parse_bbox(joined(*numbers)))
    assert type(result) is InvalidInputError
    assert fields(result) == ["query.bbox"]


@PROPERTY
@given(text=NUMBER_LISTS)
@example(text="")
@example(text="105.9,10.2,106.0")
@example(text="105.9,10.2,106.0,10.3,0")
@example(text="nan,10.2,106.0,10.3")
@example(text="105.9,10.2,inf,10.3")
@example(text="105.9,10.2,1e309,10.3")
@example(text="106.0,10.2,105.9,10.3")
@example(text="105.9;10.2;106.0;10.3")
def test_any_search_bbox_text_is_a_viewport_or_a_422_naming_bbox(text: str) -> None:
    result = outcome(lambda: parse_bbox(text))
    if isinstance(result, BBox):
        assert search_box_ok(result.min_lon, result.min_lat, result.max_lon, result.max_lat)
    else:
        assert type(result) is InvalidInputError
        assert result.status == 422
        assert fields(result) == ["query.bbox"]


@PROPERTY
@given(lon=LONS, lat=LATS)
@example(lon=-180.0, lat=-90.0)
@example(lon=180.0, lat=90.0)
def test_near_in_range_round_trips(lon: float, lat: float) -> None:
    assert parse_near(joined(lon, lat)) == Point(lon, lat)


@PROPERTY
@given(lon=NEAR_RANGE | NOT_FINITE, lat=NEAR_RANGE | NOT_FINITE)
@example(lon=180.00000000000003, lat=0.0)
@example(lon=0.0, lat=-90.00000000000001)
def test_near_is_accepted_exactly_when_in_range(lon: float, lat: float) -> None:
    result = outcome(lambda: parse_near(joined(lon, lat)))
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        assert result == Point(lon, lat)
    else:
        assert type(result) is InvalidInputError
        assert fields(result) == ["query.near"]


@PROPERTY
@given(lon=st.floats(90, 180, exclude_min=True) | st.floats(-180, -90, exclude_max=True), lat=LATS)
def test_near_written_lat_lon_is_refused_when_the_longitude_cannot_be_a_latitude(
    lon: float, lat: float
) -> None:
    result = outcome(lambda: parse_near(joined(lat, lon)))
    assert fields(result) == ["query.near"]


@PROPERTY
@given(text=NUMBER_LISTS)
@example(text="105.97")
@example(text="105.97,10.25,0")
@example(text="105.97 10.25")
@example(text="nan,10.25")
def test_any_near_text_is_a_point_or_a_422_naming_near(text: str) -> None:
    result = outcome(lambda: parse_near(text))
    if isinstance(result, Point):
        assert -180 <= result.lon <= 180
        assert -90 <= result.lat <= 90
    else:
        assert type(result) is InvalidInputError
        assert fields(result) == ["query.near"]


def _text(numbers: Quad | tuple[float, float]) -> str:
    return joined(*numbers)


@PROPERTY
@given(
    near=st.none() | st.tuples(LONS, LATS).map(_text),
    bbox=st.none() | search_boxes().map(_text),
    area=st.none() | st.from_regex(r"[0-9]{5}", fullmatch=True),
    q=st.none() | st.from_regex(r"[a-z]{1,10}( [a-z]{1,10}){0,3}", fullmatch=True),
    sort=st.none() | st.sampled_from(Sort),
)
def test_search_takes_one_location_and_a_sort_it_can_do(
    near: str | None, bbox: str | None, area: str | None, q: str | None, sort: Sort | None
) -> None:
    result = outcome(lambda: run(search_params(near=near, bbox=bbox, area=area, q=q, sort=sort)))
    chosen = sort or (Sort.distance if near else Sort.relevance if q else Sort.newest)
    if sum(value is not None for value in (near, bbox, area)) > 1:
        assert fields(result) == ["query.near"]
    elif (
        (chosen is Sort.distance and near is None)
        or (chosen is Sort.relevance and q is None)
        or chosen is Sort.travel_time  # needs travel_mode, which this search never has
    ):
        assert fields(result) == ["query.sort"]
    else:
        assert isinstance(result, SearchParams)
        assert result.sort is chosen
        assert result.near == (parse_near(near) if near else None)
        assert result.bbox == (parse_bbox(bbox) if bbox else None)
        assert result.area == area
        assert result.q == q


CODE_TEXT = st.one_of(
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    st.from_regex(r"[A-U]|[0-9]{2}", fullmatch=True),
    st.text(alphabet="0123456789AUVZa -\n", max_size=6),
    st.text(max_size=6),
)


@PROPERTY
@given(codes=st.lists(CODE_TEXT, min_size=1, max_size=4))
@example(codes=["7"])
@example(codes=["71261"])
@example(codes=["7126\n"])
def test_occupation_codes_are_accepted_exactly_when_the_documented_pattern_matches(
    codes: list[str],
) -> None:
    # The pattern the OpenAPI document gives clients (JSON Schema: `$` is the very end).
    pattern = OCCUPATION_DOC["items"]["pattern"]
    result = outcome(lambda: run(search_params(occupation=codes)))
    if all(re.fullmatch(pattern, code) for code in codes):
        assert isinstance(result, SearchParams)
        assert result.occupation == tuple(codes)
    else:
        assert fields(result) == ["query.occupation"]


@PROPERTY
@given(codes=st.lists(CODE_TEXT, min_size=1, max_size=4))
@example(codes=["C", "10"])
@example(codes=["V"])
@example(codes=["C\n"])
def test_industry_codes_are_accepted_exactly_when_the_documented_pattern_matches(
    codes: list[str],
) -> None:
    pattern = INDUSTRY_DOC["items"]["pattern"]
    result = outcome(lambda: run(search_params(industry=codes)))
    if all(re.fullmatch(pattern, code) for code in codes):
        assert isinstance(result, SearchParams)
        assert result.industry == tuple(codes)
    else:
        assert fields(result) == ["query.industry"]


# --- OGC API - Features: bbox and datetime --------------------------------------------------


def ogc_box_ok(numbers: list[float]) -> bool:
    """OGC 17-069r4 bbox: 4 or 6 finite numbers; lon in [-180, 180], lat in [-90, 90], south
    not north of north (west may be east of east: the box crosses the antimeridian)."""
    if len(numbers) not in (4, 6) or not all(math.isfinite(number) for number in numbers):
        return False
    west, south, east, north = numbers if len(numbers) == 4 else [numbers[i] for i in (0, 1, 3, 4)]
    return -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90


@PROPERTY
@given(
    west=LONS,
    east=LONS,
    lats=st.tuples(LATS, LATS).map(sorted),
    heights=st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
    data=st.data(),
)
@example(west=170.0, east=-170.0, lats=[10.0, 11.0], heights=(0.0, 0.0), data=None)
@example(west=180.0, east=-180.0, lats=[0.0, 0.0], heights=(0.0, 0.0), data=None)
@example(west=-180.0, east=180.0, lats=[-90.0, 90.0], heights=(0.0, 0.0), data=None)
def test_ogc_bbox_covers_exactly_the_longitudes_from_west_eastwards(
    west: float, east: float, lats: list[float], heights: tuple[float, float], data: Any
) -> None:
    south, north = lats
    boxes = ogc.parse_bbox(joined(west, south, east, north))
    # Six numbers carry heights, which are ignored.
    assert ogc.parse_bbox(joined(west, south, heights[0], east, north, heights[1])) == boxes
    crosses = west > east
    assert len(boxes) == (2 if crosses else 1)
    for box in boxes:  # each box is an ordinary one that does not cross the antimeridian
        assert -180 <= box.min_lon <= box.max_lon <= 180
        assert (box.min_lat, box.max_lat) == (south, north)
    probes = [west, east, -180.0, 180.0, 0.0, (west + east) / 2]
    if data is not None:
        probes += data.draw(st.lists(LONS, max_size=20))
    for lon in probes:
        covered = any(box.min_lon <= lon <= box.max_lon for box in boxes)
        assert covered == ((lon >= west or lon <= east) if crosses else west <= lon <= east), lon


@PROPERTY
@given(
    numbers=st.lists(st.one_of(NEAR_RANGE, NOT_FINITE, st.floats()), max_size=8)
    | st.tuples(LONS, LATS, LONS, LATS).map(list)
    | st.tuples(LONS, LATS, NEAR_RANGE, LONS, LATS, NEAR_RANGE).map(list)
)
@example(numbers=[105.9, 10.3, 106.0, 10.2])  # south north of north
@example(numbers=[105.9, 10.2, math.nan, 106.0, 10.3, 0.0])  # a height that is not a number
@example(numbers=[10.2, 105.9, 10.3, 106.0])  # lat,lon order
@example(numbers=[105.9, 10.2, 0.0, 106.0, 10.3])  # five numbers
def test_ogc_bbox_is_accepted_exactly_when_valid_else_a_400_naming_bbox(
    numbers: list[float],
) -> None:
    result = outcome(lambda: ogc.parse_bbox(joined(*numbers)))
    if ogc_box_ok(numbers):
        assert isinstance(result, tuple)
        assert result
    else:
        assert type(result) is BadRequestError
        assert result.status == 400
        assert fields(result) == ["query.bbox"]


@PROPERTY
@given(text=NUMBER_LISTS)
@example(text="")
@example(text="170,10,-170")
@example(text="170,10,-170,11,inf,0")
def test_any_ogc_bbox_text_is_boxes_or_a_400_naming_bbox(text: str) -> None:
    result = outcome(lambda: ogc.parse_bbox(text))
    if isinstance(result, tuple):
        assert len(result) in (1, 2)
        for box in result:
            assert -180 <= box.min_lon <= box.max_lon <= 180
            assert -90 <= box.min_lat <= box.max_lat <= 90
    else:
        assert type(result) is BadRequestError
        assert fields(result) == ["query.bbox"]


ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# The last day has no end in Python's calendar (its last moment + 1 µs overflows).
DAYS = st.dates(max_value=date(9999, 12, 30))
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
INSTANTS = st.datetimes(timezones=OFFSETS)


@PROPERTY
@given(day=DAYS)
def test_ogc_date_is_its_whole_day_in_the_service_zone(day: date) -> None:
    interval = ogc.parse_datetime(day.isoformat(), ZONE)
    assert interval.start == datetime.combine(day, time.min, ZONE)
    assert interval.end == datetime.combine(day, time.max, ZONE)


@PROPERTY
@given(moment=INSTANTS)
def test_ogc_instant_is_itself(moment: datetime) -> None:
    interval = ogc.parse_datetime(moment.isoformat(), ZONE)
    assert interval.start == interval.end == moment


@PROPERTY
@given(
    first=st.none() | DAYS | INSTANTS,
    last=st.none() | DAYS | INSTANTS,
    open_end=st.sampled_from(["..", ""]),
)
def test_ogc_interval_is_refused_when_it_ends_before_it_starts(
    first: date | None, last: date | None, open_end: str
) -> None:
    def bound(value: date | None, *, end: bool) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return datetime.combine(value, time.max if end else time.min, ZONE)

    text = "/".join(open_end if v is None else v.isoformat() for v in (first, last))
    start, stop = bound(first, end=False), bound(last, end=True)
    result = outcome(lambda: ogc.parse_datetime(text, ZONE))
    if (start is None and stop is None) or (start and stop and start > stop):
        assert type(result) is BadRequestError
        assert fields(result) == ["query.datetime"]
    else:
        assert result == ogc.Interval(start, stop)


@PROPERTY
@given(
    text=st.text(max_size=40)
    | st.text(alphabet="0123456789-:TZ+./ ", max_size=40)
    | st.from_regex(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z))?", fullmatch=True)
)
@example(text="9999-12-31")  # its end overflows Python's calendar
@example(text="2024-02-30")
@example(text="2024-01-01T25:00:00Z")
@example(text="2024-01-01T00:00:00+24:00")
@example(text="2024-01-01T08:00:00")  # no time zone
@example(text="2024-01-01".translate(ARABIC_DIGITS))  # digits, but not ASCII ones
@example(text="2024-01-01/2024-01-02/2024-01-03")
@example(text="../..")
def test_any_ogc_datetime_text_is_an_interval_or_a_400_naming_datetime(text: str) -> None:
    result = outcome(lambda: ogc.parse_datetime(text, ZONE))
    if isinstance(result, ogc.Interval):
        assert result.start is not None or result.end is not None
        if result.start is not None and result.end is not None:
            assert result.start <= result.end
    else:
        assert type(result) is BadRequestError
        assert fields(result) == ["query.datetime"]


# --- cursors ---------------------------------------------------------------------------------

SCALARS = st.one_of(st.integers(), st.text(max_size=30), st.floats(allow_nan=False))
PAYLOADS = st.dictionaries(st.text(max_size=8), SCALARS, max_size=6)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)
# The shapes the routes decode (ogc, changes feed, placements, audit, search).
SHAPES = st.sampled_from(
    [{"a": int}, {"t": int, "i": int}, {"c": str, "i": str}, {"i": int}, {"f": str, "k": object}]
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def well_formed(values: dict[str, Any], shape: dict[str, type]) -> bool:
    return set(values) == set(shape) and all(
        isinstance(value, shape[key]) and not isinstance(value, bool)
        for key, value in values.items()
    )


@PROPERTY
@given(payload=PAYLOADS, data=st.data())
@example(payload={"a": 2**63}, data=None)
@example(payload={"k": -0.0, "i": 1}, data=None)
@example(payload={"c": "2026-01-31T08:00:00+07:00", "i": "Việt Nam"}, data=None)
@example(payload={"f": "x" * 400}, data=None)  # longer than a cursor may be
def test_cursor_round_trips_every_payload(payload: dict[str, Any], data: Any) -> None:
    cursor = cursors.encode(payload)
    assert re.fullmatch(r"[A-Za-z0-9_-]*", cursor)  # safe in a URL as it is
    kinds = {key: type(value) for key, value in payload.items()}
    optional_keys: set[str] = set()
    if data is not None and kinds:
        optional_keys = data.draw(st.sets(st.sampled_from(sorted(kinds))))
    keys = {key: kind for key, kind in kinds.items() if key not in optional_keys}
    # An optional key the cursor does not hold (longer than any generated key).
    optional = {key: kinds[key] for key in optional_keys} | {"absent-key": int}
    result = outcome(lambda: cursors.decode(cursor, "query.after", keys, optional))
    # Numbers beyond bigint are never issued (ids and offsets are bigint): refused as forged.
    beyond_bigint = any(
        isinstance(value, int) and not -(2**63) <= value < 2**63 for value in payload.values()
    )
    if len(cursor) <= cursors.MAX_CURSOR_LENGTH and not beyond_bigint:
        assert result == payload
    else:
        assert fields(result) == ["query.after"]


@PROPERTY
@given(payload=PAYLOADS.filter(bool), change=st.sampled_from(["missing", "extra", "type"]))
def test_cursor_of_another_shape_is_refused(payload: dict[str, Any], change: str) -> None:
    kinds: dict[str, type] = {key: type(value) for key, value in payload.items()}
    first = sorted(kinds)[0]
    if change == "missing":
        kinds["absent-key"] = int
    elif change == "extra":
        del kinds[first]
    else:
        kinds[first] = str if kinds[first] is not str else int
    result = outcome(lambda: cursors.decode(cursors.encode(payload), "query.cursor", kinds))
    assert type(result) is InvalidInputError
    assert fields(result) == ["query.cursor"]


@PROPERTY
@given(
    cursor=st.one_of(
        st.text(max_size=600),
        st.from_regex(r"[A-Za-z0-9_=-]{0,80}", fullmatch=True),
        st.binary(max_size=400).map(b64),
        JSON.map(lambda value: b64(json.dumps(value).encode())),
        st.dictionaries(st.sampled_from("atick"), JSON, max_size=3).map(
            lambda value: b64(json.dumps(value).encode())
        ),
    ),
    shape=SHAPES,
)
@example(cursor="", shape={"a": int})
@example(cursor="é", shape={"a": int})
@example(cursor="////", shape={"a": int})  # bytes FF FF FF: not UTF-8
@example(cursor=b64(b"\x00\x00\x00{"), shape={"a": int})  # looks like UTF-32, is not
@example(cursor=b64(b"\xff\xfe{\x00"), shape={"a": int})  # a UTF-16 BOM, then half a char
@example(cursor=b64(b"[" * 384), shape={"a": int})  # as deep as 512 characters can nest
@example(cursor=b64(b'{"a":true}'), shape={"a": int})  # bool is an int in Python
@example(cursor=b64(b'{"a":1.0}'), shape={"a": int})
@example(cursor=b64(b'{"a":NaN}'), shape={"a": int})
@example(cursor=b64(b'{"a":1e400}'), shape={"a": int})
@example(cursor=b64(b'{"a":1,"b":2}'), shape={"a": int})
@example(cursor=b64(b'{"a":"1"}'), shape={"a": int})
@example(cursor=b64(b'{"c":"\\ud800","i":"x"}'), shape={"c": str, "i": str})
@example(cursor="eyJhIjoiMSd9", shape={"a": int})  # {"a":"1'} tampered
@example(cursor="e" * (cursors.MAX_CURSOR_LENGTH + 1), shape={"a": int})
@example(cursor="eyJhIjox fQ", shape={"a": int})  # a space inside
def test_any_other_cursor_is_a_422_naming_it(cursor: str, shape: dict[str, type]) -> None:
    result = outcome(lambda: cursors.decode(cursor, "query.cursor", shape))
    if isinstance(result, dict):
        assert well_formed(result, shape)
    else:
        assert type(result) is InvalidInputError
        assert result.status == 422
        assert fields(result) == ["query.cursor"]


BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@PROPERTY
@given(
    payload=st.fixed_dictionaries({"t": st.integers(0, 2**63 - 1), "i": st.integers(0, 2**63)}),
    how=st.sampled_from(["replace", "insert", "delete", "truncate"]),
    char=st.sampled_from(BASE64URL) | st.characters(),
    data=st.data(),
)
def test_a_tampered_cursor_is_refused_or_still_well_formed(
    payload: dict[str, int], how: str, char: str, data: Any
) -> None:
    cursor = cursors.encode(payload)
    at = data.draw(st.integers(0, len(cursor) - 1))
    tampered = {
        "replace": cursor[:at] + char + cursor[at + 1 :],
        "insert": cursor[:at] + char + cursor[at:],
        "delete": cursor[:at] + cursor[at + 1 :],
        "truncate": cursor[:at],
    }[how]
    shape: dict[str, type] = {"t": int, "i": int}
    result = outcome(lambda: cursors.decode(tampered, "query.after", shape))
    if isinstance(result, dict):
        assert well_formed(result, shape)
    else:
        assert type(result) is InvalidInputError
        assert fields(result) == ["query.after"]


# --- tiles -----------------------------------------------------------------------------------

# The latitude limit of Web Mercator: the grid's square world.
MAX_LAT = math.degrees(math.atan(math.sinh(math.pi)))


@st.composite
def tiles(draw: st.DrawFn, max_zoom: int = MAX_ZOOM) -> Tile:
    z = draw(st.integers(0, max_zoom))
    index = st.integers(0, (1 << z) - 1)
    return Tile(z, draw(index), draw(index))


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point (the slippy-map formula, independent of app/tiles)."""
    n = 1 << z
    # min(): a longitude a hair under 180 rounds to the east edge of the world.
    x = min(n - 1, math.floor((lon + 180.0) / 360.0 * n))
    y = math.floor((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


@PROPERTY
@given(tile=tiles())
@example(tile=Tile(0, 0, 0))
@example(tile=Tile(MAX_ZOOM, (1 << MAX_ZOOM) - 1, (1 << MAX_ZOOM) - 1))
def test_every_tile_of_the_grid_is_accepted(tile: Tile) -> None:
    assert Tile.checked(tile.z, tile.x, tile.y) == tile
    assert tile.valid


@PROPERTY
@given(z=st.integers(-3, MAX_ZOOM + 3), data=st.data())
@example(z=-1, data=None)
@example(z=MAX_ZOOM + 1, data=None)
def test_tile_outside_the_grid_is_refused_naming_the_coordinate(z: int, data: Any) -> None:
    side = 1 << z if 0 <= z <= MAX_ZOOM else None
    reach = side or 1
    index = st.integers(-2, reach + 2) | st.integers()
    x, y = (data.draw(index), data.draw(index)) if data is not None else (0, 0)
    if side is None:
        expected = "path.z"
    elif not 0 <= x < side:
        expected = "path.x"
    elif not 0 <= y < side:
        expected = "path.y"
    else:
        expected = None
    result = outcome(lambda: Tile.checked(z, x, y))
    assert Tile(z, x, y).valid == (expected is None)
    if expected is None:
        assert result == Tile(z, x, y)
    else:
        assert type(result) is InvalidInputError
        assert fields(result) == [expected]


@PROPERTY
@given(tile=tiles())
def test_neighbouring_tiles_share_their_edges_exactly(tile: Tile) -> None:
    west, south, east, north = tile.mercator_bounds
    assert west < east
    assert south < north
    last = (1 << tile.z) - 1
    if tile.x < last:
        neighbour = Tile(tile.z, tile.x + 1, tile.y)
        assert neighbour.mercator_bounds[0] == east
        assert neighbour.lonlat_bounds[0] == tile.lonlat_bounds[2]
    if tile.y < last:  # y counts from the north
        neighbour = Tile(tile.z, tile.x, tile.y + 1)
        assert neighbour.mercator_bounds[3] == south
        assert neighbour.lonlat_bounds[3] == tile.lonlat_bounds[1]


@PROPERTY
@given(tile=tiles(max_zoom=MAX_ZOOM - 1))
def test_four_children_partition_their_parent(tile: Tile) -> None:
    children = [
        Tile(tile.z + 1, 2 * tile.x + dx, 2 * tile.y + dy) for dx in (0, 1) for dy in (0, 1)
    ]
    bounds = [child.mercator_bounds for child in children]
    assert (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    ) == tile.mercator_bounds
    area = (tile.mercator_bounds[2] - tile.mercator_bounds[0]) ** 2
    assert sum((b[2] - b[0]) * (b[3] - b[1]) for b in bounds) == pytest.approx(area)


@PROPERTY
@given(tile=tiles(), fx=st.floats(0.001, 0.999), fy=st.floats(0.001, 0.999))
@example(tile=Tile(0, 0, 0), fx=0.001, fy=0.001)
def test_tile_box_in_degrees_holds_exactly_the_tiles_points(
    tile: Tile, fx: float, fy: float
) -> None:
    west, south, east, north = tile.lonlat_bounds
    assert -180 <= west < east <= 180
    assert -MAX_LAT - 1e-9 <= south < north <= MAX_LAT + 1e-9
    # Any point inside the box (its corners nudged in by 0.1 %) is in this tile, and no other.
    lon, lat = west + fx * (east - west), south + fy * (north - south)
    assert tile_of(lon, lat, tile.z) == (tile.x, tile.y)


@PROPERTY
@given(
    lon=st.floats(-180, 180, exclude_max=True),
    lat=st.floats(-85.05, 85.05),
    z=st.integers(0, MAX_ZOOM),
)
@example(lon=-180.0, lat=0.0, z=0)
@example(lon=105.9723, lat=10.2537, z=MAX_ZOOM)
def test_a_points_tile_holds_it(lon: float, lat: float, z: int) -> None:
    x, y = tile_of(lon, lat, z)
    tile = Tile.checked(z, x, y)
    west, south, east, north = tile.lonlat_bounds
    tolerance = 1e-9  # degrees (0.1 mm): the round trip through Mercator metres
    assert west - tolerance <= lon <= east + tolerance
    assert south - tolerance <= lat <= north + tolerance
    # The cluster cell the service puts the point in lies in the same tile.
    inside = min(lon - west, east - lon, lat - south, north - lat) > tolerance
    if inside:
        block = CellWindow.of_tile(tile)
        cell = CellWindow.of_box(block.zoom, lon, lat, lon, lat)
        assert block.first_x <= cell.first_x <= block.last_x
        assert block.first_y <= cell.first_y <= block.last_y


# --- salary ----------------------------------------------------------------------------------

AMOUNTS = st.integers(0, 10**12)
SALARY_PERIODS = st.sampled_from(SalaryPeriod)


@PROPERTY
@given(period=SALARY_PERIODS)
def test_no_salary_stays_none(period: SalaryPeriod) -> None:
    assert monthly_vnd(None, period) is None


@PROPERTY
@given(a=AMOUNTS, b=AMOUNTS, period=SALARY_PERIODS)
def test_monthly_salary_is_monotonic_in_the_amount(a: int, b: int, period: SalaryPeriod) -> None:
    low, high = sorted((a, b))
    low_monthly, high_monthly = monthly_vnd(low, period), monthly_vnd(high, period)
    assert low_monthly is not None
    assert high_monthly is not None
    assert 0 <= low_monthly <= high_monthly


@PROPERTY
@given(amount=AMOUNTS)
@example(amount=6)  # half a dong a month: rounds up
@example(amount=5)
def test_salary_periods_agree(amount: int) -> None:
    assert monthly_vnd(amount, SalaryPeriod.month) == amount
    assert monthly_vnd(amount, SalaryPeriod.day) == 26 * amount
    assert monthly_vnd(amount, SalaryPeriod.hour) == 8 * 26 * amount
    # The same pay by another period: 8 hours a day, 26 days a month, 12 months a year.
    assert monthly_vnd(8 * amount, SalaryPeriod.day) == monthly_vnd(amount, SalaryPeriod.hour)
    assert monthly_vnd(26 * amount, SalaryPeriod.month) == monthly_vnd(amount, SalaryPeriod.day)
    assert monthly_vnd(12 * amount, SalaryPeriod.year) == monthly_vnd(amount, SalaryPeriod.month)
    # A yearly amount is the nearest whole VND a month, halves up.
    yearly = monthly_vnd(amount, SalaryPeriod.year)
    assert yearly == (2 * amount + 12) // 24
    assert yearly is not None
    assert abs(12 * yearly - amount) <= 6


@PROPERTY
@given(amount=AMOUNTS, period=SALARY_PERIODS)
def test_salary_rounding_is_symmetric(amount: int, period: SalaryPeriod) -> None:
    monthly = monthly_vnd(amount, period)
    assert monthly is not None
    assert monthly_vnd(-amount, period) == -monthly


# --- dates: ISO dates, instants, periods and statistics ranges --------------------------------

ISO_DATE = TypeAdapter(IsoDate)
ISO_DATETIME = TypeAdapter(IsoDatetime)
NUMBERS = st.one_of(st.integers(), st.floats(), st.booleans())


@PROPERTY
@given(day=st.dates())
def test_iso_dates_are_taken_as_given(day: date) -> None:
    assert ISO_DATE.validate_python(day.isoformat()) == day
    assert ISO_DATE.validate_json(json.dumps(day.isoformat())) == day


@PROPERTY
@given(number=NUMBERS)
@example(number=0)
@example(number=1_700_006_400)  # midnight UTC, 2023-11-15, as a Unix time
@example(number=86_400.0)
def test_numbers_are_not_dates(number: float) -> None:
    # In a query a number arrives as text; in a JSON body (placed_on) as a number.
    for value in (number, str(number)):
        with pytest.raises(ValidationError):
            ISO_DATE.validate_python(value)
    with pytest.raises(ValidationError):
        ISO_DATE.validate_json(json.dumps(number))


DATE_FORMATS = st.sampled_from(
    ["%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%dT00:00:00", "%b %d %Y"]
)


@PROPERTY
@given(day=st.dates(min_value=date(1000, 1, 1)), fmt=DATE_FORMATS, data=st.data())
def test_other_date_spellings_are_refused(day: date, fmt: str, data: Any) -> None:
    spellings = [
        day.strftime(fmt),
        f"{day.year}-{day.month}-{day.day}",
        f" {day.isoformat()}",
        f"{day.isoformat()}\n",
        day.isoformat().translate(ARABIC_DIGITS),
        data.draw(st.text(max_size=12)),
    ]
    for text in spellings:
        if text != day.isoformat() and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            with pytest.raises(ValidationError):
                ISO_DATE.validate_python(text)


@PROPERTY
@given(moment=INSTANTS)
def test_rfc3339_instants_are_taken_as_given(moment: datetime) -> None:
    parsed = ISO_DATETIME.validate_python(moment.isoformat())
    assert parsed == moment
    assert parsed.utcoffset() == moment.utcoffset()


@PROPERTY
@given(value=st.datetimes().map(datetime.isoformat) | st.dates().map(date.isoformat) | NUMBERS)
@example(value=1_700_000_000)
@example(value="1700000000")
def test_instants_without_an_offset_and_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        ISO_DATETIME.validate_python(value)


@st.composite
def period_labels(draw: st.DrawFn) -> tuple[str, date, date]:
    """A period as the API spells it, with its first and last days (from the calendar)."""
    year = draw(st.integers(1, 9998))
    kind = draw(st.sampled_from(["year", "half", "quarter", "month"]))
    if kind == "year":
        label, first, last = f"{year:04d}", 1, 12
    elif kind == "half":
        half = draw(st.integers(1, 2))
        label, first, last = f"{year:04d}-H{half}", 6 * half - 5, 6 * half
    elif kind == "quarter":
        quarter = draw(st.integers(1, 4))
        label, first, last = f"{year:04d}-Q{quarter}", 3 * quarter - 2, 3 * quarter
    else:
        month = draw(st.integers(1, 12))
        label, first, last = f"{year:04d}-{month:02d}", month, month
    return label, date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


@PROPERTY
@given(period=period_labels())
@example(period=("2024-02", date(2024, 2, 1), date(2024, 2, 29)))
@example(period=("2100-02", date(2100, 2, 1), date(2100, 2, 28)))
@example(period=("2024-H2", date(2024, 7, 1), date(2024, 12, 31)))
@example(period=("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)))
def test_periods_map_to_their_first_and_last_days(period: tuple[str, date, date]) -> None:
    label, first, last = period
    assert periods.parse(label) == (first, last)


NEAR_MISS_PERIODS = st.one_of(
    st.tuples(
        st.from_regex(r"[0-9]{1,3}|[0-9]{5,6}", fullmatch=True),
        st.sampled_from(["", "-01", "-Q1", "-H1"]),
    ),
    st.tuples(
        st.integers(1, 9998).map("{:04d}".format),
        st.sampled_from(
            [
                *("-00", "-13", "-99", "-Q0", "-Q5", "-q1", "-H0", "-H3", "-h1", "-1", "-001"),
                *("Q1", "-Q", "-H", "-", "-Q1-", "-06-01", "/Q1", "-Q1 ", " ", "-W01", "-1Q"),
            ]
        ),
    ),
    st.tuples(st.sampled_from([" ", "Y", "+", "-"]), period_labels().map(lambda p: p[0])),
).map("".join)


@PROPERTY
@given(text=NEAR_MISS_PERIODS)
@example(text="0000")
@example(text="")
def test_other_period_spellings_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        periods.parse(text)


@PROPERTY
@given(text=st.text(max_size=12) | st.text(alphabet="0123456789-QH", max_size=9))
def test_any_period_text_is_a_whole_period_or_a_value_error(text: str) -> None:
    try:
        first, last = periods.parse(text)
    except ValueError:
        return  # the plans route answers it with a 422 naming path.period
    assert first.day == 1
    assert first <= last
    assert (last + timedelta(days=1)).day == 1


UNITS = st.sampled_from(periods.PeriodUnit)


# Labels write the year as it is (a 4-digit year is what the API and statistics use).
@PROPERTY
@given(day=st.dates(min_value=date(1000, 1, 1), max_value=date(9998, 12, 31)), unit=UNITS)
def test_a_days_label_is_the_period_that_holds_it(day: date, unit: periods.PeriodUnit) -> None:
    first, last = periods.parse(periods.LABEL[unit](day))
    assert first <= day <= last
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[unit.value]
    assert (first.month - 1) % months == 0
    assert (last.year - first.year) * 12 + last.month - first.month == months - 1


@PROPERTY
@given(start=st.dates(EARLIEST, LATEST), length=st.integers(0, MAX_SPAN_DAYS), unit=UNITS)
def test_period_labels_tile_a_range_without_gaps(
    start: date, length: int, unit: periods.PeriodUnit
) -> None:
    end = start + timedelta(days=length)
    spans = [periods.parse(label) for label in periods.labels_between(start, end, unit)]
    assert spans[0][0] <= start <= spans[0][1]
    assert spans[-1][0] <= end <= spans[-1][1]
    for (_, last), (first, _) in pairwise(spans):
        assert first == last + timedelta(days=1)


@PROPERTY
@given(
    start=st.dates(date(1990, 1, 1), date(2110, 12, 31)),
    end=st.dates(date(1990, 1, 1), date(2110, 12, 31)),
    level=st.sampled_from(AreaLevel),
)
@example(start=date(2024, 3, 2), end=date(2024, 3, 1), level=AreaLevel.commune)  # from > to
@example(start=EARLIEST, end=EARLIEST + timedelta(days=MAX_SPAN_DAYS), level=AreaLevel.commune)
@example(start=EARLIEST, end=EARLIEST + timedelta(days=MAX_SPAN_DAYS + 1), level=AreaLevel.commune)
@example(start=date(2025, 1, 1), end=date(2025, 6, 30), level=AreaLevel.district)
@example(start=date(2025, 1, 1), end=date(2025, 7, 1), level=AreaLevel.district)
def test_statistics_period_is_refused_exactly_when_invalid(
    start: date, end: date, level: AreaLevel
) -> None:
    if start < EARLIEST:
        expected: str | None = "query.from"
    elif end > LATEST or end < start or (end - start).days > MAX_SPAN_DAYS:
        expected = "query.to"
    elif level is AreaLevel.district and end >= date.fromisoformat(REORGANISATION):
        expected = "query.area_level"
    else:
        expected = None
    result = outcome(lambda: check_period(start, end, level))
    if expected is None:
        assert result is None
    else:
        assert type(result) is InvalidInputError
        assert fields(result) == [expected]


@PROPERTY
@given(days=st.tuples(st.dates(EARLIEST, LATEST), st.dates(EARLIEST, LATEST)))
def test_statistics_period_ending_before_it_starts_is_refused_naming_to(
    days: tuple[date, date],
) -> None:
    start, end = days
    assume(start != end)
    start, end = max(days), min(days)
    result = outcome(lambda: check_period(start, end, AreaLevel.commune))
    assert fields(result) == ["query.to"]
