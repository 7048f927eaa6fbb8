"""OGC API - Features Part 1 (Core, GeoJSON) at `/ogc`: the vacancies and the administrative
areas for GIS clients (QGIS, GDAL's OAPIF driver, ArcGIS, OpenLayers)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.openapi.utils import get_openapi
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.db import SessionDep
from app.dependencies import SettingsDep
from app.errors import Problem
from app.geo import GEOJSON
from app.http_cache import cached_response, etag_for
from app.models import EmploymentType
from app.models.area import AreaLevel
from app.ogc import service
from app.ogc.collections import (
    AREA_CODE,
    AREAS,
    COLLECTIONS,
    COMMUNE_CODE,
    INDUSTRY_CODE,
    OCCUPATION_CODE,
    OCCUPATION_GROUP,
    VACANCIES,
    CollectionInfo,
)
from app.ogc.params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    check_format,
    parse_bbox,
    parse_datetime,
)
from app.ogc.routing import OgcRoute
from app.ogc.schemas import (
    Collection,
    Collections,
    Conformance,
    LandingPage,
)
from app.ogc.service import JSON, ItemsQuery, link
from app.query_params import only_standard_params

OPENAPI = "application/vnd.oai.openapi+json;version=3.1"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
# The member service.items writes into each page.
_TIMESTAMP = re.compile(rb'"timeStamp":"[^"]*",')

router = APIRouter(
    prefix="/ogc",
    tags=["ogc"],
    route_class=OgcRoute,
    dependencies=[Depends(only_standard_params)],
)
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "An invalid or unknown parameter; `errors` names it."},
    404: {"model": Problem, "description": "No such collection or feature."},
}

Format = Annotated[
    Literal["json", "geojson"] | None,
    Query(description="Only JSON is served (GeoJSON for features); the parameter is optional."),
]
Limit = Annotated[
    int,
    Query(ge=1, description=f"Features per page; larger values are taken as {MAX_LIMIT}."),
]
BBox = Annotated[
    str | None,
    Query(
        description="`minLon,minLat,maxLon,maxLat` in CRS84 (edges included; west > east "
        "crosses the antimeridian).",
        examples=["105.9,10.2,106.0,10.3"],
    ),
]
DateTime = Annotated[
    str | None,
    Query(
        alias="datetime",
        description="An RFC 3339 instant (with a time zone), a date, or an interval "
        "`start/end` with `..` for an open end.",
        examples=["2026-01-01T00:00:00Z/.."],
    ),
]
Cursor = Annotated[
    str | None,
    Query(max_length=cursors.MAX_CURSOR_LENGTH, description="From the `next` link; opaque."),
]
ResultType = Annotated[
    Literal["results", "hits"],
    Query(
        alias="resultType",
        description="`hits`: only `numberMatched`, counted to the end (read by GDAL for counts).",
    ),
]


def _base(request: Request) -> str:
    """Absolute: GDAL 3.6 cannot follow relative links."""
    return str(request.base_url).rstrip("/") + "/ogc"


# Cache-Control: app/http_cache.py (documents that change with a deployment, lists with the
# data).
def _json(request: Request, document: Any, media_type: str = JSON) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return cached_response(request, body, media_type=media_type)


def _model(request: Request, model: Any) -> Response:
    body = model.model_dump_json(exclude_none=True).encode()
    return cached_response(request, body, media_type=JSON)


@router.get("", response_model=LandingPage, responses=PROBLEMS, summary="OGC API landing page")
async def landing_page(request: Request, f: Format = None) -> Response:
    """What the API offers and where: the API definition, conformance, the collections."""
    check_format(f)
    base = _base(request)
    page = LandingPage(
        title="Vĩnh Long job map: OGC API - Features",
        description="Open vacancies (work sites) and administrative units with validity "
        "dates, for GIS clients.",
        links=[
            link(base, "self", JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI, "The API definition"),
            link(str(request.base_url) + "docs", "service-doc", "text/html", "API reference"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    )
    return _model(request, page)


@router.get(
    "/conformance", response_model=Conformance, responses=PROBLEMS, summary="Conformance classes"
)
async def conformance(request: Request, f: Format = None) -> Response:
    """OGC API - Features Part 1: Core and GeoJSON."""
    check_format(f)
    return _model(request, Conformance(conformsTo=CONFORMANCE))


@router.get(
    "/api",
    response_class=Response,
    responses={400: PROBLEMS[400]},
    summary="The API definition of /ogc (OpenAPI)",
)
async def api_definition(request: Request, f: Format = None) -> Response:
    """This API's paths relative to `/ogc`, as OGC clients look them up (GDAL finds the
    filterable properties of `/collections/{id}/items` here)."""
    check_format(f)
    full = request.app.openapi()
    paths = {
        path.removeprefix("/ogc") or "/": item
        for path, item in full["paths"].items()
        if path == "/ogc" or path.startswith("/ogc/")
    }
    document = get_openapi(
        title=f"{full['info']['title']}: OGC API - Features",
        version=full["info"]["version"],
        openapi_version=full.get("openapi", "3.1.0"),
        description="OGC API - Features Part 1 (Core, GeoJSON).",
        routes=[],
        servers=[{"url": _base(request)}],
    )
    document["paths"] = paths
    document["components"] = full.get("components", {})
    # OpenAPI 3.1 under its own media type to clients that ask for it; plain JSON to the rest
    # (GDAL 3.6 accepts only the 3.0 type or application/json).
    accept = request.headers.get("accept", "").replace(" ", "")
    media_type = OPENAPI if OPENAPI in accept else JSON
    return _json(request, document, media_type=media_type)


CollectionId = Annotated[str, Path(examples=["vacancies"], max_length=100)]


@router.get(
    "/collections", response_model=Collections, responses=PROBLEMS, summary="The collections"
)
async def list_collections(request: Request, session: SessionDep, f: Format = None) -> Response:
    """Every collection with its extent and links."""
    check_format(f)
    collections = Collections(
        links=[link(f"{_base(request)}/collections", "self", JSON, "This document")],
        collections=[
            await service.collection(session, info, _base(request)) for info in COLLECTIONS.values()
        ],
    )
    return _model(request, collections)


@router.get(
    "/collections/{collection_id}",
    response_model=Collection,
    responses=PROBLEMS,
    summary="One collection",
)
async def get_collection(
    request: Request, session: SessionDep, collection_id: CollectionId, f: Format = None
) -> Response:
    """The collection's extent (space and time) and links."""
    check_format(f)
    collection = await service.collection(session, service.known(collection_id), _base(request))
    return _model(request, collection)


