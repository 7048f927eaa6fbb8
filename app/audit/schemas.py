"""Audit trail responses, and the filter of a listing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditActor(BaseModel):
    key_id: int | None
    key_prefix: str | None = Field(
        description="Identifies the API key; the key itself is never kept."
    )
    role: str
    employer_id: uuid.UUID | None


class AuditEventRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "occurred_at": "2026-03-02T08:15:00Z",
                    "actor": {
                        "key_id": 3,
                        "key_prefix": "k7m2xq9a",
                        "role": "department",
                        "employer_id": None,
                    },
                    "action": "void",
                    "entity_type": "placement",
                    "entity_id": "5f0c1d2e-8a4b-4c3d-9e2f-1a2b3c4d5e6f",
                    "reason": "Recorded twice",
                    "before": {"status": "active"},
                    "after": {"status": "voided"},
                }
            ]
        }
    )

    id: int
    occurred_at: datetime
    actor: AuditActor
    action: str = Field(description="`create`, `update`, `void`, `import` or `put`.")
    entity_type: str = Field(
        description="`placement`, `placement_import`, `plan` or `indicator_value`."
    )
    entity_id: str
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for older events; null at the end."
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which events a listing shows (None: any)."""

    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
