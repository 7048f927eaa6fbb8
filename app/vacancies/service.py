"""Vacancy rules: who may see and change what, lifecycle, duplicates, site placement."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from app import geo
from app.auth.principal import Principal
from app.config import Settings
from app.db import db_now
from app.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    GoneError,
    InvalidInputError,
    NotFoundError,
)
from app.models import CloseReason, EventKind, Vacancy, VacancySite, VacancyStatus
from app.vacancies import events, repository
from app.vacancies.repository import VacancyBundle
from app.vacancies.salary import monthly_vnd
from app.vacancies.schemas import (
    REQUIRED_ON_UPDATE,
    CodeName,
    ContactRead,
    EmployerRef,
    Requirements,
    SalaryRead,
    SiteIn,
    SiteRead,
    VacancyCreate,
    VacancyRead,
    VacancyUpdate,
)


@dataclass(frozen=True)
class Lifecycle:
    status: VacancyStatus
    close_reason: CloseReason | None
    closed_at: datetime | None


def lifecycle(vacancy: Vacancy, now: datetime) -> Lifecycle:
    """The status readers see: an open vacancy is closed(expired) from valid_through on,
    whether or not the sweep has recorded it yet."""
    if vacancy.status == VacancyStatus.open and vacancy.valid_through <= now:
        return Lifecycle(VacancyStatus.closed, CloseReason.expired, vacancy.valid_through)
    reason = CloseReason(vacancy.close_reason) if vacancy.close_reason else None
    return Lifecycle(VacancyStatus(vacancy.status), reason, vacancy.closed_at)


def owns(principal: Principal | None, vacancy: Vacancy) -> bool:
    return principal is not None and principal.employer_id == vacancy.employer_id


def vacancy_url(vacancy_id: uuid.UUID) -> str:
    return f"/v1/vacancies/{vacancy_id}"


# Reading ---------------------------------------------------------------------------------------


def check_readable(bundle: VacancyBundle, principal: Principal | None, now: datetime) -> None:
    """Owners and staff see everything; everyone else sees published vacancies of verified
    employers (404 otherwise, so drafts stay secret) and gets 410 once they are closed."""
    if owns(principal, bundle.vacancy) or (principal is not None and principal.is_staff):
        return
    state = lifecycle(bundle.vacancy, now)
    if state.status is VacancyStatus.draft or not bundle.employer.verified:
        raise NotFoundError(f"No vacancy {bundle.vacancy.id}.")
    if state.status is VacancyStatus.closed:
        # What it was, for the job seeker who followed a link, with its contacts masked.
        raise GoneError(
            f"The vacancy was closed ({state.close_reason}).",
            extra={"vacancy": to_read(bundle, principal, now).model_dump(mode="json")},
        )


def check_owner(
    bundle: VacancyBundle | None, principal: Principal, vacancy_id: uuid.UUID
) -> VacancyBundle:
    """The vacancy, if the caller's employer owns it; 404 for anyone else's (never a 403,
    which would confirm that it exists)."""
    if bundle is None or not owns(principal, bundle.vacancy):
        raise NotFoundError(f"No vacancy {vacancy_id}.")
    return bundle


def mask_phone(phone: str | None) -> str | None:
    """+84 and the last three digits: enough to recognise a number, not to call it."""
    return None if phone is None else phone[:3] + "*" * max(len(phone) - 6, 0) + phone[-3:]


def mask_email(email: str | None) -> str | None:
    if email is None:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def to_read(bundle: VacancyBundle, principal: Principal | None, now: datetime) -> VacancyRead:
    v = bundle.vacancy
    state = lifecycle(v, now)
    privileged = owns(principal, v) or (principal is not None and principal.is_staff)
    masked = state.status is VacancyStatus.closed and not privileged
    salary = None
    if v.salary_period is not None or v.salary_negotiable:
        salary = SalaryRead(
            min=v.salary_min,
            max=v.salary_max,
            period=v.salary_period or "month",
            negotiable=v.salary_negotiable,
            monthly_min=v.salary_monthly_min,
            monthly_max=v.salary_monthly_max,
        )
    sites = []
    for site in v.sites:
        lon, lat = bundle.site_points[site.id]
        code, name = bundle.commune_names[site.area_id]
        sites.append(
            SiteRead(
                id=site.id,
                positions=site.positions,
                lon=lon,
                lat=lat,
                approximate=site.approximate,
                commune=CodeName(code=code, name=name),
                address=site.address,
            )
        )
    return VacancyRead(
        id=v.id,
        employer=EmployerRef(
            id=bundle.employer.id, name=bundle.employer.name, verified=bundle.employer.verified
        ),
        external_ref=v.external_ref,
        title=v.title,
        description=v.description,
        occupation=CodeName(code=v.occupation_code, name=bundle.occupation_name),
        industry=CodeName(code=v.industry_code, name=bundle.industry_name)
        if v.industry_code
        else None,
        employment_type=v.employment_type,
        salary=salary,
        requirements=Requirements(
            education_level=v.education_level,
            experience_years=v.experience_years,
            age_min=v.age_min,
            age_max=v.age_max,
        ),
        contact=ContactRead(
            name=v.contact_name,
            phone=mask_phone(v.contact_phone) if masked else v.contact_phone,
            email=mask_email(v.contact_email) if masked else v.contact_email,
            masked=masked,
        ),
        valid_through=v.valid_through,
        status=state.status,
        close_reason=state.close_reason,
        positions=v.positions,
        sites=sites,
        published_at=v.published_at,
        closed_at=state.closed_at,
        created_at=v.created_at,
        updated_at=v.updated_at,
        version=v.version,
    )


def etag(bundle: VacancyBundle, now: datetime, variant: str = "json") -> str:
    """Strong: changes with the vacancy's version, its effective status and its employer."""
    state = lifecycle(bundle.vacancy, now)
    basis = (
        f"{bundle.vacancy.id}:{bundle.vacancy.version}:{state.status}:{state.close_reason}:"
        f"{bundle.employer.updated_at.isoformat()}:{variant}"
    )
    return '"' + hashlib.blake2b(basis.encode(), digest_size=12).hexdigest() + '"'