@router.get(
    "/collections/{collection_id}/queryables",
    response_class=Response,
    responses={**PROBLEMS, 200: {"content": {"application/schema+json": {}}}},
    summary="The properties a collection's items can be filtered on (JSON Schema)",
)
async def queryables(request: Request, collection_id: CollectionId, f: Format = None) -> Response:
    """Each can be given as `?name=value` on the items (equality)."""
    check_format(f)
    info = service.known(collection_id)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{_base(request)}/collections/{info.id}/queryables",
        "type": "object",
        "title": info.title,
        "properties": {"geometry": {"$ref": info.geometry}, **info.queryables},
        "additionalProperties": False,
    }
    return _json(request, schema, media_type="application/schema+json")


async def items_query(
    settings: SettingsDep,
    limit: Limit = DEFAULT_LIMIT,
    bbox: BBox = None,
    datetime_: DateTime = None,
    cursor: Cursor = None,
    result_type: ResultType = "results",
    f: Format = None,
) -> ItemsQuery:
    check_format(f)
    return ItemsQuery(
        limit=min(limit, MAX_LIMIT),
        boxes=parse_bbox(bbox) if bbox is not None else (),
        interval=parse_datetime(datetime_, settings.tz) if datetime_ is not None else None,
        cursor=cursor,
        result_type=result_type,
        zone=settings.tz,
    )


Items = Annotated[ItemsQuery, Depends(items_query)]


