"""Placement rules: who may record what, filling vacancies without over-filling, corrections
and voids with an audit trail."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth.principal import Principal
from app.config import Settings
from app.db import db_now
from app.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from app.models import Destination, Placement, Role
from app.placements import reads, references, repository, rules
from app.placements.persons import person_hash
from app.placements.references import References
from app.placements.repository import FilledVacancy
from app.placements.schemas import (
    PersonUpdate,
    PlacementCreate,
    PlacementUpdate,
    destination_country_rule,
)

ENTITY = "placement"


def _invalid(errors: list[FieldError]) -> InvalidInputError:
    return InvalidInputError("The placement is not valid.", errors=errors)


def _field_error(field: str, message: str, kind: str) -> InvalidInputError:
    return _invalid([FieldError(field=field, message=message, type=kind)])


async def create(
    session: AsyncSession,
    principal: Principal,
    payload: PlacementCreate,
    settings: Settings,
    today: date,
) -> tuple[Placement, References]:
    refs = await references.load(session)
    if principal.role is Role.employer:
        _check_employer_hire(principal, payload)
    vacancy, employer_id = await _vacancy_and_employer(session, principal, payload)

    occupation = payload.occupation_code or (vacancy.occupation_code if vacancy else None)
    industry, industry_version = rules.industry_of(
        payload.industry_code,
        payload.placed_on,
        (vacancy.industry_code, vacancy.industry_version) if vacancy else None,
    )
    person = payload.person
    resolved, errors = rules.check(
        rules.Facts(
            placed_on=payload.placed_on,
            birth_year=person.birth_year,
            residence_code=person.residence_commune_code,
            destination=payload.destination.value,
            work_commune_code=payload.work_commune_code,
            occupation_code=occupation,
            industry_code=industry,
            industry_version=industry_version,
        ),
        refs,
        today,
        site_communes=vacancy.site_communes if vacancy else None,
    )
    if resolved is None:
        raise _invalid(errors)

    filled = 0 if vacancy is None else await _filled_with_room(session, vacancy)
    row = Placement(
        id=uuid.uuid4(),
        placed_on=payload.placed_on,
        vacancy_id=payload.vacancy_id,
        employer_id=employer_id,
        employer_name=payload.employer_name,
        person_hash=person_hash(settings.person_ref_secret.get_secret_value(), person.person_ref),
        sex=person.sex.value,
        birth_year=person.birth_year,
        trained=person.trained,
        residence_area_id=resolved.residence_area_id,
        work_area_id=resolved.work_area_id,
        destination=payload.destination.value,
        destination_country=payload.destination_country,
        occupation_code=occupation,
        industry_code=industry,
        industry_version=industry_version,
        channel=payload.channel.value,
        recorded_by_key_id=principal.key_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    if vacancy is not None and filled + 1 == vacancy.positions and vacancy.open_now:
        await repository.close_as_filled(session, vacancy)
    await audit.record(
        session,
        principal,
        action="create",
        entity_type=ENTITY,
        entity_id=str(row.id),
        before=None,
        after=reads.snapshot(row, refs),
    )
    return row, refs


def _check_employer_hire(principal: Principal, payload: PlacementCreate) -> None:
    """An employer records hires for its own vacancies only, under its own id."""
    if payload.vacancy_id is None:
        raise _field_error(
            "body.vacancy_id",
            "an employer records hires for its own vacancies",
            "required",
        )
    if payload.employer_id not in (None, principal.employer_id):
        raise _field_error("body.employer_id", "not your employer id", "not_yours")
    if payload.employer_name is not None:
        raise _field_error(
            "body.employer_name", "only for employers not registered here", "not_allowed"
        )


async def _vacancy_and_employer(
    session: AsyncSession, principal: Principal, payload: PlacementCreate
) -> tuple[FilledVacancy | None, uuid.UUID | None]:
    """The vacancy filled (locked), published and the principal's to fill, and the employer of
    the hire: the vacancy's, or the registered one named without a vacancy."""
    employer_id = payload.employer_id
    if payload.vacancy_id is None:
        if employer_id is not None and not await repository.employer_exists(session, employer_id):
            raise _field_error("body.employer_id", f"no employer {employer_id}", "unknown_employer")
        return None, employer_id
    vacancy = await repository.lock_vacancy(session, payload.vacancy_id)
    if vacancy is None or (
        principal.role is Role.employer and vacancy.employer_id != principal.employer_id
    ):
        raise NotFoundError(f"No vacancy {payload.vacancy_id}.")
    if employer_id not in (None, vacancy.employer_id):
        raise _field_error(
            "body.employer_id", "not the employer of the vacancy", "employer_mismatch"
        )
    if not vacancy.published:
        raise ConflictError("The vacancy was never published: no one can be hired for it.")
    return vacancy, vacancy.employer_id


async def _filled_with_room(session: AsyncSession, vacancy: FilledVacancy) -> int:
    """The positions filled already, when one is still free."""
    filled = await repository.filled_positions(session, vacancy.id)
    if filled >= vacancy.positions:
        raise ConflictError(
            f"All {vacancy.positions} positions of this vacancy are filled already."
        )
    return filled


