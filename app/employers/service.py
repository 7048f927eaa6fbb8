"""Employer rules: the department vets employers; employers keep their contact details."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as key_service
from app.auth.principal import Principal
from app.db import db_now
from app.employers import repository
from app.employers.schemas import STAFF_ONLY_FIELDS, EmployerCreate, EmployerUpdate
from app.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from app.models import ApiKey, Employer, Role
from app.vacancies import events as vacancy_events


def employer_url(employer_id: uuid.UUID) -> str:
    return f"/v1/employers/{employer_id}"


async def visible(session: AsyncSession, principal: Principal, employer_id: uuid.UUID) -> Employer:
    """Staff see every employer; an employer only itself (404 for others)."""
    employer = await repository.get(session, employer_id)
    if employer is None or not (principal.is_staff or principal.employer_id == employer_id):
        raise NotFoundError(f"No employer {employer_id}.")
    return employer


async def _refuse_taken_tax_code(
    session: AsyncSession, tax_code: str, exclude: uuid.UUID | None = None
) -> None:
    existing = await repository.by_tax_code(session, tax_code)
    if existing is not None and existing.id != exclude:
        raise ConflictError(
            f"An employer with tax code {tax_code} exists already.",
            extra={"existing": employer_url(existing.id)},
        )


async def create(session: AsyncSession, payload: EmployerCreate) -> Employer:
    await _refuse_taken_tax_code(session, payload.tax_code)
    employer = Employer(
        id=uuid.uuid4(),
        name=payload.name,
        tax_code=payload.tax_code,
        address=payload.address,
        phone=payload.phone,
        email=payload.email,
        website=payload.website,
        verified_at=func.now() if payload.verified else None,
    )
    session.add(employer)
    await session.flush()
    await session.refresh(employer)
    return employer


async def update(
    session: AsyncSession, principal: Principal, employer: Employer, payload: EmployerUpdate
) -> Employer:
    sent = payload.model_fields_set
    if not principal.is_staff and sent & STAFF_ONLY_FIELDS:
        fields = ", ".join(sorted(sent & STAFF_ONLY_FIELDS))
        raise ForbiddenError(f"Only the department can change {fields}.")
    for name in ("name", "tax_code"):
        if name in sent and getattr(payload, name) is None:
            raise InvalidInputError(f"{name} cannot be cleared.", field=f"body.{name}")
    if payload.tax_code is not None:
        await _refuse_taken_tax_code(session, payload.tax_code, exclude=employer.id)
    for name in ("name", "tax_code", "address", "phone", "email", "website"):
        if name in sent:
            setattr(employer, name, getattr(payload, name))
    if "verified" in sent and payload.verified is not None:
        await set_verified(session, employer, payload.verified)
    await session.flush()
    await session.refresh(employer)
    return employer


async def set_verified(session: AsyncSession, employer: Employer, verified: bool) -> None:
    """Vet or suspend. Either way its open vacancies appear or disappear for the public, so
    partners following the changes feed are told."""
    if verified == employer.verified:
        return
    employer.verified_at = await db_now(session) if verified else None
    await session.flush()
    await vacancy_events.announce_open_vacancies(session, employer.id)


async def verify(session: AsyncSession, employer: Employer) -> Employer:
    """Mark the employer as vetted (its open vacancies become public); the row as stored."""
    await set_verified(session, employer, True)
    await session.refresh(employer)
    return employer


def _may_manage_keys(principal: Principal, employer_id: uuid.UUID) -> None:
    # Another employer's keys are as absent as a missing employer (no probing).
    if not (principal.is_staff or principal.employer_id == employer_id):
        raise NotFoundError(f"No employer {employer_id}.")


async def issue_key(
    session: AsyncSession, principal: Principal, employer: Employer, label: str | None
) -> tuple[ApiKey, str]:
    """A new key for the employer (the department's, or the employer rotating its own): the
    row as stored and the key itself, in clear only now."""
    _may_manage_keys(principal, employer.id)
    row, key = await key_service.issue(session, Role.employer, label=label, employer_id=employer.id)
    await session.refresh(row)
    return row, key


async def keys(session: AsyncSession, principal: Principal, employer: Employer) -> list[ApiKey]:
    """The employer's keys, with their last use and revocation."""
    _may_manage_keys(principal, employer.id)
    return list(await repository.keys_of(session, employer.id))
