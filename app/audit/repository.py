"""SQL for reading the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditFilter
from app.models import AuditEvent


async def newest_first(
    session: AsyncSession, where: AuditFilter, *, before_id: int | None, limit: int
) -> list[AuditEvent]:
    """Up to `limit` events matching `where`, newest first, older than `before_id` if given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if where.entity_type is not None:
        query = query.where(AuditEvent.entity_type == where.entity_type)
    if where.entity_id is not None:
        query = query.where(AuditEvent.entity_id == where.entity_id)
    if where.since is not None:
        query = query.where(AuditEvent.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.occurred_at < where.until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list((await session.execute(query)).scalars())
