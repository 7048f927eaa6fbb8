"""Hostile input against every operation of the service's own OpenAPI document.

Operations, their query, path and header parameters and their request bodies are read from
`create_app(Settings()).openapi()`, and the roles each operation admits from its route's
dependencies, so a new endpoint is probed without editing this file. (A new required
parameter or request body needs a valid example here: `test_every_input_has_a_valid_example`
names what is missing.) Every hostile value is sent on top of an otherwise valid request by a
caller allowed to make it, so it reaches the code behind the parameter, not just the key check.

What is proven, for every operation and every input it takes:

- SQL fragments, NUL bytes, invalid UTF-8 (raw in bodies and headers, percent-encoded in query
  strings and paths), 1 MB strings, NaN and ±Infinity (JSON tokens and query numbers),
  out-of-range and swapped coordinates, negative, zero and huge numbers and limits, forged,
  tampered and foreign cursors, JSON nested 10,000 deep, wrong content types and bodies over
  the size limits (1 MiB, 20 MiB on /bulk and /import) are answered with a 4xx in the one
  problem+json format (`assert_problem`): never a 5xx, and never a 2xx when the value is
  invalid by the document's own schema or by nature (NUL, invalid UTF-8, 1 MB, NaN). (The one
  documented exception: /bulk answers 200 with every item reported invalid, which is refusing
  them all, and stores nothing.);
- a value the schema allows (a SQL fragment as free text, a box across the antimeridian, a
  cursor altered into another well-formed one, an empty cursor, JSON in UTF-16 with its byte
  order mark, which Python's json reads) is taken literally: no 5xx, a filter with a
  SQL fragment matches nothing, text written reads back as sent, a personal reference never
  comes back, and no stored row other than the one the request addresses changes;
- on every /v1 and /ogc operation, a query parameter it does not take (a near miss of each one
  it takes, a SQL fragment, a NUL, a 1 MB name; a tracking parameter on a write or on /ogc) is
  a 400 naming it, and one a GET of /v1 lets pass (`utm_source`, `fbclid`) changes no answer's
  status;
- on every operation that reads keys, a revoked key and every malformed `Authorization` are
  401; on those that need a role, no key is 401 and a key of another role 403; another
  employer's key on an employer's resources is refused;
- the stored data, every table by a digest of each row, is exactly as before after every
  refused request;
- no log record, captured at DEBUG for the whole run and formatted as the service writes it
  (message, extras, traceback), holds an API key, a personal reference sent in a placement,
  or a kilobyte of the 1 MB strings.

`HOSTILE_REQUESTS` counts the hostile requests sent; the last test asserts it is over a floor.
"""

from __future__ import annotations

import base64
import copy
import csv
import hashlib
import inspect
import io
import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Scope

from app.config import Settings
from app.db import Base
from app.logs import JsonFormatter
from app.main import create_app
from app.models import Role
from tests.factories import CITY_CENTRE, Actors, make_key, vacancy_payload
from tests.problems import assert_problem

# The document and the routes, as the service builds them (no database needed).
_APP = create_app(Settings())
SPEC: dict[str, Any] = _APP.openapi()
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]

JSON = "application/json"
CSV = "text/csv"
SQL_FRAGMENTS = ("' OR 1=1 --", "1; DROP TABLE vacancy; --", "$$")
MEGABYTE = 1_000_000  # under the 1 MiB body limit, so a 1 MB string in a body is read
BIG_TEXT = "x" * MEGABYTE
BIG_DIGITS = "9" * MEGABYTE
NAN_TOKENS = ("NaN", "Infinity", "-Infinity")
NUMBERS = (-1, 0, 10**12)
DEPTH = 10_000
# Antimeridian and whole-world boxes are valid boxes (OGC API takes both); out-of-range and
# swapped ones (lat/lon order: latitude 105) are not.
GOOD_BOXES = ("179,-10,-179,10", "-180,-90,180,90")
BAD_BOXES = ("105.9,10.2,181,10.3", "105.9,-91,106.0,10.3", "10.2,105.9,10.3,106.0")
LON, LAT = CITY_CENTRE
CURSOR_PARAMS = ("cursor", "after")
# Log records of the test's own HTTP client (which logs the URLs it requests) are not the
# service's logs.
CLIENT_LOGGERS = ("httpx", "httpcore")

# Reference data: digested once per test (the boundaries are megabytes).
REFERENCE_TABLES = ("area", "occupation", "industry")
MUTABLE_TABLES = tuple(sorted(set(Base.metadata.tables) - set(REFERENCE_TABLES)))
# Tables derived by triggers from the vacancies (and the placements' years' versions): a write
# changes their rows wholesale.
DERIVED_TABLES = frozenset({"map_version", "site_cell", "search_word", "placement_year_version"})
# Columns a valid read changes (a key's last use).
ROW_TEXT = {"api_key": "(to_jsonb(t) - 'last_used_at')::text"}
# The rows a write may change, by the path parameter naming them (values bound by name).
TARGET_ROWS: dict[str, dict[str, str]] = {
    "vacancy_id": {
        "vacancy": "t.id::text = :vacancy_id",
        "vacancy_site": "t.vacancy_id::text = :vacancy_id",
        "vacancy_due": "t.vacancy_id::text = :vacancy_id",  # the expiry queue
    },
    # The employer's name is also in its vacancies' search text.
    "employer_id": {
        "employer": "t.id::text = :employer_id",
        "vacancy": "t.employer_id::text = :employer_id",
    },
    "placement_id": {"placement": "t.id::text = :placement_id"},
    "year": {
        "plan_revision": "t.year::text = :year",
        "plan_target": "t.revision_id IN (SELECT id FROM plan_revision WHERE year::text = :year)",
    },
    "indicator": {"indicator_value": "t.indicator = :indicator"},
    # Areas' {code} too: reads only, so no rows of theirs are named.
    "code": {
        "programme": "t.code = :code",
        "programme_area": "t.programme_id IN (SELECT id FROM programme WHERE code = :code)",
        "programme_target": "t.programme_id IN (SELECT id FROM programme WHERE code = :code)",
    },
    "prefix": {"api_key": "t.prefix = :prefix"},
}

HOSTILE_REQUESTS: Counter[str] = Counter()
FLOOR = 3000


class Raw(str):
    """A value sent exactly as written: already percent-encoded in a URL, latin-1 bytes in a
    header (how invalid UTF-8 gets through)."""

    __slots__ = ()


# The document ----------------------------------------------------------------------------


