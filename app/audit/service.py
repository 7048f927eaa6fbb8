"""Writing the audit trail: one row per change, in the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.audit import repository
from app.audit.schemas import AuditFilter
from app.auth.principal import Principal
from app.models import AuditEvent


async def record(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    """Append one event. `before`/`after` are JSON-ready snapshots without personal references."""
    await session.execute(
        insert(AuditEvent).values(
            actor_key_id=principal.key_id,
            actor_key_prefix=principal.prefix,
            actor_role=principal.role.value,
            actor_employer_id=principal.employer_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            reason=reason,
            before=before,
            after=after,
        )
    )


async def events(
    session: AsyncSession, where: AuditFilter, *, limit: int, cursor: str | None
) -> tuple[list[AuditEvent], str | None]:
    """A page of events, newest first, and the cursor of the next page (None at the end)."""
    before_id = cursors.decode(cursor, "query.cursor", {"i": int})["i"] if cursor else None

    async def fetch(count: int) -> list[AuditEvent]:
        return await repository.newest_first(session, where, before_id=before_id, limit=count)

    return await cursors.page(fetch, limit, lambda row: {"i": row.id})
