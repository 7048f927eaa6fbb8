"""GET /v1/audit: who changed what, newest first (department and admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app import cursors
from app.audit import service as audit
from app.audit.schemas import AuditActor, AuditEventRead, AuditFilter, AuditPage
from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDatetime
from app.errors import Problem

router = APIRouter(tags=["audit"])

EntityType = Literal["placement", "placement_import", "plan", "indicator_value", "programme"]


@router.get(
    "/audit",
    response_model=AuditPage,
    responses={
        401: {"model": Problem, "description": "No key."},
        403: {"model": Problem, "description": "Not a department or admin key."},
        422: {"model": Problem, "description": "Invalid parameter."},
    },
    summary="The audit trail (department, admin)",
)
async def list_audit_events(
    session: SessionDep,
    _principal: StaffPrincipal,
    entity_type: Annotated[
        EntityType | None, Query(description="Only this kind of record.")
    ] = None,
    entity_id: Annotated[
        str | None, Query(max_length=64, description="Only this record (a placement id, a year).")
    ] = None,
    since: Annotated[
        IsoDatetime | None, Query(description="Events at or after this instant.")
    ] = None,
    until: Annotated[IsoDatetime | None, Query(description="Events before this instant.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=cursors.MAX_CURSOR_LENGTH)] = None,
) -> AuditPage:
    """Every change to placements, plans, programmes and indicator values: who (key prefix,
    role, employer), when, the record before and after, and the reason given. Newest first."""
    where = AuditFilter(entity_type, entity_id, since, until)
    rows, next_cursor = await audit.events(session, where, limit=limit, cursor=cursor)
    return AuditPage(
        items=[
            AuditEventRead(
                id=row.id,
                occurred_at=row.occurred_at,
                actor=AuditActor(
                    key_id=row.actor_key_id,
                    key_prefix=row.actor_key_prefix,
                    role=row.actor_role,
                    employer_id=row.actor_employer_id,
                ),
                action=row.action,
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                reason=row.reason,
                before=row.before,
                after=row.after,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )
