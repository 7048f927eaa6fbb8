"""SQL for plans and indicator values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import IndicatorValue, PlanRevision, PlanTarget


async def revisions(session: AsyncSession, year: int) -> list[PlanRevision]:
    """Every revision of the year's plan with its targets, oldest first."""
    query = (
        select(PlanRevision)
        .where(PlanRevision.year == year)
        .order_by(PlanRevision.revision)
        .options(selectinload(PlanRevision.targets))
    )
    return list((await session.scalars(query)).all())


async def lock_year(session: AsyncSession, year: int) -> None:
    """Serialise revisions of one year's plan (two PUTs must not both become revision n)."""
    await session.execute(select(func.pg_advisory_xact_lock(7_000_000 + year)))


async def target(
    session: AsyncSession, year: int, indicator: str, area_id: int | None
) -> Decimal | None:
    """The target in force: from the year's latest revision."""
    latest = select(func.max(PlanRevision.id)).where(PlanRevision.year == year).scalar_subquery()
    area = PlanTarget.area_id.is_(None) if area_id is None else PlanTarget.area_id == area_id
    value: Decimal | None = await session.scalar(
        select(PlanTarget.target).where(
            PlanTarget.revision_id == latest, PlanTarget.indicator == indicator, area
        )
    )
    return value


async def value_for(
    session: AsyncSession, indicator: str, start: date, through: date, area_id: int | None
) -> IndicatorValue | None:
    """The entered value covering most of [start, through]: the latest period ending by
    `through` that starts on or after `start`, the longest of those."""
    area = (
        IndicatorValue.area_id.is_(None) if area_id is None else IndicatorValue.area_id == area_id
    )
    query = (
        select(IndicatorValue)
        .where(
            IndicatorValue.indicator == indicator,
            IndicatorValue.period_start >= start,
            IndicatorValue.period_end <= through,
            area,
        )
        .order_by(IndicatorValue.period_end.desc(), IndicatorValue.period_start)
        .limit(1)
    )
    return (await session.scalars(query)).one_or_none()


async def value(
    session: AsyncSession, indicator: str, period: str, area_id: int | None
) -> IndicatorValue | None:
    area = (
        IndicatorValue.area_id.is_(None) if area_id is None else IndicatorValue.area_id == area_id
    )
    query = (
        select(IndicatorValue)
        .where(IndicatorValue.indicator == indicator, IndicatorValue.period == period, area)
        .with_for_update()
    )
    return (await session.scalars(query)).one_or_none()


async def values(session: AsyncSession, indicator: str, year: int | None) -> list[IndicatorValue]:
    query = select(IndicatorValue).where(IndicatorValue.indicator == indicator)
    if year is not None:
        query = query.where(func.extract("year", IndicatorValue.period_start) == year)
    query = query.order_by(IndicatorValue.period_start, IndicatorValue.period_end)
    return list((await session.scalars(query)).all())
