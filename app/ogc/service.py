"""What the OGC API answers, apart from HTTP: a collection's description, a page of features
as a GeoJSON FeatureCollection (features as PostgreSQL wrote them, never parsed here), and one
feature with its links."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.errors import NotFoundError
from app.geo import GEOJSON
from app.ogc import repository
from app.ogc.collections import COLLECTIONS, CollectionInfo
from app.ogc.params import Box, Interval
from app.ogc.schemas import Collection, Extent, Link, SpatialExtent, TemporalExtent

JSON = "application/json"


@dataclass(frozen=True)
class ItemsQuery:
    """The parameters every collection's items take, parsed."""

    limit: int
    boxes: tuple[Box, ...]
    interval: Interval | None
    cursor: str | None
    result_type: str
    zone: tzinfo  # where dates are kept (Vietnam): days of the interval for the units


def link(href: str, rel: str, media_type: str | None = None, title: str | None = None) -> Link:
    return Link(href=href, rel=rel, type=media_type, title=title)


def isoformat(value: datetime | date | None) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None if value is None else value.isoformat()


def no_collection(collection_id: str) -> NotFoundError:
    names = ", ".join(COLLECTIONS)
    return NotFoundError(f"No collection {collection_id!r}; there are: {names}.")


def known(collection_id: str) -> CollectionInfo:
    info = COLLECTIONS.get(collection_id)
    if info is None:
        raise no_collection(collection_id)
    return info


async def collection(session: AsyncSession, info: CollectionInfo, base: str) -> Collection:
    """The collection's extent (space and time) and links; `base` is the API's root URL."""
    here = f"{base}/collections/{info.id}"
    extent = await info.extent(session)
    return Collection(
        id=info.id,
        title=info.title,
        description=info.description,
        links=[
            link(here, "self", JSON, "This collection"),
            link(f"{here}/items", "items", GEOJSON, "The features"),
            link(
                f"{here}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "Properties to filter on",
            ),
        ],
        extent=Extent(
            spatial=SpatialExtent(bbox=[extent.bbox]) if extent.bbox else None,
            temporal=TemporalExtent(interval=[[isoformat(extent.start), isoformat(extent.end)]]),
        ),
    )


async def items(
    session: AsyncSession,
    info: CollectionInfo,
    query: ItemsQuery,
    equal: dict[str, Any],
    *,
    base: str,
    url: str,
    next_url: Callable[[str], str],
) -> str:
    """A FeatureCollection page of the items with the properties `equal` gives (`url`: this
    page's, `next_url(cursor)`: the next one's; None in `equal`: not given), or with
    resultType=hits only numberMatched, counted to the end."""
    given = {name: value for name, value in equal.items() if value is not None}
    conditions = info.conditions(query.boxes, query.interval, query.zone, given)
    links = [
        link(url, "self", GEOJSON, "This page"),
        link(f"{base}/collections/{info.id}", "collection", JSON, "The collection"),
    ]
    document: dict[str, Any] = {"type": "FeatureCollection"}
    features: list[str] = []
    if query.result_type == "hits":
        document["numberMatched"] = await repository.count(session, info.source, conditions)
    else:
        cursor = query.cursor
        after = cursors.decode(cursor, "query.cursor", {"a": int})["a"] if cursor else None

        async def fetch(limit: int) -> list[Any]:
            return await repository.features(
                session, info.source, conditions, after=after, limit=limit
            )

        rows, following = await cursors.page(fetch, query.limit, lambda row: {"a": int(row.id)})
        features = [str(row.feature) for row in rows]
        if following is not None:
            links.append(link(next_url(following), "next", GEOJSON, "The next page"))
        matched = await repository.matched(session, info.source, conditions)
        if matched is not None:
            document["numberMatched"] = matched
    document["numberReturned"] = len(features)
    document["timeStamp"] = isoformat(datetime.now(UTC))
    document["links"] = [item.model_dump(exclude_none=True) for item in links]
    head = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    # The features go in last, as PostgreSQL wrote them: never parsed here.
    return f'{head[:-1]},"features":[{",".join(features)}]}}'


def _feature_number(text: str) -> int | None:
    # Ids are positive bigints; anything else names no feature.
    return int(text) if text.isascii() and text.isdigit() and int(text) < 2**63 else None


async def feature(session: AsyncSession, info: CollectionInfo, feature_id: str, base: str) -> str:
    """One feature with its links (404 when there is none: a work site is gone once its
    vacancy is closed or expired)."""
    number = _feature_number(feature_id)
    text = None if number is None else await repository.feature(session, info.source, number)
    if text is None:
        raise NotFoundError(f"No feature {feature_id!r} in {info.id}.")
    here = f"{base}/collections/{info.id}"
    links = [
        link(f"{here}/items/{feature_id}", "self", GEOJSON, "This feature"),
        link(here, "collection", JSON, "The collection"),
    ]
    encoded = json.dumps([item.model_dump(exclude_none=True) for item in links])
    # PostgreSQL wrote a JSON object: add the links as its last member.
    return f'{text[:-1]},"links":{encoded}}}'
