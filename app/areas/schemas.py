"""Shapes of area responses. GeoJSON bodies are built in SQL; these models document them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.area import AreaLevel


class GeometryMode(StrEnum):
    full = "full"
    simplified = "simplified"
    point = "point"
    none = "none"


class AreaProperties(BaseModel):
    """Properties of an area Feature. Source extras (e.g. `predecessor_codes`) may follow."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(examples=["29557"], description="Official GSO/NSO code, leading zeros kept.")
    name: str = Field(examples=["Phước Hậu"])
    full_name: str = Field(examples=["Phường Phước Hậu"])
    name_ascii: str = Field(examples=["Phuoc Hau"])
    type: str = Field(examples=["Phường"])
    level: AreaLevel
    parent_code: str | None = Field(examples=["86"])
    valid_from: date | None = Field(description="First day valid; null if unknown.")
    valid_to: date | None = Field(description="First day no longer valid; null if still valid.")
    area_km2: float | None


class AreaFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None = Field(
        description="MultiPolygon (simplified with geometry=simplified, Point with "
        "geometry=point) in WGS84 lon/lat; "
        "null for units known only by code."
    )
    properties: AreaProperties


class AreaFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[AreaFeature]


class AreaSummary(BaseModel):
    """An area without its geometry."""

    code: str
    name: str
    full_name: str
    type: str
    level: AreaLevel
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None


class AreaLookup(BaseModel):
    """The units containing a point on a date, most local first."""

    lon: float
    lat: float
    at: date
    units: list[AreaSummary] = Field(
        examples=[
            [
                {
                    "code": "29557",
                    "name": "Phước Hậu",
                    "full_name": "Phường Phước Hậu",
                    "type": "Phường",
                    "level": "commune",
                    "parent_code": "86",
                    "valid_from": "2025-07-01",
                    "valid_to": None,
                },
                {
                    "code": "86",
                    "name": "Vĩnh Long",
                    "full_name": "Tỉnh Vĩnh Long",
                    "type": "Tỉnh",
                    "level": "province",
                    "parent_code": None,
                    "valid_from": "2025-07-01",
                    "valid_to": None,
                },
            ]
        ]
    )
