"""The audit trail: every change to placements, plans and indicator values."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class AuditEvent(Base):
    """One change: who (the key, its role and employer), when, what, before and after.
    Rows are only ever inserted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Copied, not foreign keys: the trail outlives revoked keys and deleted employers.
    actor_key_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_key_prefix: Mapped[str | None] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_employer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id", "id"),
        Index("ix_audit_event_occurred_at_id", "occurred_at", "id"),
    )
