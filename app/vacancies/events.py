"""The changes feed's events and the rule for them (only vacancies of verified employers are
announced), for vacancies' own writes and for the other domains whose writes change what the
public sees: an employer verified or suspended, a vacancy filled by placements."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Employer, EventKind, Vacancy, VacancyEvent, VacancyStatus


async def employer_verified(session: AsyncSession, employer_id: uuid.UUID) -> bool:
    verified_at = await session.scalar(
        select(Employer.verified_at).where(Employer.id == employer_id)
    )
    return verified_at is not None


async def add_event(session: AsyncSession, vacancy_id: uuid.UUID, kind: EventKind) -> None:
    """Record a change partners should hear about. Callers only do so for vacancies of
    verified employers; verification changes are announced by announce_open_vacancies."""
    await session.execute(insert(VacancyEvent).values(vacancy_id=vacancy_id, kind=kind.value))


async def announce_open_vacancies(session: AsyncSession, employer_id: uuid.UUID) -> int:
    """An `updated` event for each open vacancy of an employer that was just verified or
    suspended: its vacancies appeared or disappeared for the public."""
    open_ids = select(Vacancy.id, literal(EventKind.updated.value)).where(
        Vacancy.employer_id == employer_id,
        Vacancy.status == VacancyStatus.open.value,
        Vacancy.valid_through > func.now(),
    )
    result = await session.execute(
        insert(VacancyEvent).from_select(["vacancy_id", "kind"], open_ids)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
