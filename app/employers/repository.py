"""SQL for employers."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey, Employer


async def get(session: AsyncSession, employer_id: uuid.UUID) -> Employer | None:
    return await session.get(Employer, employer_id)


async def by_tax_code(session: AsyncSession, tax_code: str) -> Employer | None:
    return (
        await session.scalars(select(Employer).where(Employer.tax_code == tax_code))
    ).one_or_none()


async def keys_of(session: AsyncSession, employer_id: uuid.UUID) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.employer_id == employer_id).order_by(ApiKey.created_at)
    return list((await session.scalars(query)).all())
