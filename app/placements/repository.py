"""SQL for placements: the vacancy a hire fills (locked), filled positions, listing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Employer,
    EventKind,
    Placement,
    Vacancy,
    VacancySite,
    VacancyStatus,
)
from app.placements.schemas import ListFilter
from app.vacancies import events as vacancy_events


@dataclass(frozen=True)
class FilledVacancy:
    """What recording a hire needs to know about the vacancy it fills."""

    id: uuid.UUID
    employer_id: uuid.UUID
    employer_verified: bool
    status: str
    published: bool
    open_now: bool
    positions: int
    occupation_code: str
    industry_code: str | None
    industry_version: str | None
    site_communes: dict[str, int]  # commune code -> area id, as recorded when posted


async def lock_vacancy(session: AsyncSession, vacancy_id: uuid.UUID) -> FilledVacancy | None:
    """The vacancy, locked until commit: concurrent hires for it queue here, so the count of
    filled positions each one reads is final (no over-filling)."""
    row = (
        await session.execute(
            select(
                Vacancy.id,
                Vacancy.employer_id,
                Vacancy.status,
                Vacancy.published_at,
                Vacancy.positions,
                Vacancy.occupation_code,
                Vacancy.industry_code,
                Vacancy.industry_version,
                (Vacancy.valid_through > func.now()).label("unexpired"),
            )
            .where(Vacancy.id == vacancy_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    verified = await vacancy_events.employer_verified(session, row.employer_id)
    sites = await session.execute(
        select(VacancySite.commune_code, VacancySite.area_id).where(
            VacancySite.vacancy_id == vacancy_id
        )
    )
    return FilledVacancy(
        id=row.id,
        employer_id=row.employer_id,
        employer_verified=verified,
        status=row.status,
        published=row.published_at is not None,
        open_now=row.status == VacancyStatus.open.value and bool(row.unexpired),
        positions=row.positions,
        occupation_code=row.occupation_code,
        industry_code=row.industry_code,
        industry_version=row.industry_version,
        site_communes={str(code): int(area_id) for code, area_id in sites},
    )


async def filled_positions(session: AsyncSession, vacancy_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Placement)
        .where(Placement.vacancy_id == vacancy_id, Placement.voided_at.is_(None))
    )
    return int(count or 0)


async def close_as_filled(session: AsyncSession, vacancy: FilledVacancy) -> None:
    """The last position was filled: the vacancy closes, and partners hear of it."""
    await session.execute(
        update(Vacancy)
        .where(Vacancy.id == vacancy.id)
        .values(
            status=VacancyStatus.closed.value,
            close_reason="filled",
            closed_at=func.now(),
            version=Vacancy.version + 1,
            updated_at=func.now(),
        )
    )
    if vacancy.employer_verified:
        await vacancy_events.add_event(session, vacancy.id, EventKind.closed)


async def employer_exists(session: AsyncSession, employer_id: uuid.UUID) -> bool:
    found = await session.scalar(select(Employer.id).where(Employer.id == employer_id))
    return found is not None


async def get(
    session: AsyncSession, placement_id: uuid.UUID, *, for_update: bool = False
) -> Placement | None:
    query = (
        select(Placement)
        .where(Placement.id == placement_id)
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def page(
    session: AsyncSession,
    where: ListFilter,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[Placement]:
    """Newest recorded first; keyset on (created_at, id)."""
    query = (
        select(Placement).order_by(Placement.created_at.desc(), Placement.id.desc()).limit(limit)
    )
    if where.employer_id is not None:
        query = query.where(Placement.employer_id == where.employer_id)
    if where.vacancy_id is not None:
        query = query.where(Placement.vacancy_id == where.vacancy_id)
    if where.placed_from is not None:
        query = query.where(Placement.placed_on >= where.placed_from)
    if where.placed_to is not None:
        query = query.where(Placement.placed_on <= where.placed_to)
    if where.channel is not None:
        query = query.where(Placement.channel == where.channel)
    if where.destination is not None:
        query = query.where(Placement.destination == where.destination)
    if not where.include_voided:
        query = query.where(Placement.voided_at.is_(None))
    if after is not None:
        created_at, placement_id = after
        query = query.where(
            (Placement.created_at < created_at)
            | ((Placement.created_at == created_at) & (Placement.id < placement_id))
        )
    return list((await session.scalars(query)).all())
