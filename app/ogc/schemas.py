"""Documents of OGC API - Features Part 1: landing page, conformance, collections."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


class Link(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    href: str = Field(examples=["https://jobmap.example/ogc/collections"])
    rel: str = Field(examples=["data"])
    type: str | None = Field(default=None, examples=["application/json"])
    title: str | None = None


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]  # noqa: N815 (the standard's member name)


class SpatialExtent(BaseModel):
    bbox: list[list[float]] = Field(examples=[[[105.4, 9.5, 106.8, 10.4]]])
    crs: str = CRS84


class TemporalExtent(BaseModel):
    interval: list[list[str | None]] = Field(examples=[[["2025-07-01", None]]])
    trs: str = GREGORIAN


class Extent(BaseModel):
    spatial: SpatialExtent | None = None
    temporal: TemporalExtent | None = None


class Collection(BaseModel):
    id: str = Field(examples=["vacancies"])
    title: str
    description: str
    links: list[Link]
    extent: Extent
    itemType: str = "feature"  # noqa: N815
    crs: list[str] = Field(default_factory=lambda: [CRS84])


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]