# Writing ---------------------------------------------------------------------------------------


async def _check_codes(
    session: AsyncSession, occupation_code: str | None, industry_code: str | None
) -> None:
    errors = []
    if occupation_code is not None and not await repository.occupation_exists(
        session, occupation_code
    ):
        errors.append(
            FieldError(
                field="body.occupation_code",
                message=f"{occupation_code} is not an ISCO-08 code we know",
                type="unknown_code",
            )
        )
    if industry_code is not None and not await repository.industry_exists(session, industry_code):
        errors.append(
            FieldError(
                field="body.industry_code",
                message=f"{industry_code} is not a VSIC 2018 section or division",
                type="unknown_code",
            )
        )
    if errors:
        raise InvalidInputError("Unknown classification code.", errors=errors)


async def _place_sites(
    session: AsyncSession, sites: list[SiteIn], on: date
) -> list[tuple[VacancySite, tuple[float, float]]]:
    """Each site with its commune (the one valid on `on`) and its point."""
    placed = []
    errors = []
    for index, site in enumerate(sites):
        if site.coordinates is not None:
            lon, lat = site.coordinates.lon, site.coordinates.lat
            found = await repository.commune_at_point(session, lon, lat, on)
            if found is None:
                errors.append(
                    FieldError(
                        field=f"body.sites.{index}.coordinates",
                        message=f"({lon}, {lat}) is outside every commune of the province",
                        type="outside_area",
                    )
                )
                continue
            (area_id, code), approximate = found, False
        else:
            code = str(site.commune_code)
            commune = await repository.commune_by_code(session, code, on)
            if commune is None:
                errors.append(
                    FieldError(
                        field=f"body.sites.{index}.commune_code",
                        message=f"{code} is not a commune of the province on {on}",
                        type="unknown_code",
                    )
                )
                continue
            (area_id, lon, lat), approximate = commune, True
        row = VacancySite(
            positions=site.positions,
            geom=geo.point(lon, lat),
            approximate=approximate,
            area_id=area_id,
            commune_code=code,
            address=site.address,
        )
        placed.append((row, (lon, lat)))
    if errors:
        raise InvalidInputError("A work site could not be placed.", errors=errors)
    return placed


