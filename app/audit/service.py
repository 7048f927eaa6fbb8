"""Writing the audit trail: one row per change, in the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

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
