"""Finding the administrative unit a plan or an indicator is about, by code and date (codes
recur across the 2025 reorganisation, so a code alone is not a unit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.queries import valid_at
from app.models import Area, AreaLevel
from app.stats.placements import AreaInfo

_LEVELS = (AreaLevel.commune.value, AreaLevel.district.value)


def _info(area: Area) -> AreaInfo:
    return AreaInfo(area.id, area.code, area.name, area.valid_from, area.valid_to)


async def unit_on(session: AsyncSession, code: str, day: date) -> AreaInfo | None:
    """The district or commune with `code` valid on `day`."""
    area = await session.scalar(
        select(Area).where(Area.code == code, Area.level.in_(_LEVELS), valid_at(day))
    )
    return None if area is None else _info(area)


async def unit_in_year(session: AsyncSession, code: str, year: int) -> AreaInfo | None:
    """The unit with `code` during `year`: the version valid at the year's end, else the last
    one that existed during the year (a district of 2025 ended on 30 June)."""
    year_range = func.daterange(date(year, 1, 1), date(year + 1, 1, 1), "[)")
    area = await session.scalar(
        select(Area)
        .where(Area.code == code, Area.level.in_(_LEVELS), Area.validity.op("&&")(year_range))
        .order_by(Area.valid_from.desc().nulls_last())
        .limit(1)
    )
    return None if area is None else _info(area)


async def by_ids(session: AsyncSession, area_ids: Iterable[int | None]) -> dict[int, AreaInfo]:
    """The units with these ids, in one query (None ids are skipped)."""
    wanted = {area_id for area_id in area_ids if area_id is not None}
    if not wanted:
        return {}
    areas = await session.scalars(select(Area).where(Area.id.in_(wanted)))
    return {area.id: _info(area) for area in areas}


def communes_of(unit_id: int, residence: Any) -> ColumnElement[bool]:
    """`residence` (a commune id) lies in the unit: is the commune, or a commune of the
    district during the district's time."""
    unit = select(Area).where(Area.id == unit_id).subquery("unit")
    member = (
        select(Area.id)
        .join(unit, Area.level == AreaLevel.commune.value)
        .where(
            or_(
                Area.id == unit.c.id,
                and_(
                    unit.c.level == AreaLevel.district.value,
                    Area.parent_code == unit.c.code,
                    Area.validity.op("&&")(unit.c.validity),
                ),
            )
        )
    )
    condition: ColumnElement[bool] = residence.in_(member)
    return condition
