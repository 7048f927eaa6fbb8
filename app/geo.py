"""PostGIS expressions that several domains compose alike (geography casts, named points,
boxes, GeoJSON output) and the lon/lat types. A domain's own spatial SQL lives in its
repository. Coordinates are (lon, lat), EPSG:4326."""

from __future__ import annotations

from typing import Annotated, Any

from geoalchemy2 import Geography
from pydantic import Field
from sqlalchemy import ColumnElement, Float, bindparam, cast, func, literal
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import QueryableAttribute

WGS84 = 4326
# 6 decimals of a degree is about 0.1 m: finer than any source we load.
GEOJSON = "application/geo+json"  # the media type
GEOJSON_DECIMALS = 6

Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, examples=[105.9723])]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, examples=[10.2537])]


def point(lon: float, lat: float) -> ColumnElement[Any]:
    """A WGS84 point built from bound numbers (never WKT through the driver)."""
    return func.ST_SetSRID(func.ST_MakePoint(literal(lon), literal(lat)), WGS84)


def named_point(name: str, lon: float, lat: float) -> ColumnElement[Any]:
    """A WGS84 point from the named parameters `<name>_lon` and `<name>_lat`: a statement
    built once can then be run again for another point (see app/search/geojson.py)."""
    return func.ST_SetSRID(
        func.ST_MakePoint(
            bindparam(f"{name}_lon", lon, type_=Float), bindparam(f"{name}_lat", lat, type_=Float)
        ),
        WGS84,
    )


def multipolygon_from_geojson(geojson: str) -> ColumnElement[Any]:
    """A GeoJSON geometry string as a WGS84 MultiPolygon (polygons are promoted)."""
    return func.ST_Multi(func.ST_SetSRID(func.ST_GeomFromGeoJSON(geojson), WGS84))


def as_geojson(
    geom: QueryableAttribute[Any] | ColumnElement[Any], decimals: int = GEOJSON_DECIMALS
) -> ColumnElement[Any]:
    """A geometry as a GeoJSON `json` value with at most `decimals` decimals (NULL stays
    NULL, as GeoJSON allows)."""
    return cast(func.ST_AsGeoJSON(geom, decimals), JSON)


def geography(geom: QueryableAttribute[Any] | ColumnElement[Any]) -> ColumnElement[Any]:
    """As geography, so distances are metres on the WGS84 spheroid. Written `geography(geom)`,
    which PostgreSQL treats as the `geom::geography` of the partial GiST index on sites."""
    return func.geography(geom, type_=Geography(srid=WGS84))


def point_in_box(
    geom: QueryableAttribute[Any] | ColumnElement[Any], west: Any, south: Any, east: Any, north: Any
) -> list[ColumnElement[bool]]:
    """A point within a box, edges included, as one predicate the planner estimates well.

    ST_Intersects reads the GiST index through `&&` (PostGIS adds it as the index condition)
    and then tests the exact coordinates (`&&` alone compares single-precision boxes: a point
    a metre outside passes); PostGIS estimates it from the column's statistics like `&&`
    alone. The same test written as `&&` plus ST_X/ST_Y BETWEEN was estimated at a few rows
    for a box of 265,000 sites, and the planner sorted the whole box instead of walking the
    index nearest-first: 394 ms instead of 2 ms (issue 22, docs/architecture.md)."""
    return [func.ST_Intersects(geom, func.ST_MakeEnvelope(west, south, east, north, WGS84))]