def _valid_through(requested: datetime | None, settings: Settings, now: datetime) -> datetime:
    if requested is None:
        return now + timedelta(days=settings.vacancy_default_days)
    if requested <= now:
        raise InvalidInputError(
            "valid_through must be in the future.",
            errors=[FieldError(field="body.valid_through", message="in the past", type="past")],
        )
    if requested > now + timedelta(days=settings.vacancy_max_days):
        raise InvalidInputError(
            f"valid_through may be at most {settings.vacancy_max_days} days ahead.",
            errors=[
                FieldError(field="body.valid_through", message="too far ahead", type="too_far")
            ],
        )
    return requested


def _apply_salary(vacancy: Vacancy, payload: VacancyCreate | VacancyUpdate) -> None:
    salary = payload.salary
    vacancy.salary_min = salary.min if salary else None
    vacancy.salary_max = salary.max if salary else None
    vacancy.salary_period = salary.period.value if salary else None
    vacancy.salary_negotiable = salary.negotiable if salary else False
    vacancy.salary_monthly_min = monthly_vnd(salary.min, salary.period) if salary else None
    vacancy.salary_monthly_max = monthly_vnd(salary.max, salary.period) if salary else None


def _apply_requirements(vacancy: Vacancy, requirements: Requirements | None) -> None:
    req = requirements or Requirements()
    vacancy.education_level = req.education_level.value if req.education_level else None
    vacancy.experience_years = req.experience_years
    vacancy.age_min = req.age_min
    vacancy.age_max = req.age_max


async def _refuse_duplicate(
    session: AsyncSession,
    vacancy: Vacancy,
    points: list[tuple[float, float]],
    exclude: uuid.UUID | None = None,
) -> None:
    duplicate = await repository.open_duplicate(
        session,
        employer_id=vacancy.employer_id,
        title=vacancy.title,
        occupation_code=vacancy.occupation_code,
        points=points,
        exclude=exclude,
    )
    if duplicate is not None:
        raise ConflictError(
            f"You already have this vacancy open within {repository.DUPLICATE_DISTANCE_M} m: "
            f"{vacancy_url(duplicate)}. Update that one instead.",
            extra={"existing": vacancy_url(duplicate)},
        )


async def _refuse_taken_ref(
    session: AsyncSession, employer_id: uuid.UUID, ref: str | None, exclude: uuid.UUID | None
) -> None:
    if ref is None:
        return
    existing = await repository.by_external_ref(session, employer_id, ref)
    if existing is not None and existing != exclude:
        raise ConflictError(
            f"external_ref {ref!r} is already used by {vacancy_url(existing)}.",
            extra={"existing": vacancy_url(existing)},
        )


async def create(
    session: AsyncSession, principal: Principal, payload: VacancyCreate, settings: Settings
) -> uuid.UUID:
    if principal.employer_id is None:  # guaranteed by the route's role check
        raise ForbiddenError("Only an employer's key can post vacancies.")
    now = await db_now(session)
    today = now.astimezone(settings.tz).date()
    await _check_codes(session, payload.occupation_code, payload.industry_code)
    placed = await _place_sites(session, payload.sites, today)
    await repository.lock_employer_postings(session, principal.employer_id)
    await _refuse_taken_ref(session, principal.employer_id, payload.external_ref, None)

    vacancy = Vacancy(
        id=uuid.uuid4(),
        employer_id=principal.employer_id,
        external_ref=payload.external_ref,
        title=payload.title,
        description=payload.description,
        occupation_code=payload.occupation_code,
        industry_code=payload.industry_code,
        employment_type=payload.employment_type.value,
        salary_currency="VND",
        contact_name=payload.contact.name,
        contact_phone=payload.contact.phone,
        contact_email=payload.contact.email,
        status=payload.status,
        valid_through=_valid_through(payload.valid_through, settings, now),
        positions=sum(site.positions for site, _ in placed),
        published_at=now if payload.status == "open" else None,
        sites=[site for site, _ in placed],
    )
    _apply_salary(vacancy, payload)
    _apply_requirements(vacancy, payload.requirements)
    if vacancy.status == VacancyStatus.open:
        await _refuse_duplicate(session, vacancy, [point for _, point in placed])
    session.add(vacancy)
    await session.flush()
    if vacancy.status == VacancyStatus.open and await events.employer_verified(
        session, vacancy.employer_id
    ):
        await events.add_event(session, vacancy.id, EventKind.created)
    return vacancy.id


