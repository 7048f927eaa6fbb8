"""SQL for the OGC API - Features collections: each feature leaves PostgreSQL as GeoJSON text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Text,
    and_,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import geo
from app.areas import queries as area_queries
from app.models import Area
from app.ogc.params import Box, Interval
from app.search.queries import employer, listed, site, vacancy

# numberMatched is given when the matches are counted to the end below this bound; beyond it
# the standard lets us leave it out, and counting a million sites per page is not worth it.
MATCHED_BOUND = 10_000


def _vacancy_feature() -> ColumnElement[Any]:
    properties = func.json_build_object(
        "vacancy_id", site.vacancy_id,
        "title", vacancy.title,
        "employer", employer.name,
        "employer_id", site.employer_id,
        "occupation_code", site.occupation_code,
        "occupation_group", func.left(site.occupation_code, 1),
        "industry_code", site.industry_code,
        "employment_type", site.employment_type,
        "positions", site.positions,
        "salary_monthly_min", site.salary_monthly_min,
        "salary_monthly_max", site.salary_monthly_max,
        "approximate", site.approximate,
        "commune_code", site.commune_code,
        "published_at", site.published_at,
        "valid_through", site.valid_through,
    )  # fmt: skip
    return func.json_build_object(
        "type", "Feature",
        "id", site.id,
        "geometry", geo.as_geojson(site.geom),
        "properties", properties,
    ).cast(Text)  # fmt: skip


def _area_feature() -> ColumnElement[Any]:
    return func.json_build_object(
        "type", "Feature",
        "id", Area.id,
        "geometry", geo.as_geojson(Area.geom),
        "properties", area_queries.properties(),
    ).cast(Text)  # fmt: skip


def _envelope(box: Box) -> ColumnElement[Any]:
    return func.ST_MakeEnvelope(box.min_lon, box.min_lat, box.max_lon, box.max_lat, geo.WGS84)


@dataclass(frozen=True)
class Source:
    """Where a collection's features come from."""

    key: Any  # the feature id; pages follow it
    rows: Select[Any]  # (id, feature) with the joins the features need
    always: tuple[ColumnElement[bool], ...] = ()  # what every read of the collection applies


# Sites of the vacancies job seekers see: open, unexpired, of a verified employer.
VACANCY_SITES = Source(
    key=site.id,
    rows=select(site.id.label("id"), _vacancy_feature().label("feature"))
    .join(vacancy, vacancy.id == site.vacancy_id)
    .join(employer, employer.id == vacancy.employer_id),
    always=tuple(listed()),
)
AREA_VERSIONS = Source(
    key=Area.id, rows=select(Area.id.label("id"), _area_feature().label("feature"))
)


def vacancy_conditions(
    boxes: Sequence[Box], interval: Interval | None, equal: dict[str, Any]
) -> list[ColumnElement[bool]]:
    """Sites in any of the boxes (edges included), active at some moment of the interval
    (published by its end, valid through its start), with these property values."""
    conditions: list[ColumnElement[bool]] = []
    if boxes:
        in_boxes = (
            and_(*geo.point_in_box(site.geom, box.min_lon, box.min_lat, box.max_lon, box.max_lat))
            for box in boxes
        )
        conditions.append(or_(*in_boxes))
    if interval is not None and interval.end is not None:
        conditions.append(site.published_at <= interval.end)
    if interval is not None and interval.start is not None:
        conditions.append(site.valid_through >= interval.start)
    for name, value in equal.items():
        if name == "occupation_group":
            conditions.append(func.left(site.occupation_code, 1) == value)
        else:
            conditions.append(getattr(site, name) == value)
    return conditions


def area_conditions(
    boxes: Sequence[Box], days: tuple[date | None, date | None] | None, equal: dict[str, Any]
) -> list[ColumnElement[bool]]:
    """Unit versions whose boundary meets any of the boxes, valid on some day of `days`
    (validity is [valid_from, valid_to)), with these property values."""
    conditions: list[ColumnElement[bool]] = []
    if boxes:
        conditions.append(or_(*(func.ST_Intersects(Area.geom, _envelope(box)) for box in boxes)))
    if days is not None:
        first, last = days
        conditions.append(Area.validity.op("&&")(func.daterange(first, last, "[]")))
    for name, value in equal.items():
        conditions.append(getattr(Area, name) == value)
    return conditions


async def features(
    session: AsyncSession,
    source: Source,
    conditions: Sequence[ColumnElement[bool]],
    *,
    after: int | None,
    limit: int,
) -> list[Any]:
    """Up to `limit` matching features in id order after the id `after`: rows (id, feature)."""
    # The page's ids first, from the collection's own table: the joins the features need
    # then run for this page only, not for every match (45,000 in a dense viewport).
    where = [*source.always, *conditions]
    ids = select(source.key.label("id")).where(*where).order_by(source.key).limit(limit)
    if after is not None:
        ids = ids.where(source.key > after)
    chosen = ids.subquery("page")
    features = source.rows.join(chosen, chosen.c.id == source.key).order_by(source.key)
    return list((await session.execute(features)).all())


async def matched(
    session: AsyncSession, source: Source, conditions: Sequence[ColumnElement[bool]]
) -> int | None:
    """numberMatched, when there are at most MATCHED_BOUND matches."""
    where = [*source.always, *conditions]
    matches = select(source.key).where(*where).limit(MATCHED_BOUND + 1).subquery()
    number = int(await session.scalar(select(func.count()).select_from(matches)) or 0)
    return number if number <= MATCHED_BOUND else None


async def count(
    session: AsyncSession, source: Source, conditions: Sequence[ColumnElement[bool]]
) -> int:
    """Every match, however many (`resultType=hits`)."""
    counted = select(func.count(source.key)).where(*source.always, *conditions)
    return int(await session.scalar(counted) or 0)


async def feature(session: AsyncSession, source: Source, feature_id: int) -> str | None:
    query = source.rows.where(*source.always, source.key == literal(feature_id, BigInteger))
    row = (await session.execute(query)).first()
    return None if row is None else str(row.feature)


@dataclass(frozen=True)
class Extent:
    bbox: list[float] | None
    start: datetime | date | None
    end: datetime | date | None


async def _areas_box(session: AsyncSession) -> list[float] | None:
    """Every unit's boundary: every work site lies in a commune, so this box covers them all."""
    return await area_queries.bounds(session)


async def vacancies_extent(session: AsyncSession) -> Extent:
    # The first publication and the last expiry among public sites (each read off an index).
    times = (
        await session.execute(
            select(func.min(site.published_at), func.max(site.valid_through)).where(
                *VACANCY_SITES.always
            )
        )
    ).one()
    return Extent(bbox=await _areas_box(session), start=times[0], end=times[1])


async def areas_extent(session: AsyncSession) -> Extent:
    days = (
        await session.execute(
            select(
                # Units with no known start or end (NULL) leave the extent open on that side.
                func.bool_or(Area.valid_from.is_(None)),
                func.min(Area.valid_from),
                func.bool_or(Area.valid_to.is_(None)),
                func.max(Area.valid_to),
            )
        )
    ).one()
    return Extent(
        bbox=await _areas_box(session),
        start=None if days[0] else days[1],
        end=None if days[2] else days[3],
    )
