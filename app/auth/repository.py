"""SQL for API keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import keys
from app.db import db_now
from app.models import ApiKey, Role

# Recording every use would turn each read into a write; a minute's precision is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)


async def by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    result = await session.scalars(select(ApiKey).where(ApiKey.prefix == prefix))
    return result.one_or_none()


def due_for_touch(last_used_at: datetime | None) -> bool:
    """Would `touch` change the row (by this process's clock)?"""
    return last_used_at is None or last_used_at < datetime.now(UTC) - LAST_USED_RESOLUTION


async def touch(session: AsyncSession, key_id: int) -> None:
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(
                ApiKey.last_used_at.is_(None),
                ApiKey.last_used_at < func.now() - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=func.now())
    )


async def create(
    session: AsyncSession, role: Role, *, label: str | None, employer_id: uuid.UUID | None = None
) -> tuple[ApiKey, str]:
    """A new key row and the key itself (the only time it exists in clear)."""
    new = keys.generate()
    row = ApiKey(
        prefix=new.prefix,
        key_hash=new.key_hash,
        role=role.value,
        employer_id=employer_id,
        label=label,
    )
    session.add(row)
    await session.flush()
    return row, new.key


async def revoke(session: AsyncSession, row: ApiKey) -> None:
    if row.revoked_at is None:
        row.revoked_at = await db_now(session)
        await session.flush()