async def update(
    session: AsyncSession,
    principal: Principal,
    row: Placement,
    payload: PlacementUpdate,
    settings: Settings,
    today: date,
) -> References:
    """Apply a correction. The whole record is checked again as it will be."""
    refs = await references.load(session)
    if row.voided_at is not None:
        raise ConflictError("A voided placement cannot be changed.")
    sent = payload.model_fields_set
    if not sent:
        return refs
    if principal.role is Role.employer and "employer_name" in sent:
        raise _field_error(
            "body.employer_name", "only for employers not registered here", "not_allowed"
        )
    before = reads.snapshot(row, refs)
    _check_no_nulls(payload)
    facts, destination, country = _corrected(row, payload, refs)
    site_communes = None
    if row.vacancy_id is not None and destination is Destination.domestic:
        vacancy = await repository.lock_vacancy(session, row.vacancy_id)
        site_communes = vacancy.site_communes if vacancy else None
    resolved, errors = rules.check(facts, refs, today, site_communes=site_communes)
    if resolved is None:
        raise _invalid(errors)

    row.placed_on = facts.placed_on
    row.birth_year = facts.birth_year
    row.residence_area_id = resolved.residence_area_id
    row.work_area_id = resolved.work_area_id
    row.destination = destination.value
    row.destination_country = country
    row.occupation_code = facts.occupation_code
    row.industry_code = facts.industry_code
    row.industry_version = facts.industry_version
    if payload.channel is not None:
        row.channel = payload.channel.value
    if "employer_name" in sent:
        row.employer_name = payload.employer_name
    person = payload.person
    if person is not None:
        _correct_person(row, person, settings)
    await session.flush()
    await session.refresh(row)
    after = reads.snapshot(row, refs)
    if person is not None and person.person_ref is not None:
        after["person_ref_changed"] = True
    await audit.record(
        session,
        principal,
        action="update",
        entity_type=ENTITY,
        entity_id=str(row.id),
        before=before,
        after=after,
    )
    return refs


def _check_no_nulls(payload: PlacementUpdate) -> None:
    """A correction may clear optional fields, never required ones."""
    person = payload.person
    person_sent = person.model_fields_set if person is not None else set()
    for name in ("sex", "birth_year", "trained", "person_ref"):
        if name in person_sent and getattr(person, name) is None:
            raise _field_error(f"body.person.{name}", "must not be null", "required")
    for name in ("placed_on", "destination", "channel"):
        if name in payload.model_fields_set and getattr(payload, name) is None:
            raise _field_error(f"body.{name}", "must not be null", "required")


def _corrected(
    row: Placement, payload: PlacementUpdate, refs: References
) -> tuple[rules.Facts, Destination, str | None]:
    """The record as it will be: the fields sent over the stored ones; and its destination and
    destination country, which must agree."""
    sent = payload.model_fields_set
    person = payload.person
    person_sent = person.model_fields_set if person is not None else set()
    placed_on = payload.placed_on if payload.placed_on is not None else row.placed_on
    birth_year = (
        person.birth_year
        if person is not None and person.birth_year is not None
        else row.birth_year
    )
    residence_code = (
        person.residence_commune_code
        if person is not None and "residence_commune_code" in person_sent
        else reads.code(refs, row.residence_area_id)
    )
    destination = payload.destination or Destination(row.destination)
    country = (
        payload.destination_country
        if "destination_country" in sent
        else (row.destination_country if "destination" not in sent else None)
    )
    try:
        country = destination_country_rule(destination, country)
    except ValueError as exc:
        raise _field_error("body.destination_country", str(exc), "value_error") from exc
    work_code = (
        payload.work_commune_code
        if "work_commune_code" in sent
        else reads.code(refs, row.work_area_id)
    )
    if destination is Destination.abroad:
        if "work_commune_code" in sent and payload.work_commune_code is not None:
            raise _field_error(
                "body.work_commune_code", "a placement abroad has no work commune", "value_error"
            )
        work_code = None
    # A corrected code is read in the version in force on the (corrected) placement date; a kept
    # code keeps the version it was given in.
    industry_code, industry_version = (
        rules.industry_of(payload.industry_code, placed_on, None)
        if "industry_code" in sent
        else (row.industry_code, row.industry_version)
    )
    facts = rules.Facts(
        placed_on=placed_on,
        birth_year=birth_year,
        residence_code=residence_code,
        destination=destination.value,
        work_commune_code=work_code,
        occupation_code=payload.occupation_code
        if "occupation_code" in sent
        else row.occupation_code,
        industry_code=industry_code,
        industry_version=industry_version,
    )
    return facts, destination, country


def _correct_person(row: Placement, person: PersonUpdate, settings: Settings) -> None:
    if person.sex is not None:
        row.sex = person.sex.value
    if person.trained is not None:
        row.trained = person.trained
    if person.person_ref is not None:
        row.person_hash = person_hash(
            settings.person_ref_secret.get_secret_value(), person.person_ref
        )


async def void(
    session: AsyncSession, principal: Principal, row: Placement, reason: str
) -> References:
    """Void a record made in error. It stops counting everywhere; the row and its history stay.
    A vacancy it closed as filled stays closed."""
    refs = await references.load(session)
    if row.voided_at is not None:
        raise ConflictError("The placement is already voided.")
    before = reads.snapshot(row, refs)
    row.voided_at = await db_now(session)
    row.void_reason = reason
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        principal,
        action="void",
        entity_type=ENTITY,
        entity_id=str(row.id),
        before=before,
        after=reads.snapshot(row, refs),
        reason=reason,
    )
    return refs
