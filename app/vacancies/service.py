"""Changing a vacancy: its employer edits or publishes it (If-Match guards against overwriting
someone else's change), the employer or the department closes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from app.auth.principal import Principal
from app.classifications.versions import industry_version_on
from app.config import Settings
from app.db import db_now
from app.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    PreconditionFailedError,
)
from app.http_cache import etag_matches
from app.models import CloseReason, EventKind, Vacancy, VacancyStatus
from app.vacancies import events, reads, repository, rules
from app.vacancies.reads import VacancyBundle
from app.vacancies.schemas import REQUIRED_ON_UPDATE, VacancyUpdate

# A change to these may make an open vacancy a duplicate of another.
_DUPLICATE_FIELDS = frozenset({"title", "occupation_code", "sites", "status"})


async def update(
    session: AsyncSession,
    principal: Principal,
    bundle: VacancyBundle,
    payload: VacancyUpdate,
    settings: Settings,
    *,
    if_match: str | None,
) -> reads.Answer:
    """Change the fields sent (`bundle` is the caller's own vacancy, locked); 412 when
    `if_match` is not the ETag of the vacancy as it is."""
    now = await db_now(session)
    if if_match is not None and not etag_matches(if_match, reads.etag(bundle, now), weak=False):
        raise PreconditionFailedError("The vacancy changed since you read it: GET it again.")
    await _change(session, bundle, payload, settings, now)
    return await reads.answer(session, bundle.vacancy.id, principal)


async def _change(
    session: AsyncSession,
    bundle: VacancyBundle,
    payload: VacancyUpdate,
    settings: Settings,
    now: datetime,
) -> None:
    vacancy = bundle.vacancy
    if reads.lifecycle(vacancy, now).status is VacancyStatus.closed:
        raise ConflictError("A closed vacancy cannot be changed. Post a new one.")
    sent = payload.model_fields_set
    if not sent:
        return  # nothing to change: no new version, no event
    _refuse_nulls(payload, sent)
    # A new industry code is read in the version in force on the posting date, as the first was.
    industry_version = industry_version_on(vacancy.created_at.astimezone(settings.tz).date())
    await rules.check_codes(
        session,
        payload.occupation_code if "occupation_code" in sent else None,
        payload.industry_code if "industry_code" in sent else None,
        industry_version,
    )
    await repository.lock_employer_postings(session, vacancy.employer_id)
    if "external_ref" in sent:
        await rules.refuse_taken_ref(session, vacancy.employer_id, payload.external_ref, vacancy.id)
    _apply_fields(vacancy, payload, sent, settings, now)
    if "industry_code" in sent:
        vacancy.industry_version = industry_version if vacancy.industry_code else None
    points = await _apply_sites(session, bundle, payload, settings, now)
    publishing = _publish(vacancy, payload, now)
    # Always a new version, even when only sites (another table) changed: the ETag must move.
    vacancy.updated_at = now
    flag_modified(vacancy, "updated_at")
    if vacancy.status == VacancyStatus.open and sent & _DUPLICATE_FIELDS:
        await rules.refuse_duplicate(session, vacancy, points, exclude=vacancy.id)
    await session.flush()
    if vacancy.status == VacancyStatus.open and bundle.employer.verified:
        kind = EventKind.created if publishing else EventKind.updated
        await events.add_event(session, vacancy.id, kind)


def _refuse_nulls(payload: VacancyUpdate, sent: set[str]) -> None:
    nulls = sorted(name for name in sent & REQUIRED_ON_UPDATE if getattr(payload, name) is None)
    if nulls:
        raise InvalidInputError(
            "These fields cannot be cleared.",
            errors=[FieldError(field=f"body.{n}", message="must not be null", type="required")
                    for n in nulls],
        )  # fmt: skip


def _apply_fields(
    vacancy: Vacancy, payload: VacancyUpdate, sent: set[str], settings: Settings, now: datetime
) -> None:
    """The vacancy's own columns from the fields sent (sites and status apart)."""
    for name in ("title", "description", "occupation_code", "industry_code", "external_ref"):
        if name in sent:
            setattr(vacancy, name, getattr(payload, name))
    if "employment_type" in sent and payload.employment_type is not None:
        vacancy.employment_type = payload.employment_type.value
    if "salary" in sent:
        rules.apply_salary(vacancy, payload)
    if "requirements" in sent:
        rules.apply_requirements(vacancy, payload.requirements)
    if payload.contact is not None:
        vacancy.contact_name = payload.contact.name
        vacancy.contact_phone = payload.contact.phone
        vacancy.contact_email = payload.contact.email
    if payload.valid_through is not None:
        vacancy.valid_through = rules.valid_through(payload.valid_through, settings, now)


async def _apply_sites(
    session: AsyncSession,
    bundle: VacancyBundle,
    payload: VacancyUpdate,
    settings: Settings,
    now: datetime,
) -> list[tuple[float, float]]:
    """The new sites when sent; the points of the vacancy's sites, new or kept."""
    vacancy = bundle.vacancy
    if payload.sites is None:
        return [bundle.site_points[site.id] for site in vacancy.sites]
    placed = await rules.place_sites(session, payload.sites, now.astimezone(settings.tz).date())
    vacancy.sites = [site for site, _ in placed]
    vacancy.positions = sum(site.positions for site, _ in placed)
    return [point for _, point in placed]


def _publish(vacancy: Vacancy, payload: VacancyUpdate, now: datetime) -> bool:
    """Publish a draft when `status: open` is sent; whether it was."""
    publishing = payload.status == "open" and vacancy.status == VacancyStatus.draft
    if publishing:
        if vacancy.valid_through <= now:
            raise InvalidInputError(
                "The draft's valid_through has passed: send a new one along with status open.",
                errors=[FieldError(field="body.valid_through", message="in the past", type="past")],
            )
        vacancy.status = VacancyStatus.open.value
        vacancy.published_at = now
    return publishing


async def close(
    session: AsyncSession, principal: Principal, bundle: VacancyBundle, reason: CloseReason
) -> reads.Answer:
    """Its employer closes a vacancy (404 for anyone else's); the department may withdraw any
    vacancy (moderation), but only the employer knows it is filled."""
    if not principal.is_staff:
        reads.check_owner(bundle, principal, bundle.vacancy.id)
    elif reason is not CloseReason.withdrawn:
        raise ForbiddenError("The department can only withdraw a vacancy.")
    vacancy = bundle.vacancy
    now = await db_now(session)
    state = reads.lifecycle(vacancy, now)
    if state.status is VacancyStatus.closed:
        raise ConflictError(f"The vacancy is already closed ({state.close_reason}).")
    was_public = vacancy.status == VacancyStatus.open and bundle.employer.verified
    vacancy.status = VacancyStatus.closed.value
    vacancy.close_reason = reason.value
    vacancy.closed_at = now
    await session.flush()
    if was_public:
        await events.add_event(session, vacancy.id, EventKind.closed)
    return await reads.answer(session, vacancy.id, principal)
