"""The collections offered over OGC API - Features, and the properties each can be filtered on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.dependencies import AREA_CODE_PATTERN
from app.models import EmploymentType
from app.models.area import AreaLevel
from app.ogc import repository
from app.ogc.params import Box, Interval

# The filters' patterns: in the queryables and on the items' query parameters alike.
AREA_CODE = AREA_CODE_PATTERN
OCCUPATION_CODE = r"^[0-9]{1,4}$"
OCCUPATION_GROUP = r"^[0-9]$"
INDUSTRY_CODE = r"^[A-V0-9]{1,8}$"
COMMUNE_CODE = r"^[0-9]{5}$"

# The items' filters from the boxes, the interval (with the zone its days are in) and the
# properties given.
Conditions = Callable[
    [Sequence[Box], Interval | None, tzinfo, dict[str, Any]], list[ColumnElement[bool]]
]


@dataclass(frozen=True)
class CollectionInfo:
    id: str
    title: str
    description: str
    source: repository.Source
    extent: Callable[[AsyncSession], Awaitable[repository.Extent]]
    geometry: str  # the GeoJSON schema of the features' geometry
    conditions: Conditions
    # Properties the items can be filtered on (`?name=value`), as JSON Schema.
    queryables: dict[str, dict[str, Any]] = field(default_factory=dict)


VACANCIES = CollectionInfo(
    id="vacancies",
    title="Open vacancies: work sites",
    description=(
        "One point per work site of every open, unexpired vacancy of a verified employer: the "
        "vacancies job seekers see. `datetime` selects sites active at some moment of it "
        "(published by its end, valid through its start). Vacancy details: "
        "/v1/vacancies/{vacancy_id}."
    ),
    source=repository.VACANCY_SITES,
    extent=repository.vacancies_extent,
    geometry="https://geojson.org/schema/Point.json",
    conditions=lambda boxes, interval, _zone, equal: repository.vacancy_conditions(
        boxes, interval, equal
    ),
    queryables={
        "employer_id": {"type": "string", "format": "uuid", "title": "Employer"},
        "occupation_code": {
            "type": "string",
            "pattern": OCCUPATION_CODE,
            "title": "ISCO-08 occupation code",
        },
        "occupation_group": {
            "type": "string",
            "pattern": OCCUPATION_GROUP,
            "title": "ISCO-08 major group (first digit)",
        },
        "industry_code": {
            "type": "string",
            "pattern": INDUSTRY_CODE,
            "title": "VSIC industry code (2018 or 2025, by posting date)",
        },
        "employment_type": {
            "type": "string",
            "enum": [kind.value for kind in EmploymentType],
            "title": "Employment type",
        },
        "commune_code": {
            "type": "string",
            "pattern": COMMUNE_CODE,
            "title": "Commune the site lay in when posted",
        },
        "approximate": {
            "type": "boolean",
            "title": "Placed at the commune's representative point",
        },
    },
)

AREAS = CollectionInfo(
    id="areas",
    title="Administrative units of Vĩnh Long, with validity dates",
    description=(
        "Every version of every unit: since 2025-07-01 province 86 and its 124 communes; "
        "before, the old province, its 8 districts and their communes (codes, no boundaries). "
        "`datetime` selects the versions valid on some day of it (in Vietnam's time zone): "
        "`datetime=2025-06-30` gives the districts, `datetime=2025-07-01` the communes. "
        "Boundaries: MIT, © 2021 Thang Le Quoc (vietnamese-provinces-database), derived from "
        "the Vietnam Administrative Units Reference Map (sapnhap.bando.com.vn); pre-2025 "
        "district shapes: Who's On First (CC0)."
    ),
    source=repository.AREA_VERSIONS,
    extent=repository.areas_extent,
    geometry="https://geojson.org/schema/MultiPolygon.json",
    # A unit's validity is in days, in Vietnam: the interval becomes days there.
    conditions=lambda boxes, interval, zone, equal: repository.area_conditions(
        boxes, interval.days(zone) if interval else None, equal
    ),
    queryables={
        "code": {"type": "string", "pattern": AREA_CODE, "title": "Official code"},
        "level": {
            "type": "string",
            "enum": [level.value for level in AreaLevel],
            "title": "Level",
        },
        "parent_code": {"type": "string", "pattern": AREA_CODE, "title": "Parent unit's code"},
        "type": {"type": "string", "maxLength": 50, "title": "Kind (Phường, Xã, Huyện...)"},
    },
)

COLLECTIONS = {info.id: info for info in (VACANCIES, AREAS)}