async def _items(
    request: Request,
    session: AsyncSession,
    info: CollectionInfo,
    items: ItemsQuery,
    equal: dict[str, Any],
) -> Response:
    text = await service.items(
        session,
        info,
        items,
        equal,
        base=_base(request),
        url=str(request.url),
        next_url=lambda cursor: str(request.url.include_query_params(cursor=cursor)),
    )
    body = text.encode()
    # The ETag leaves out `timeStamp` (the time of the answer): it changes with the features,
    # not with every request, so that a revalidation can be a 304.
    unstamped = _TIMESTAMP.sub(b"", body, count=1)
    return cached_response(request, body, media_type=GEOJSON, etag=etag_for(unstamped))


ITEMS_DOC: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    200: {"content": {GEOJSON: {}}, "description": "A GeoJSON FeatureCollection page"},
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
}


@router.get(
    "/collections/vacancies/items",
    response_class=Response,
    responses=ITEMS_DOC,
    summary="Work sites of open vacancies (GeoJSON, paged)",
)
async def vacancy_items(
    request: Request,
    session: SessionDep,
    items: Items,
    employer_id: Annotated[uuid.UUID | None, Query()] = None,
    occupation_code: Annotated[str | None, Query(pattern=OCCUPATION_CODE)] = None,
    occupation_group: Annotated[str | None, Query(pattern=OCCUPATION_GROUP)] = None,
    industry_code: Annotated[str | None, Query(pattern=INDUSTRY_CODE)] = None,
    employment_type: Annotated[EmploymentType | None, Query()] = None,
    commune_code: Annotated[str | None, Query(pattern=COMMUNE_CODE)] = None,
    approximate: Annotated[bool | None, Query()] = None,
) -> Response:
    """Public work sites in id order, `limit` a page, with a `next` link while more remain.
    `numberMatched` is given up to 10,000 matches (or with `resultType=hits`)."""
    equal = {
        "employer_id": employer_id,
        "occupation_code": occupation_code,
        "occupation_group": occupation_group,
        "industry_code": industry_code,
        "employment_type": employment_type.value if employment_type else None,
        "commune_code": commune_code,
        "approximate": approximate,
    }
    return await _items(request, session, VACANCIES, items, equal)


@router.get(
    "/collections/areas/items",
    response_class=Response,
    responses=ITEMS_DOC,
    summary="Administrative unit versions (GeoJSON, paged)",
)
async def area_items(
    request: Request,
    session: SessionDep,
    items: Items,
    code: Annotated[str | None, Query(pattern=AREA_CODE)] = None,
    level: Annotated[AreaLevel | None, Query()] = None,
    parent_code: Annotated[str | None, Query(pattern=AREA_CODE)] = None,
    type_: Annotated[str | None, Query(alias="type", max_length=50)] = None,
) -> Response:
    """Unit versions in id order; without `datetime`, every version (past ones included)."""
    equal = {
        "code": code,
        "level": level.value if level else None,
        "parent_code": parent_code,
        "type": type_,
    }
    return await _items(request, session, AREAS, items, equal)


FeatureId = Annotated[str, Path(max_length=20, examples=["1"])]


FEATURE_DOC: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    200: {"content": {GEOJSON: {}}, "description": "A GeoJSON Feature"},
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
}


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=Response,
    responses=FEATURE_DOC,
    summary="One feature: a public work site, or a unit version",
)
async def get_feature(
    request: Request,
    session: SessionDep,
    collection_id: CollectionId,
    feature_id: FeatureId,
    f: Format = None,
) -> Response:
    """A work site is gone (404) once its vacancy is closed or expired."""
    check_format(f)
    info = service.known(collection_id)
    text = await service.feature(session, info, feature_id, _base(request))
    body = text.encode()
    return cached_response(request, body, media_type=GEOJSON)


@router.get(
    "/collections/{collection_id}/items",
    response_class=Response,
    responses=PROBLEMS,
    include_in_schema=False,
)
async def unknown_collection_items(collection_id: CollectionId) -> Response:
    """Reached only by ids the routes above do not name."""
    raise service.no_collection(collection_id)