async def update(  # noqa: C901
    session: AsyncSession,
    bundle: VacancyBundle,
    payload: VacancyUpdate,
    settings: Settings,
) -> None:
    vacancy = bundle.vacancy
    now = await db_now(session)
    if lifecycle(vacancy, now).status is VacancyStatus.closed:
        raise ConflictError("A closed vacancy cannot be changed. Post a new one.")
    sent = payload.model_fields_set
    if not sent:
        return  # nothing to change: no new version, no event
    nulls = sorted(name for name in sent & REQUIRED_ON_UPDATE if getattr(payload, name) is None)
    if nulls:
        raise InvalidInputError(
            "These fields cannot be cleared.",
            errors=[FieldError(field=f"body.{n}", message="must not be null", type="required")
                    for n in nulls],
        )  # fmt: skip
    await _check_codes(
        session,
        payload.occupation_code if "occupation_code" in sent else None,
        payload.industry_code if "industry_code" in sent else None,
    )
    await repository.lock_employer_postings(session, vacancy.employer_id)
    if "external_ref" in sent:
        await _refuse_taken_ref(session, vacancy.employer_id, payload.external_ref, vacancy.id)

    for name in ("title", "description", "occupation_code", "industry_code", "external_ref"):
        if name in sent:
            setattr(vacancy, name, getattr(payload, name))
    if "employment_type" in sent and payload.employment_type is not None:
        vacancy.employment_type = payload.employment_type.value
    if "salary" in sent:
        _apply_salary(vacancy, payload)
    if "requirements" in sent:
        _apply_requirements(vacancy, payload.requirements)
    if payload.contact is not None:
        vacancy.contact_name = payload.contact.name
        vacancy.contact_phone = payload.contact.phone
        vacancy.contact_email = payload.contact.email
    if payload.valid_through is not None:
        vacancy.valid_through = _valid_through(payload.valid_through, settings, now)

    points = [bundle.site_points[site.id] for site in vacancy.sites]
    if payload.sites is not None:
        placed = await _place_sites(session, payload.sites, now.astimezone(settings.tz).date())
        vacancy.sites = [site for site, _ in placed]
        vacancy.positions = sum(site.positions for site, _ in placed)
        points = [point for _, point in placed]

    publishing = payload.status == "open" and vacancy.status == VacancyStatus.draft
    if publishing:
        if vacancy.valid_through <= now:
            raise InvalidInputError(
                "The draft's valid_through has passed: send a new one along with status open.",
                errors=[FieldError(field="body.valid_through", message="in the past", type="past")],
            )
        vacancy.status = VacancyStatus.open.value
        vacancy.published_at = now
    # Always a new version, even when only sites (another table) changed: the ETag must move.
    vacancy.updated_at = now
    flag_modified(vacancy, "updated_at")
    if vacancy.status == VacancyStatus.open and sent & {
        "title",
        "occupation_code",
        "sites",
        "status",
    }:
        await _refuse_duplicate(session, vacancy, points, exclude=vacancy.id)
    await session.flush()
    if vacancy.status == VacancyStatus.open and bundle.employer.verified:
        kind = EventKind.created if publishing else EventKind.updated
        await events.add_event(session, vacancy.id, kind)


async def close(session: AsyncSession, bundle: VacancyBundle, reason: CloseReason) -> None:
    vacancy = bundle.vacancy
    now = await db_now(session)
    state = lifecycle(vacancy, now)
    if state.status is VacancyStatus.closed:
        raise ConflictError(f"The vacancy is already closed ({state.close_reason}).")
    was_public = vacancy.status == VacancyStatus.open and bundle.employer.verified
    vacancy.status = VacancyStatus.closed.value
    vacancy.close_reason = reason.value
    vacancy.closed_at = now
    await session.flush()
    if was_public:
        await events.add_event(session, vacancy.id, EventKind.closed)
