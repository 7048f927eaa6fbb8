"""The public query API of administrative areas: what other domains (search, tiles, OGC,
statistics, vacancies) build their SQL with. Validity is [valid_from, valid_to): never a
code alone across 2025-07-01."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import geo
from app.models.area import Area, AreaSuccession


def valid_at(at: date) -> ColumnElement[bool]:
    """The unit existed on `at` (validity is [valid_from, valid_to))."""
    return Area.validity.op("@>")(literal(at))


def properties() -> ColumnElement[Any]:
    """A unit's properties as jsonb: its columns and its source attributes."""
    return func.jsonb_build_object(
        "code", Area.code,
        "name", Area.name,
        "full_name", Area.full_name,
        "name_ascii", Area.name_ascii,
        "type", Area.type,
        "level", Area.level,
        "parent_code", Area.parent_code,
        "valid_from", Area.valid_from,
        "valid_to", Area.valid_to,
        "area_km2", Area.area_km2,
    ).op("||")(Area.attributes)  # fmt: skip


async def bounds(session: AsyncSession, *where: ColumnElement[bool]) -> list[float] | None:
    """[west, south, east, north] of the boundaries of the units matching `where` (None when
    none has one), rounded like GeoJSON output."""
    box = select(func.ST_Extent(Area.geom).label("box")).where(*where).subquery()
    corners = (
        await session.execute(
            select(
                func.ST_XMin(box.c.box),
                func.ST_YMin(box.c.box),
                func.ST_XMax(box.c.box),
                func.ST_YMax(box.c.box),
            )
        )
    ).one()
    if corners[0] is None:
        return None
    return [round(float(value), geo.GEOJSON_DECIMALS) for value in corners]


async def successors(
    session: AsyncSession, unit_ids: Collection[int]
) -> dict[int, list[tuple[Area, float]]]:
    """The communes that followed each unit (area_succession: begun the day it ended, mostly
    inside it), with the share of each lying inside it; largest share first."""
    if not unit_ids:
        return {}
    rows = await session.execute(
        select(AreaSuccession.predecessor_id, Area, AreaSuccession.share)
        .join(Area, Area.id == AreaSuccession.successor_id)
        .where(AreaSuccession.predecessor_id.in_(sorted(unit_ids)))
        .order_by(AreaSuccession.predecessor_id, AreaSuccession.share.desc(), Area.code)
    )
    found: dict[int, list[tuple[Area, float]]] = {}
    for predecessor_id, area, share in rows:
        found.setdefault(predecessor_id, []).append((area, float(share)))
    return found