def resolve(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with `$ref` followed and `anyOf [X, null]` unwrapped to X."""
    current = dict(schema)
    while "$ref" in current:
        target = SCHEMAS[str(current.pop("$ref")).rsplit("/", 1)[-1]]
        current = {**target, **current}
    options = [option for option in current.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        rest = {key: value for key, value in current.items() if key != "anyOf"}
        return {**rest, **resolve(options[0])}
    if options:
        current["anyOf"] = options
    return current


@dataclass(frozen=True)
class Param:
    location: str
    name: str
    required: bool
    schema: dict[str, Any]

    @property
    def numeric(self) -> bool:
        schema = resolve(self.schema.get("items", self.schema))
        return schema.get("type") in ("integer", "number")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    params: tuple[Param, ...]
    media_types: tuple[str, ...]
    body_schema: dict[str, Any] | None
    body_required: bool
    reads_keys: bool
    needs_key: bool
    roles: frozenset[Role] | None  # None: no role needed

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def located(self, location: str) -> list[Param]:
        return [param for param in self.params if param.location == location]

    def body_limit(self, settings: Settings) -> int:
        bulk = self.path.endswith(("/bulk", "/import"))
        return settings.max_bulk_body_bytes if bulk else settings.max_body_bytes


def _required_roles(dependant: Dependant) -> frozenset[Role] | None:
    """The roles of the `require(...)` dependency (app/auth/dependencies.py), marked by
    app.openapi.requires_key; None when the operation needs no role."""
    call = dependant.call
    if call is not None and getattr(call, "_jobmap_requires_key", False):
        roles = inspect.getclosurevars(call).nonlocals["roles"]
        return frozenset(Role(role) for role in roles)
    for sub in dependant.dependencies:
        found = _required_roles(sub)
        if found is not None:
            return found
    return None


def _operations() -> list[Operation]:
    roles: dict[tuple[str, str], frozenset[Role]] = {}
    for context in iter_route_contexts(_APP.routes):
        if isinstance(context.original_route, APIRoute) and context.path_format:
            needed = _required_roles(context.dependant)
            for method in context.methods or ():
                if needed is not None:
                    roles[(method, context.path_format)] = needed
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            params = tuple(
                Param(p["in"], p["name"], bool(p.get("required")), resolve(p.get("schema", {})))
                for p in operation.get("parameters", [])
            )
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    params=params,
                    media_types=tuple(content),
                    body_schema=content.get(JSON, {}).get("schema"),
                    body_required=bool(operation.get("requestBody", {}).get("required")),
                    reads_keys="security" in operation,
                    needs_key={} not in operation.get("security", [{}]),
                    roles=roles.get((method.upper(), path)),
                )
            )
    return found


OPERATIONS = _operations()


# What the schema says is invalid -----------------------------------------------------------

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TEXT_BOOLEANS = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f"})
_NUMBER_LIST = re.compile(r"-?[0-9.]+(,-?[0-9.]+)+")


def _number(value: object, *, integer: bool, as_text: bool) -> float | None:
    if as_text:
        if not isinstance(value, str) or not (_INTEGER if integer else _NUMBER).fullmatch(value):
            return None
        try:
            return int(value) if integer else float(value)
        except ValueError:  # more digits than int() takes: out of any range
            return float("inf")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if integer and isinstance(value, float):
        return value if value.is_integer() else None
    return value


def _within(schema: Mapping[str, Any], number: float) -> bool:
    return bool(
        number >= schema.get("minimum", -float("inf"))
        and number <= schema.get("maximum", float("inf"))
        and number > schema.get("exclusiveMinimum", -float("inf"))
        and number < schema.get("exclusiveMaximum", float("inf"))
    )


def _string_rejected(schema: Mapping[str, Any], value: str) -> bool:
    if "enum" in schema and value not in schema["enum"]:
        return True
    if "const" in schema and value != schema["const"]:
        return True
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        return True
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return True
    kind = schema.get("format")
    try:
        if kind == "uuid":
            uuid.UUID(value)
        elif kind == "date":
            if not _DATE.fullmatch(value):
                return True
            date.fromisoformat(value)
        elif kind == "date-time":
            return datetime.fromisoformat(value).tzinfo is None
        elif kind == "email":
            return "@" not in value
    except ValueError:
        return True
    return False


def rejects(schema: Mapping[str, Any], value: object, *, as_text: bool) -> bool:
    """Whether the document calls `value` invalid. `as_text`: a query, path, header or CSV
    value (text the service parses), else a JSON value."""
    schema = resolve(schema)
    if "anyOf" in schema:
        return all(rejects(option, value, as_text=as_text) for option in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        if as_text:
            return rejects(schema.get("items", {}), value, as_text=True)
        return not isinstance(value, list)
    if kind in ("integer", "number"):
        number = _number(value, integer=kind == "integer", as_text=as_text)
        return number is None or not _within(schema, number)
    if kind == "boolean":
        if as_text:
            return str(value).lower() not in _TEXT_BOOLEANS
        return not isinstance(value, bool) and value not in (0, 1)
    if kind == "object":
        return as_text or not isinstance(value, dict)
    if kind == "string" or {"enum", "pattern", "const"} & schema.keys():
        return not isinstance(value, str) or _string_rejected(schema, value)
    return False


def schema_at(schema: Mapping[str, Any] | None, path: Sequence[str | int]) -> dict[str, Any]:
    """The schema of the value at `path` in a body ({} when the document does not say)."""
    current = resolve(schema or {})
    for part in path:
        options = [current, *(resolve(option) for option in current.get("anyOf", []))]
        for option in options:
            if isinstance(part, int) and option.get("type") == "array":
                current = resolve(option.get("items", {}))
                break
            if isinstance(part, str) and part in option.get("properties", {}):
                current = resolve(option["properties"][part])
                break
        else:
            return {}
    return current


# Valid requests to start from -------------------------------------------------------------

# Values for parameters an operation requires (and KEEP_SMALL, to keep answers small).
QUERY_VALUES: dict[str, str] = {
    "lon": str(LON),
    "lat": str(LAT),
    "near": f"{LON},{LAT}",
    "bbox": "105.9,10.2,106.0,10.3",
    "zoom": "11",
    "from": "2026-01-01",
    "to": "2026-06-30",
    "year": "2026",
    "at": "2026-01-01",
    "through": "2026-06-30",
    "period": "2026-H1",
    "datetime": "2026-01-01",
    "limit": "1",
    "q": "ke toan",
    "entity_id": "2026",
    "type": "Phường",
    "code": "29551",
    "parent_code": "86",
    "travel_mode": "motorbike",
    "minutes": "10,20",
}
KEEP_SMALL = {"geometry": "none", "limit": "1"}
PERSON_REF = "086201004321"
NEW_COMMUNE = "28756"  # exists since 2025-07-01 only
CSV_COLUMNS = (
    "placed_on",
    "person_ref",
    "sex",
    "birth_year",
    "trained",
    "residence_commune_code",
    "destination",
    "destination_country",
    "employer_name",
    "occupation_code",
    "channel",
)
PERSON_FIELDS = frozenset({"person_ref", "sex", "birth_year", "trained", "residence_commune_code"})


def placement_body(person_ref: str) -> dict[str, Any]:
    return {
        "placed_on": "2026-03-02",
        "employer_name": "Công ty TNHH Thủy sản Đồng Tháp Mười",
        "person": {
            "person_ref": person_ref,
            "sex": "female",
            "birth_year": 1999,
            "trained": True,
            "residence_commune_code": NEW_COMMUNE,
        },
        "destination": "domestic",
        "occupation_code": "24",
        "channel": "job_fair",
    }


def csv_row(**overrides: str) -> dict[str, str]:
    row = {
        "placed_on": "2026-03-02",
        "person_ref": "086201007777",
        "sex": "male",
        "birth_year": "1990",
        "trained": "có",
        "residence_commune_code": NEW_COMMUNE,
        "destination": "domestic",
        "destination_country": "",
        "employer_name": "Hợp tác xã Rau an toàn Tân Phú",
        "occupation_code": "61",
        "channel": "job_fair",
    }
    row.update(overrides)
    return row


def csv_schema(column: str) -> dict[str, Any]:
    """What the JSON API says of the field a CSV column holds (`trained` takes words)."""
    if column == "trained":
        return {}
    path: tuple[str, ...] = ("person", column) if column in PERSON_FIELDS else (column,)
    return schema_at({"$ref": "#/components/schemas/PlacementCreate"}, path)


@dataclass(frozen=True)
class Body:
    media_type: str
    data: Any = None  # a JSON value
    rows: tuple[dict[str, str], ...] = ()  # CSV rows

    def encode(self) -> bytes:
        if self.media_type == CSV:
            return csv_bytes(self.rows)
        return json.dumps(self.data, ensure_ascii=False).encode()


def csv_bytes(rows: Sequence[Mapping[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in CSV_COLUMNS])
    return out.getvalue().encode()


@dataclass
class World:
    """Rows every operation can address, and the keys of every kind of caller."""

    actors: Actors
    settings: Settings
    vacancy_id: str
    placement_id: str
    key_prefix: str
    person_refs: list[str]

    @property
    def path_values(self) -> dict[str, str]:
        return {
            "code": "29551",
            "employer_id": str(self.actors.employer_a.id),
            "vacancy_id": self.vacancy_id,
            "placement_id": self.placement_id,
            "prefix": self.key_prefix,
            "z": "12",
            "x": "3253",
            "y": "1930",
            "year": "2026",
            "indicator": "trained_labour_ratio",
            "period": "2026-H1",
            "collection_id": "vacancies",
            "feature_id": "1",
        }

    def caller(self, operation: Operation) -> dict[str, str]:
        """A key allowed to make the request: the employer for employer-only operations, else
        the department (which may act on any employer); none for public operations."""
        if operation.roles is None:
            return self.actors.anonymous
        if Role.department in operation.roles:
            return self.actors.department
        return self.actors.a

    def bodies(self) -> dict[str, Body]:
        """A valid body for every operation that takes one."""
        sites = [{"positions": 2, "coordinates": {"lon": LON, "lat": LAT}, "address": "Lô A2"}]
        return {
            "POST /v1/employers": Body(
                JSON,
                {
                    "name": "Công ty TNHH Kiểm Thử",
                    "tax_code": "1599999991",
                    "address": "12 Phạm Thái Bường",
                    "phone": "0270 382 2345",
                    "email": "hr@kiemthu.vn",
                    "website": "https://kiemthu.vn",
                },
            ),
            "PATCH /v1/employers/{employer_id}": Body(
                JSON,
                {
                    "name": "Công ty TNHH May mặc Phước Hậu",
                    "address": "12 Phạm Thái Bường",
                    "phone": "0270 382 2345",
                    "email": "hr@phuochau.vn",
                    "website": "https://phuochau.vn",
                },
            ),
            "POST /v1/employers/{employer_id}/keys": Body(JSON, {"label": "HR system"}),
            "POST /v1/vacancies": Body(
                JSON, vacancy_payload(title="Thủ kho", external_ref="kho-1", sites=sites)
            ),
            "POST /v1/vacancies/bulk": Body(JSON, [vacancy_payload(title="Bảo vệ", sites=sites)]),
            "PATCH /v1/vacancies/{vacancy_id}": Body(
                JSON,
                {
                    "title": "Kế toán trưởng",
                    "description": "Tổng hợp sổ sách.",
                    "salary": {"min": 9_000_000, "max": 14_000_000, "period": "month"},
                    "requirements": {"experience_years": 2, "age_min": 22, "age_max": 45},
                    "contact": {"name": "Chị Lan", "phone": "0912 345 678"},
                    "external_ref": "kt-2",
                    "sites": sites,
                },
            ),
            "POST /v1/vacancies/{vacancy_id}/close": Body(JSON, {"reason": "withdrawn"}),
            "POST /v1/placements": Body(JSON, placement_body(PERSON_REF)),
            "POST /v1/placements/import": Body(CSV, rows=(csv_row(),)),
            "PATCH /v1/placements/{placement_id}": Body(
                JSON,
                {
                    "employer_name": "Công ty CP Cung ứng Nhân lực",
                    "person": {"person_ref": PERSON_REF, "birth_year": 1998},
                    "occupation_code": "72",
                },
            ),
            "POST /v1/placements/{placement_id}/void": Body(JSON, {"reason": "Recorded twice"}),
            "PUT /v1/plans/{year}": Body(
                JSON,
                {
                    "note": "Kế hoạch năm",
                    "targets": [
                        {"indicator": "new_jobs", "target": 20000},
                        {"indicator": "new_jobs", "target": 1500, "area_code": NEW_COMMUNE},
                    ],
                },
            ),
            "PUT /v1/programmes/{code}": Body(
                JSON,
                {
                    "name": "Đề án thử nghiệm",
                    "period_from": "2024-01-01",
                    "period_to": "2026-12-31",
                    "areas": ["859"],
                    "targets": [
                        {"indicator": "new_jobs", "target": 6000},
                        {"indicator": "new_jobs", "year": 2025, "target": 2000},
                    ],
                    "note": "Quyết định phê duyệt",
                },
            ),
            "PUT /v1/indicators/{indicator}/values/{period}": Body(
                JSON, {"value": 68.67, "note": "Điều tra 6 tháng"}
            ),
        }


# Probes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One hostile request and what its answer must be."""

    label: str
    operation: Operation
    url: str
    headers: tuple[tuple[bytes, bytes], ...]
    content: bytes | None = None
    invalid: bool = True  # a 2xx would accept garbage
    expect: frozenset[int] = frozenset()  # the exact statuses, when known
    chunked: bool = False
    echo: str | None = None  # free text a 2xx must read back as sent
    echo_field: str = ""  # in this field, when the answer has one
    hidden: str | None = None  # a personal reference a 2xx must not show
    matches_nothing: bool = False  # a filter: a 2xx list must be empty
    fresh_request_id: bool = False  # a hostile X-Request-ID must not be echoed
    unknown: str | None = None  # a query parameter a 400 must name (as sent, 50 characters)


def _encode(value: str) -> str:
    return value if isinstance(value, Raw) else quote(value, safe="")


def _header(value: str) -> bytes:
    return value.encode("latin-1") if isinstance(value, Raw) else value.encode()


def _short(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else f"{shown[:30]}…({len(shown)} chars)"


@dataclass(frozen=True)
class Request:
    """A valid request for an operation, to put one hostile value into."""

    operation: Operation
    path: dict[str, str]
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[bytes, bytes], ...]
    body: Body | None

    def url(
        self, path: Mapping[str, str] | None = None, query: Sequence[tuple[str, str]] = ()
    ) -> str:
        values = {**self.path, **(path or {})}
        url = re.sub(r"\{([^}]+)\}", lambda m: _encode(values[m.group(1)]), self.operation.path)
        pairs = [*self.query, *query]
        if pairs:
            url += "?" + "&".join(f"{quote(name, safe='')}={_encode(v)}" for name, v in pairs)
        return url

    def probe(
        self,
        label: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Sequence[tuple[str, str]] = (),
        drop_query: str | None = None,
        headers: Sequence[tuple[bytes, bytes]] = (),
        drop_headers: Sequence[bytes] = (),
        content: bytes | None = None,
        **expectations: Any,
    ) -> Probe:
        base = self if drop_query is None else self.without(drop_query)
        dropped = {name.lower() for name in drop_headers} | {name.lower() for name, _ in headers}
        kept = tuple((name, value) for name, value in self.headers if name.lower() not in dropped)
        body = content if content is not None else (self.body.encode() if self.body else None)
        return Probe(
            label=f"{self.operation.key} {label}",
            operation=self.operation,
            url=base.url(path, query),
            headers=(*kept, *headers),
            content=body,
            **expectations,
        )

    def without(self, name: str) -> Request:
        return replace(self, query=tuple(pair for pair in self.query if pair[0] != name))


def valid_request(world: World, operation: Operation) -> Request:
    query = [
        (param.name, QUERY_VALUES[param.name])
        for param in operation.located("query")
        if param.required
    ]
    query += [
        (param.name, KEEP_SMALL[param.name])
        for param in operation.located("query")
        if param.name in KEEP_SMALL
    ]
    headers = [(name.encode(), value.encode()) for name, value in world.caller(operation).items()]
    body = world.bodies().get(operation.key) if operation.media_types else None
    if body is not None:
        headers.append((b"content-type", body.media_type.encode()))
    path = {param.name: world.path_values[param.name] for param in operation.located("path")}
    return Request(operation, path, tuple(query), tuple(headers), body)


@dataclass(frozen=True)
class Hostile:
    kind: str
    value: str
    always_invalid: bool  # whatever the schema says


def hostile_texts(location: str, numeric: bool, base: str | None) -> list[Hostile]:
    """The hostile values for one query, path or header parameter."""
    utf8 = Raw("\xff\xfe") if location == "header" else Raw("%ff%fe")
    values = [
        Hostile("nul", "\x00", True),
        Hostile("utf8", utf8, True),
        Hostile("big", BIG_DIGITS if numeric else BIG_TEXT, True),
        *(Hostile("nan", token, False) for token in NAN_TOKENS),
        *(Hostile("number", str(number), False) for number in NUMBERS),
        *(Hostile("sql", fragment, False) for fragment in SQL_FRAGMENTS),
    ]
    if base:
        values.append(Hostile("nul", f"{base}\x00", True))
        spelt = base + "\xff\xfe" if location == "header" else _encode(base) + "%ff%fe"
        values.append(Hostile("utf8", Raw(spelt), True))
    return values


def parameter_probes(world: World, location: str) -> Iterator[Probe]:
    """Each hostile value in each parameter at `location` of every operation."""
    for operation in OPERATIONS:
        request = valid_request(world, operation)
        for param in operation.located(location):
            base = world.path_values.get(param.name) if location == "path" else None
            base = base or QUERY_VALUES.get(param.name)
            # A list of numbers (near, bbox) is invalid with any one of these in it.
            composed = base is not None and _NUMBER_LIST.fullmatch(base) is not None
            for hostile in hostile_texts(location, param.numeric, base):
                invalid = (
                    hostile.always_invalid
                    or composed
                    or rejects(param.schema, str(hostile.value), as_text=True)
                )
                label = f"{location}.{param.name}={hostile.kind}:{_short(hostile.value)}"
                expectations: dict[str, Any] = {"invalid": invalid}
                if location == "query" and hostile.kind == "sql" and param.name != "q":
                    # `q` falls back to titles similar to the words: anything else is a
                    # filter, and a fragment in it must match nothing.
                    expectations["matches_nothing"] = operation.method == "GET"
                if location == "query":
                    yield request.probe(
                        label,
                        drop_query=param.name,
                        query=[(param.name, hostile.value)],
                        **expectations,
                    )
                elif location == "path":
                    yield request.probe(label, path={param.name: hostile.value}, **expectations)
                else:
                    header = (param.name.encode(), _header(hostile.value))
                    yield request.probe(label, headers=[header], **expectations)


def geo_probes(world: World) -> Iterator[Probe]:
    """Out-of-range and swapped coordinates; antimeridian and whole-world boxes."""
    for operation in OPERATIONS:
        request = valid_request(world, operation)
        names = {param.name for param in operation.located("query")}
        if {"lon", "lat"} <= names:
            for lon, lat in (
                ("181", str(LAT)),
                ("-181", str(LAT)),
                (str(LON), "91"),
                (str(LAT), str(LON)),
            ):
                yield request.without("lon").probe(
                    f"lon={lon}&lat={lat}", drop_query="lat", query=[("lon", lon), ("lat", lat)]
                )
        if "near" in names:
            for near in ("181,10.25", f"{LON},91", f"{LAT},{LON}", f"{LON},-91"):
                yield request.probe(f"near={near}", drop_query="near", query=[("near", near)])
        if "bbox" in names:
            for box in BAD_BOXES:
                yield request.probe(f"bbox={box}", drop_query="bbox", query=[("bbox", box)])
            for box in GOOD_BOXES:
                yield request.probe(
                    f"bbox={box}", drop_query="bbox", query=[("bbox", box)], invalid=False
                )


def strict(operation: Operation) -> bool:
    return operation.path.startswith(("/v1/", "/ogc"))


def unknown_parameter_probes(world: World) -> Iterator[Probe]:
    """A parameter the operation does not take, on top of a valid request: 400 naming it."""
    for operation in filter(strict, OPERATIONS):
        request = valid_request(world, operation)
        declared = {param.name for param in operation.located("query")}
        # A near miss of each parameter it takes (`radius_` for `radius_m`), and names no
        # client would send.
        names = {name[:-1] if len(name) > 1 else name + "_" for name in declared} - declared
        names |= {"radius", SQL_FRAGMENTS[0], "a\x00b", "n" * MEGABYTE}
        if operation.method != "GET" or operation.path.startswith("/ogc"):
            names |= {"utm_source", "fbclid"}
        for name in sorted(names - declared):
            yield request.probe(
                f"unknown query {_short(name)}",
                query=[(name, "1")],
                expect=frozenset({400}),
                unknown=name,
            )


def leaves(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


_SLOT = "\ue000hostile\ue000"


def with_value(data: Any, path: Sequence[str | int], value: Any) -> Any:
    changed = copy.deepcopy(data)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def with_token(data: Any, path: Sequence[str | int], token: bytes) -> bytes:
    """The JSON text of `data` with the value at `path` written as raw `token` (NaN, a nested
    structure, bytes that are not UTF-8): things json.dumps would not write."""
    text = json.dumps(with_value(data, path, _SLOT), ensure_ascii=False).encode()
    return text.replace(json.dumps(_SLOT, ensure_ascii=False).encode(), token)


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def body_probes(world: World) -> Iterator[Probe]:
    """Hostile values in every field of every request body, and hostile bodies whole."""
    for operation in OPERATIONS:
        request = valid_request(world, operation)
        body = request.body
        if body is None:
            continue
        if body.media_type == CSV:
            yield from csv_probes(world, request, body)
            continue
        for path, original in leaves(body.data):
            yield from json_leaf_probes(world, request, body, path, original)
        document = body.encode()
        first_quote = document.index(b'"') + 1
        yield request.probe(
            "body=invalid utf-8",
            content=document[:first_quote] + b"\xff\xfe" + document[first_quote:],
        )
        # JSON in UTF-16 with its byte order mark is the same document to Python's json (RFC 8259
        # asks UTF-8 of senders): lenient, not garbage. It may be taken, never a 5xx.
        yield request.probe(
            "body=utf-16", content=document.decode().encode("utf-16"), invalid=False
        )
        yield request.probe("body=[]*10000", content=b"[" * DEPTH + b"]" * DEPTH)
        yield request.probe("body={a:}*10000", content=nested(DEPTH))
        yield request.probe("body=NaN", content=b"NaN")
        yield request.probe("body=nul", content=b"\x00")
        if operation.body_required:
            yield request.probe("body=empty", content=b"")
        first = next(iter(leaves(body.data)))[0]
        yield request.probe(
            f"body.{'.'.join(map(str, first))}=nested 10000",
            content=with_token(body.data, first, nested(DEPTH)),
        )
        if "application/x-ndjson" in operation.media_types:
            ndjson = [(b"content-type", b"application/x-ndjson")]
            yield request.probe("ndjson=nested 10000", headers=ndjson, content=nested(DEPTH))
            yield request.probe(
                "ndjson=invalid utf-8", headers=ndjson, content=b'{"title": "\xff"}'
            )
            yield request.probe("ndjson=NaN", headers=ndjson, content=b"NaN\n")


def json_leaf_probes(
    world: World, request: Request, body: Body, path: tuple[str | int, ...], original: Any
) -> Iterator[Probe]:
    schema = schema_at(request.operation.body_schema, path)
    name = ".".join(map(str, path))
    person = path[-1] == "person_ref"

    def probe(label: str, value: Any, invalid: bool, **expectations: Any) -> Probe:
        if person and isinstance(value, str) and value:
            world.person_refs.append(value)
        return request.probe(
            f"body.{name}={label}",
            # ASCII escapes: a lone surrogate has no UTF-8 form, only \ud800 in JSON.
            content=json.dumps(with_value(body.data, path, value)).encode(),
            invalid=invalid,
            **expectations,
        )

    # Personal references are marked so that the log check cannot confuse them with the same
    # fragment sent elsewhere (as a search, say).
    mark = "086201009999" if person else ""
    yield probe("nul", f"{mark}a\x00b", True)
    yield probe("lone surrogate", f"{mark}a\ud800b", True)
    yield probe("big", f"{mark}{BIG_TEXT}", True)
    for token in NAN_TOKENS:
        yield request.probe(
            f"body.{name}={token}", content=with_token(body.data, path, token.encode())
        )
    for number in NUMBERS:
        yield probe(str(number), number, rejects(schema, number, as_text=False))
    for fragment in SQL_FRAGMENTS:
        value = f"{mark}{fragment}"
        invalid = rejects(schema, value, as_text=False)
        expectations: dict[str, Any] = {}
        if person:
            expectations["hidden"] = value
        elif isinstance(original, str) and path[-1] in ECHOED_FIELDS:
            expectations.update(echo=value, echo_field=path[-1])
        yield probe(f"sql:{fragment}", value, invalid, **expectations)
    if path[-1] in ("lon", "lat"):
        for coordinate in (181.0, -181.0, 91.0, -91.0):
            yield probe(f"coordinate {coordinate}", coordinate, True)
        swapped = with_value(
            with_value(body.data, (*path[:-1], "lon"), LAT), (*path[:-1], "lat"), LON
        )
        yield request.probe(
            f"body.{name}=lat/lon swapped",
            content=json.dumps(swapped).encode(),
        )


# Free-text fields a 2xx answer shows again, as sent (they are trimmed, and these are trim).
ECHOED_FIELDS = frozenset({"title", "description", "label", "employer_name", "note", "reason"})


def csv_probes(world: World, request: Request, body: Body) -> Iterator[Probe]:
    """Hostile cells in each column of an import, and files that are not CSV."""
    row = body.rows[0]
    for column in CSV_COLUMNS:
        schema = csv_schema(column)

        def probe(label: str, value: str, invalid: bool, col: str = column) -> Probe:
            if col == "person_ref":
                # Marked, so that the log check cannot confuse it with the same value sent
                # elsewhere (a number in a path, say).
                value = f"086201008888{value}"
                world.person_refs.append(value)
            rows = ({**row, col: value},)
            return request.probe(f"csv.{col}={label}", content=csv_bytes(rows), invalid=invalid)

        yield probe("nul", "a\x00b", True)
        yield probe("big", BIG_TEXT, True)
        for token in NAN_TOKENS:
            yield probe(token, token, rejects(schema, token, as_text=True))
        for number in NUMBERS:
            yield probe(str(number), str(number), rejects(schema, str(number), as_text=True))
        for fragment in SQL_FRAGMENTS:
            yield probe(f"sql:{fragment}", fragment, rejects(schema, fragment, as_text=True))
    document = csv_bytes([row])
    yield request.probe("csv=invalid utf-8", content=document + b"\xff\xfe,\xff\r\n")
    yield request.probe("csv=json nested 10000", content=b"[" * DEPTH + b"]" * DEPTH)
    yield request.probe("csv=nul", content=b"\x00" * 1000)
    yield request.probe("csv=quote never closed", content=document + b'"' + b"x" * 100_000)


def content_type_probes(world: World) -> Iterator[Probe]:
    """A valid body under a content type the operation does not take."""
    for operation in OPERATIONS:
        request = valid_request(world, operation)
        if request.body is None:
            continue
        document = request.body.encode()
        boundary = b"hostile-boundary"
        multipart = (
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
            b'filename="body.json"\r\nContent-Type: application/json\r\n\r\n'
            + document
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
        kinds: list[tuple[bytes, bytes]] = [
            (b"text/plain", document),
            (b"application/xml", document),
            (b"application/xml", b"<?xml version='1.0'?><vacancy><title>x</title></vacancy>"),
            (b"multipart/form-data; boundary=" + boundary, multipart),
            (b"application/x-www-form-urlencoded", b"title=x&reason=filled"),
            (b"application/octet-stream", document),
        ]
        if request.body.media_type == CSV:
            kinds.append((JSON.encode(), document))
        for media_type, content in kinds:
            yield request.probe(
                f"content-type={media_type.decode()[:40]}",
                headers=[(b"content-type", media_type)],
                content=content,
                expect=frozenset({415, 422}),
            )


def oversize_probes(world: World) -> Iterator[Probe]:
    """Bodies over the limit, declared or streamed, on every operation (a GET included)."""
    for operation in OPERATIONS:
        request = valid_request(world, operation)
        limit = operation.body_limit(world.settings)
        too_large = b"x" * (limit + 1)
        too_large_only = frozenset({413})
        yield request.probe(f"body of {limit + 1} bytes", content=too_large, expect=too_large_only)
        if operation.media_types:
            yield request.probe(
                f"chunked body of {limit + 1} bytes",
                content=too_large,
                chunked=True,
                expect=too_large_only,
            )
            for declared in (b"18446744073709551616", b"-1", b"1e9", b"12 34"):
                yield request.probe(
                    f"content-length={declared.decode()}",
                    headers=[(b"content-length", declared)],
                    expect=too_large_only,
                )
        if limit > world.settings.max_body_bytes:
            # Over the ordinary limit, within this one: read, and refused for what it is.
            padding = b" " * (world.settings.max_body_bytes + 1)
            content = b"[" + padding + b"]" if operation.body_schema else csv_bytes([]) + padding
            yield request.probe(
                f"{len(content)} bytes of nothing", content=content, expect=frozenset({422})
            )


def malformed_authorizations(key: str) -> list[bytes]:
    prefix = key.split("_")[1]
    flipped = key[:-1] + ("A" if key[-1] != "A" else "B")
    return [
        b"Bearer",
        b"Bearer ",
        b"Basic dXNlcjpwYXNzd29yZA==",
        f"Token {key}".encode(),
        f"Bearer {key[:-1]}".encode(),
        f"Bearer {key}x".encode(),
        f"Bearer {flipped}".encode(),
        f"Bearer {key} {key}".encode(),
        f"Bearer \x00{key}".encode(),
        f"Bearer {key}\x00".encode(),
        b"Bearer \xff\xfe" + key.encode(),
        ("Bearer " + BIG_TEXT).encode(),
        b"Bearer ' OR 1=1 --",
        f"Bearer jm_{prefix}_' OR 1=1 --".encode(),
        b"Bearer jm_aaaaaaaa_" + b"A" * 43,
    ]


OWNED_BY_A = frozenset({"employer_id", "vacancy_id", "prefix"})


def role_probes(world: World) -> Iterator[Probe]:
    """Keys of other roles, revoked and malformed keys, other employers' resources."""
    actors = world.actors
    key = actors.a["Authorization"].removeprefix("Bearer ")
    unauthorized = frozenset({401})
    for operation in OPERATIONS:
        if not operation.reads_keys:
            continue
        request = valid_request(world, operation)
        auth = b"authorization"
        revoked = actors.revoked["Authorization"].encode()
        yield request.probe("revoked key", headers=[(auth, revoked)], expect=unauthorized)
        for value in malformed_authorizations(key):
            yield request.probe(
                f"authorization={_short(value)}", headers=[(auth, value)], expect=unauthorized
            )
        if operation.roles is None:
            continue
        yield request.probe("no key", drop_headers=[auth], expect=unauthorized)
        callers = (
            ("employer key", actors.a, Role.employer),
            ("unverified employer key", actors.unverified_key, Role.employer),
            ("department key", actors.department, Role.department),
            ("admin key", actors.admin, Role.admin),
        )
        for label, headers, role in callers:
            if role not in operation.roles:
                value = headers["Authorization"].encode()
                yield request.probe(label, headers=[(auth, value)], expect=frozenset({403}))
        if Role.employer in operation.roles:
            names = {param.name for param in operation.located("path")}
            outsider = actors.b if names & OWNED_BY_A else None
            if "placement_id" in names:
                outsider = actors.a  # recorded by the department, for no employer
            if outsider is not None:
                value = outsider["Authorization"].encode()
                yield request.probe(
                    "another employer's key",
                    headers=[(auth, value)],
                    expect=frozenset({403, 404}),
                )


def request_header_probes(world: World) -> Iterator[Probe]:
    """Headers every GET reads: a hostile X-Request-ID is never echoed (the service makes its
    own id), a hostile Accept or If-None-Match changes nothing but the format asked."""
    hostile = (Raw("a\x00b"), Raw("\xff\xfe"), BIG_TEXT, *SQL_FRAGMENTS, "a\r\nSet-Cookie: x=1")
    for operation in OPERATIONS:
        if operation.method != "GET":
            continue
        request = valid_request(world, operation)
        for value in hostile:
            headers = [
                (name, _header(value)) for name in (b"x-request-id", b"accept", b"if-none-match")
            ]
            yield request.probe(
                f"x-request-id, accept, if-none-match={_short(value)}",
                headers=headers,
                invalid=False,
                fresh_request_id=True,
            )


# Cursors ---------------------------------------------------------------------------------


def cursor_values(cursor: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


def encode_cursor(document: bytes) -> str:
    return base64.urlsafe_b64encode(document).rstrip(b"=").decode()


def crafted_cursors(cursor: str) -> Iterator[tuple[str, str]]:
    """Well-formed cursors (the right keys) holding values no page ever ends at."""
    values = cursor_values(cursor)
    assert values is not None, cursor
    for key, value in values.items():
        replacements: list[bytes] = [b"NaN", b"Infinity", b"-Infinity", b"null", b"true", b"[]"]
        if isinstance(value, int) and not isinstance(value, bool):
            replacements += [str(2**63).encode(), str(-(2**63) - 1).encode(), b"1" + b"0" * 30]
            replacements += [b"1e999", b"1.5"]
        else:
            replacements += [b'"\\u0000"', json.dumps(SQL_FRAGMENTS[0]).encode(), b"12"]
        for replacement in replacements:
            slot = {**values, key: _SLOT}
            document = json.dumps(slot, ensure_ascii=False).encode()
            document = document.replace(json.dumps(_SLOT, ensure_ascii=False).encode(), replacement)
            yield f"{key}={replacement.decode()[:20]}", encode_cursor(document)


def forged_cursors() -> list[tuple[str, str]]:
    noise = hashlib.sha256(b"hostile").digest()
    return [
        ("random base64", encode_cursor(noise)),
        ("random base64 x4", encode_cursor(noise * 4)),
        ("not base64", "!!!*~~"),
        ("padding only", "===="),
        ("json list", encode_cursor(b"[1, 2]")),
        ("json string", encode_cursor(b'"abc"')),
        ("json unclosed", encode_cursor(b'{"a": 1')),
        ("json NaN", encode_cursor(b"NaN")),
        ("json nested", encode_cursor(b"[" * 200 + b"]" * 200)),
        ("wrong keys", encode_cursor(b'{"x": 1}')),
        ("invalid utf-8", encode_cursor(b'{"a": "\xff"}')),
        ("nul", encode_cursor(b'{"a": 1}\x00')),
        ("too long", "A" * 600),
        ("non-ascii", "eyJ\u00e9"),
        ("sql", SQL_FRAGMENTS[0]),
    ]


def with_cursor(request: Request, name: str, cursor: str) -> tuple[Request, list[tuple[str, str]]]:
    query = [("limit", "1")] if any(p.name == "limit" for p in request.operation.params) else []
    return request.without(name).without("limit"), [*query, (name, cursor)]


# Running probes ----------------------------------------------------------------------------


def found_list(body: Any) -> list[Any] | None:
    """The list of results in a 2xx JSON answer, if it is a list answer."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("items", "features", "events"):
            if isinstance(body.get(key), list):
                return list(body[key])
    return None


def keys_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_in(item)


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@dataclass
class LogWatch:
    """Every log record of the test, and what none may hold."""

    caplog: pytest.LogCaptureFixture
    secrets: set[str] = field(default_factory=set)

    def add_key(self, authorization: str) -> None:
        key = authorization.removeprefix("Bearer ")
        self.secrets |= {key, key.split("_", 2)[-1]}

    def leaks(self, person_refs: Sequence[str]) -> list[str]:
        formatter = JsonFormatter()
        needles = {*self.secrets, *(ref for ref in person_refs if len(ref) >= 8)}
        needles |= {BIG_TEXT[:1024], BIG_DIGITS[:1024]}
        found = []
        # The setup's records (the rows made for the test) and the test's own so far.
        for record in [*self.caplog.get_records("setup"), *self.caplog.records]:
            if record.name.split(".")[0] in CLIENT_LOGGERS:
                continue
            # As the service writes it (message, extras, traceback), and every attribute.
            written = formatter.format(record)
            attributes = " ".join(map(str, record.__dict__.values()))
            for needle in needles:
                if needle in written or needle in attributes:
                    # Not the secret itself in the report: its start and length.
                    shown = f"{needle[:6]}…({len(needle)} chars)"
                    found.append(f"{record.name} {record.levelname}: {shown}")
        return found


async def row_digests(
    session: AsyncSession, targets: Mapping[str, str], params: Mapping[str, Any]
) -> Counter[tuple[str, str, bool]]:
    """(table, digest of the row, whether `targets` addresses it) of every mutable row."""
    selects = [
        f"SELECT '{table}' AS tbl, md5({ROW_TEXT.get(table, 't::text')}) AS digest, "  # noqa: S608 (names from the metadata)
        f"({targets.get(table, 'false')}) AS target FROM {table} t"
        for table in MUTABLE_TABLES
    ]
    result = await session.execute(text(" UNION ALL ".join(selects)), dict(params))
    return Counter((row.tbl, row.digest, bool(row.target)) for row in result)


async def reference_digests(session: AsyncSession) -> dict[str, str]:
    digests = {}
    for table in REFERENCE_TABLES:
        digests[table] = str(
            await session.scalar(
                text(
                    f"SELECT count(*)::text || md5(string_agg(md5(t::text), '' "  # noqa: S608 (a constant name)
                    f"ORDER BY md5(t::text))) FROM {table} t"
                )
            )
        )
    return digests


def untagged(digests: Counter[tuple[str, str, bool]]) -> Counter[tuple[str, str]]:
    return Counter({(table, digest): n for (table, digest, _), n in digests.items()})


@dataclass
class Run:
    """Sends probes, checks each answer, and at the end the data and the logs."""

    name: str
    app: FastAPI
    client: AsyncClient
    session: AsyncSession
    world: World
    watch: LogWatch
    failures: list[str] = field(default_factory=list)
    rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    references: dict[str, str] = field(default_factory=dict)

    async def start(self) -> None:
        self.rows = untagged(await row_digests(self.session, {}, {}))
        self.references = await reference_digests(self.session)

    async def send(self, probe: Probe) -> Response:
        content: Any = probe.content
        if probe.chunked and probe.content is not None:
            data = probe.content

            async def stream() -> AsyncIterator[bytes]:
                for start in range(0, len(data), 1 << 20):
                    yield data[start : start + (1 << 20)]

            content = stream()
        if len(probe.url) > LONGEST_URL:
            response = await call_app(
                self.app, probe.operation.method, probe.url, probe.headers, probe.content or b""
            )
        else:
            response = await self.client.request(
                probe.operation.method, probe.url, headers=list(probe.headers), content=content
            )
        HOSTILE_REQUESTS[self.name] += 1
        self.check(probe, response)
        return response

    def check(self, probe: Probe, response: Response) -> None:
        status = response.status_code
        wrong = []
        if status >= 500:
            wrong.append("server error")
        elif probe.expect and status not in probe.expect:
            wrong.append(f"expected {sorted(probe.expect)}")
        elif probe.invalid and status < 400 and not self.refused_in_body(probe, response):
            wrong.append("accepted invalid input")
        if status >= 400:
            wrong += problem_format(response)
        elif 200 <= status < 300:
            wrong += self.taken_literally(probe, response)
        if probe.unknown is not None and status == 400:
            named = {error["field"] for error in response.json().get("errors") or []}
            if f"query.{probe.unknown[:50]}" not in named:
                wrong.append(f"does not name {_short(probe.unknown)}")
        if probe.fresh_request_id and not re.fullmatch(
            r"[0-9a-f]{32}", response.headers.get("x-request-id", "")
        ):
            wrong.append(f"echoed X-Request-ID {_short(response.headers.get('x-request-id'))}")
        if wrong:
            self.failures.append(
                f"{probe.label}: {status} {'; '.join(wrong)} {_short(response.text[:200])}"
            )

    @staticmethod
    def refused_in_body(probe: Probe, response: Response) -> bool:
        """A bulk answer reports each item: refusing every one is refusing the request."""
        if not probe.operation.path.endswith("/bulk"):
            return False
        body = response.json()
        return bool(body["created"] == 0 and all(i["status"] != "created" for i in body["items"]))

    def taken_literally(self, probe: Probe, response: Response) -> list[str]:
        wrong = []
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("key"), str):
            self.watch.add_key(body["key"])  # a key made by an accepted request
        shown = probe.echo is not None and probe.echo_field in set(keys_in(body))
        if shown and probe.echo not in set(strings_in(body)):
            wrong.append(f"{_short(probe.echo)} not read back")
        if probe.hidden is not None and probe.hidden in response.text:
            wrong.append("personal reference shown")
        results = found_list(body)
        if probe.matches_nothing and results:
            wrong.append(f"a SQL fragment matched {len(results)} results")
        return wrong

    def targets(self, operation: Operation) -> dict[str, str]:
        found: dict[str, str] = {}
        for param in operation.located("path"):
            found.update(TARGET_ROWS.get(param.name, {}))
        return found

    async def send_write(self, probe: Probe) -> None:
        """A request that may be accepted: the rows it does not address stay as they were;
        refused, nothing changes at all."""
        targets = self.targets(probe.operation)
        params = {**self.world.path_values}
        before = await row_digests(self.session, targets, params)
        if untagged(before) != self.rows:
            self.failures.append(f"before {probe.label}: the data changed since the last check")
        response = await self.send(probe)
        after = await row_digests(self.session, targets, params)
        if 200 <= response.status_code < 300:
            kept = Counter(
                {k: n for k, n in before.items() if not k[2] and k[0] not in DERIVED_TABLES}
            )
            lost = kept - after
            if lost:
                tables = sorted({table for table, _, _ in lost})
                self.failures.append(f"{probe.label}: changed rows it does not address: {tables}")
        elif untagged(after) != untagged(before):
            self.failures.append(f"{probe.label}: refused, but the data changed")
        self.rows = untagged(after)

    async def finish(self) -> None:
        """Every probe answered as it must; the data as at `start`; the logs clean."""
        rows = untagged(await row_digests(self.session, {}, {}))
        if rows != self.rows:
            changed = sorted({table for table, _ in (rows - self.rows) + (self.rows - rows)})
            self.failures.append(f"the stored data changed: {changed}")
        if await reference_digests(self.session) != self.references:
            self.failures.append("the reference data changed")
        for leak in self.watch.leaks(self.world.person_refs):
            self.failures.append(f"log leak: {leak}")
        if self.failures:
            shown = "\n".join(self.failures[:80])
            pytest.fail(f"{len(self.failures)} failures:\n{shown}", pytrace=False)


# httpx refuses URLs over 64 KiB. A server in front may pass longer ones on, so these go to the
# app directly, as the server would hand them over (httpx's ASGITransport does the same).
LONGEST_URL = 60_000


async def call_app(
    app: FastAPI, method: str, url: str, headers: Sequence[tuple[bytes, bytes]], body: bytes
) -> Response:
    path, _, query = url.partition("?")
    extra = [(b"content-length", str(len(body)).encode())] if body else []
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("test", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"test"), *((n.lower(), v) for n, v in headers), *extra],
    }
    incoming: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    status, response_headers, chunks = 500, [], []

    async def receive() -> Message:
        return incoming.pop() if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, response_headers
        if message["type"] == "http.response.start":
            status, response_headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Response(status, headers=response_headers, content=b"".join(chunks))


def problem_format(response: Response) -> list[str]:
    try:
        assert_problem(response, response.status_code)
    except (AssertionError, KeyError, ValueError, TypeError) as exc:
        return [f"not a problem: {_short(exc)}"]
    return []


# Fixtures --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def log_watch(caplog: pytest.LogCaptureFixture) -> LogWatch:
    # Before any connection is opened, so SQLAlchemy logs statements and rows too.
    caplog.set_level(logging.DEBUG)
    return LogWatch(caplog)


@pytest.fixture
async def world(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    actors: Actors,
    log_watch: LogWatch,
) -> World:
    for headers in (actors.a, actors.b, actors.unverified_key, actors.department, actors.admin):
        log_watch.add_key(headers["Authorization"])
    log_watch.add_key(actors.revoked["Authorization"])
    vacancies = []
    for title, lon in (("Kế toán tổng hợp", LON), ("Công nhân may", LON + 0.01)):
        sites = [{"positions": 2, "coordinates": {"lon": lon, "lat": LAT}}]
        response = await client.post(
            "/v1/vacancies", json=vacancy_payload(title=title, sites=sites), headers=actors.a
        )
        assert response.status_code == 201, response.text
        vacancies.append(response.json()["id"])
    extra_key = await make_key(session, Role.employer, actors.employer_a.id)
    log_watch.add_key(extra_key)
    await session.commit()
    refs = ["086201001111", "086201002222"]
    placements = []
    for ref in refs:
        response = await client.post(
            "/v1/placements", json=placement_body(ref), headers=actors.department
        )
        assert response.status_code == 201, response.text
        placements.append(response.json()["id"])
    world = World(
        actors=actors,
        settings=settings,
        vacancy_id=vacancies[0],
        placement_id=placements[0],
        key_prefix=extra_key.split("_")[1],
        person_refs=[*refs, PERSON_REF],
    )
    writes = (
        "PUT /v1/plans/{year}",
        "PUT /v1/indicators/{indicator}/values/{period}",
        "PUT /v1/programmes/{code}",
    )
    for key in writes:
        operation = next(op for op in OPERATIONS if op.key == key)
        request = valid_request(world, operation)
        response = await client.request(
            operation.method,
            request.url(),
            headers=list(request.headers),
            content=request.body.encode() if request.body else None,
        )
        assert response.status_code in (200, 201), response.text
    # A second programme: their list has a next page to take a cursor from.
    term = {
        "name": "Nhiệm kỳ 2021-2025",
        "period_from": "2021-01-01",
        "period_to": "2025-12-31",
        "targets": [{"indicator": "new_jobs", "target": 100000}],
    }
    response = await client.put(
        "/v1/programmes/term-2021-2025", json=term, headers=actors.department
    )
    assert response.status_code == 201, response.text
    return world


@pytest.fixture
async def run(
    request: pytest.FixtureRequest,
    app: FastAPI,
    client: AsyncClient,
    session: AsyncSession,
    world: World,
    log_watch: LogWatch,
) -> Run:
    started = Run(request.node.name, app, client, session, world, log_watch)
    await started.start()
    return started


async def discover_cursors(run: Run) -> dict[str, tuple[str, str]]:
    """A real next cursor of every operation that pages: {operation: (parameter, cursor)}."""
    found = {}
    for operation in OPERATIONS:
        names = [p.name for p in operation.located("query") if p.name in CURSOR_PARAMS]
        if not names:
            continue
        request = valid_request(run.world, operation)
        limited = [("limit", "1")] if any(p.name == "limit" for p in operation.params) else []
        response = await run.client.get(
            request.without("limit").url(query=limited), headers=list(request.headers)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        cursor = body.get("next_cursor")
        for link in body.get("links", []):
            if link["rel"] == "next":
                cursor = parse_qs(urlsplit(link["href"]).query)["cursor"][0]
        assert cursor, f"{operation.key}: no next page to take a cursor from"
        found[operation.key] = (names[0], cursor)
    return found


# Tests -----------------------------------------------------------------------------------


async def test_every_input_has_a_valid_example(world: World) -> None:
    """New operations are probed automatically; these tables must cover what they need."""
    missing = []
    bodies = world.bodies()
    for operation in OPERATIONS:
        for param in operation.params:
            if param.location == "path" and param.name not in world.path_values:
                missing.append(f"{operation.key}: path value for {param.name}")
            if param.location == "query" and param.required and param.name not in QUERY_VALUES:
                missing.append(f"{operation.key}: query value for {param.name}")
        if operation.media_types and operation.key not in bodies:
            missing.append(f"{operation.key}: a valid body")
    assert not missing, missing
    assert len(OPERATIONS) >= 40
    # The roles are read from the routes' dependencies: every operation the document says
    # needs a key must have been understood, or its role checks would be skipped.
    assert all(op.roles is not None for op in OPERATIONS if op.needs_key)
    assert any(op.roles == frozenset({Role.employer}) for op in OPERATIONS)
    assert any(op.roles == frozenset({Role.department, Role.admin}) for op in OPERATIONS)


async def test_hostile_query_values(run: Run) -> None:
    """Values the document or their nature make invalid: a 4xx each, nothing stored changes."""
    for probe in [*parameter_probes(run.world, "query"), *geo_probes(run.world)]:
        if probe.invalid:
            await run.send(probe)
    await run.finish()


async def test_hostile_path_values(run: Run) -> None:
    for probe in parameter_probes(run.world, "path"):
        if probe.invalid:
            await run.send(probe)
    await run.finish()


async def test_hostile_header_values(run: Run) -> None:
    for probe in parameter_probes(run.world, "header"):
        if probe.invalid:
            await run.send(probe)
    await run.finish()


async def test_hostile_bodies(run: Run) -> None:
    for probe in body_probes(run.world):
        if probe.invalid:
            await run.send(probe)
    await run.finish()


async def test_unknown_query_parameters(run: Run) -> None:
    """Refused before the operation runs: nothing stored changes (`finish`)."""
    for probe in unknown_parameter_probes(run.world):
        await run.send(probe)
    # Tracking parameters on a GET of /v1 are ignored: the answer's status is the same.
    for operation in OPERATIONS:
        if operation.method != "GET" or not operation.path.startswith("/v1/"):
            continue
        request = valid_request(run.world, operation)
        plain = await run.send(request.probe("without tracking", invalid=False))
        tracked = await run.send(
            request.probe(
                "with tracking",
                query=[("utm_source", "zalo"), ("fbclid", "IwAR0x"), ("zarsrc", "30")],
                expect=frozenset({plain.status_code}),
                invalid=False,
            )
        )
        assert tracked.status_code == plain.status_code
    await run.finish()


async def test_wrong_content_types(run: Run) -> None:
    for probe in content_type_probes(run.world):
        await run.send(probe)
    await run.finish()


async def test_oversized_bodies(run: Run) -> None:
    for probe in oversize_probes(run.world):
        await run.send(probe)
    await run.finish()


async def test_keys_of_other_roles_and_malformed_keys(run: Run) -> None:
    for probe in role_probes(run.world):
        await run.send(probe)
    await run.finish()


async def test_forged_tampered_and_foreign_cursors(run: Run) -> None:
    """Random base64, a real cursor with its first character changed (no longer JSON), real
    cursors holding values no page ends at, and cursors of other operations (of another
    shape): a 4xx each."""
    cursors = await discover_cursors(run)
    for key, (name, cursor) in cursors.items():
        operation = next(op for op in OPERATIONS if op.key == key)
        request = valid_request(run.world, operation)
        shape = set(cursor_values(cursor) or ())
        tampered = ("f" if cursor[0] != "f" else "g") + cursor[1:]
        candidates = [*forged_cursors(), ("first character changed", tampered)]
        candidates += [(f"crafted {label}", value) for label, value in crafted_cursors(cursor)]
        for other_key, (_, other) in cursors.items():
            if other_key != key and set(cursor_values(other) or ()) != shape:
                candidates.append((f"cursor of {other_key}", other))
        for label, value in candidates:
            base, query = with_cursor(request, name, value)
            await run.send(base.probe(f"{name}={label}", query=query))
    await run.finish()


async def test_values_the_schema_allows_are_taken_literally(run: Run) -> None:
    """SQL fragments as free text, in-range numbers, valid boxes, altered cursors: whatever the
    answer, no 5xx, and nothing stored beyond what the request addresses changes."""
    probes = [
        *parameter_probes(run.world, "query"),
        *geo_probes(run.world),
        *parameter_probes(run.world, "path"),
        *parameter_probes(run.world, "header"),
        *body_probes(run.world),
        *request_header_probes(run.world),
    ]
    cursors = await discover_cursors(run)
    for key, (name, cursor) in cursors.items():
        operation = next(op for op in OPERATIONS if op.key == key)
        request = valid_request(run.world, operation)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        for position, char in enumerate(cursor):
            changed = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
            altered = cursor[:position] + changed + cursor[position + 1 :]
            base, query = with_cursor(request, name, altered)
            probes.append(base.probe(f"{name} char {position} changed", query=query, invalid=False))
        # An empty cursor is taken as none by some operations: the first page.
        base, query = with_cursor(request, name, "")
        probes.append(base.probe(f"{name}=empty", query=query, invalid=False))
        shape = set(cursor_values(cursor) or ())
        for other_key, (_, other) in cursors.items():
            if other_key != key and set(cursor_values(other) or ()) == shape:
                base, query = with_cursor(request, name, other)
                probes.append(base.probe(f"cursor of {other_key}", query=query, invalid=False))
    for probe in probes:
        if probe.invalid:
            continue
        if probe.operation.method == "GET":
            await run.send(probe)
        else:
            await run.send_write(probe)
    await run.finish()


def test_zz_the_count_of_hostile_requests(record_testsuite_property: Any) -> None:
    """Runs last (file order): the hostile requests the tests above sent (also in a JUnit
    report, `--junitxml`, as the suite's properties)."""
    total = sum(HOSTILE_REQUESTS.values())
    record_testsuite_property("hostile_requests", total)
    for name, count in sorted(HOSTILE_REQUESTS.items()):
        record_testsuite_property(name, count)
    if len(HOSTILE_REQUESTS) < 9:
        pytest.skip(f"only part of the suite ran ({total} hostile requests)")
    assert total > FLOOR, f"{total} hostile requests: {dict(HOSTILE_REQUESTS)}"
