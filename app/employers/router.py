"""HTTP routes for employers and their keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.auth import service as key_service
from app.auth.dependencies import AnyPrincipal, StaffPrincipal
from app.db import SessionDep
from app.employers import service
from app.employers.schemas import (
    EmployerCreate,
    EmployerRead,
    EmployerUpdate,
    KeyCreate,
    KeyCreated,
    KeyRead,
)
from app.errors import Problem
from app.idempotency import IdempotencyKey, fingerprint, run_once
from app.models import Employer

router = APIRouter(tags=["employers"])

EmployerId = Annotated[uuid.UUID, Path(description="The employer's id.")]
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The key's role may not do this."},
    404: {"model": Problem, "description": "No such employer (or not yours)."},
    422: {"model": Problem, "description": "Invalid input."},
}


async def visible_employer(
    session: SessionDep, principal: AnyPrincipal, employer_id: EmployerId
) -> Employer:
    return await service.visible(session, principal, employer_id)


VisibleEmployer = Annotated[Employer, Depends(visible_employer)]


def _read(employer: Employer) -> EmployerRead:
    return EmployerRead.model_validate(employer)


@router.post(
    "/employers",
    status_code=201,
    response_model=EmployerRead,
    responses={**ERRORS, 409: {"model": Problem, "description": "Tax code taken."}},
    summary="Register an employer (department)",
)
async def create_employer(
    session: SessionDep,
    principal: StaffPrincipal,
    payload: EmployerCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register an employer. `verified: true` vets it at once."""

    async def create() -> Response:
        employer = await service.create(session, payload)
        return Response(
            _read(employer).model_dump_json().encode(),
            status_code=201,
            media_type="application/json",
            headers={"Location": service.employer_url(employer.id)},
        )

    return await run_once(
        session,
        scope=principal.scope,
        endpoint="POST /v1/employers",
        key=idempotency_key,
        request_hash=fingerprint(payload.model_dump(mode="json")),
        create=create,
    )


@router.get("/employers/{employer_id}", response_model=EmployerRead, responses=ERRORS)
async def get_employer(employer: VisibleEmployer) -> EmployerRead:
    """An employer (the department sees all; an employer only itself)."""
    return _read(employer)


@router.patch("/employers/{employer_id}", response_model=EmployerRead, responses=ERRORS)
async def update_employer(
    session: SessionDep, principal: AnyPrincipal, employer: VisibleEmployer, payload: EmployerUpdate
) -> EmployerRead:
    """Change an employer. Employers may change their address, phone, email and website."""
    return _read(await service.update(session, principal, employer, payload))


@router.post("/employers/{employer_id}/verify", response_model=EmployerRead, responses=ERRORS)
async def verify_employer(
    session: SessionDep, _principal: StaffPrincipal, employer: VisibleEmployer
) -> EmployerRead:
    """Mark the employer as vetted: its open vacancies become public."""
    return _read(await service.verify(session, employer))


@router.post(
    "/employers/{employer_id}/keys",
    status_code=201,
    response_model=KeyCreated,
    responses=ERRORS,
    summary="Issue an API key for the employer",
)
async def create_employer_key(
    session: SessionDep,
    principal: AnyPrincipal,
    employer: VisibleEmployer,
    response: Response,
    payload: KeyCreate | None = None,
) -> KeyCreated:
    """A new key (the department's, or the employer rotating its own). The key is in this
    response only. Not idempotent on purpose: a replay would have to store the key; revoke an
    unused one instead."""
    row, key = await service.issue_key(
        session, principal, employer, payload.label if payload else None
    )
    response.headers["Cache-Control"] = "no-store"  # a secret: no cache may keep it
    return KeyCreated(key=key, **KeyRead.model_validate(row).model_dump())


@router.get("/employers/{employer_id}/keys", response_model=list[KeyRead], responses=ERRORS)
async def list_employer_keys(
    session: SessionDep, principal: AnyPrincipal, employer: VisibleEmployer
) -> list[KeyRead]:
    """The employer's keys by prefix, with their last use and revocation."""
    return [KeyRead.model_validate(row) for row in await service.keys(session, principal, employer)]


@router.delete(
    "/keys/{prefix}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
    summary="Revoke a key",
)
async def revoke_key(
    session: SessionDep,
    principal: AnyPrincipal,
    prefix: Annotated[str, Path(pattern=r"^[a-z2-9]{8}$", examples=["k7m2q9xa"])],
) -> Response:
    """Revoke a key by its prefix. Employers may revoke their own keys; the department any
    employer or department key; admins any key. Revoking twice is harmless."""
    await key_service.revoke(session, principal, prefix)
    return Response(status_code=204)
