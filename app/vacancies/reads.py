"""Vacancies as their readers see them: who may see one (and its contacts), its lifecycle, its
representation and ETag, and the changes feed."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.auth.principal import Principal
from app.db import db_now
from app.errors import GoneError, NotFoundError
from app.metrics.series import CHANGES_FEED_DELAY
from app.models import CloseReason, Vacancy, VacancyStatus
from app.vacancies import repository
from app.vacancies.repository import VacancyBundle as VacancyBundle  # the router takes it here
from app.vacancies.schemas import (
    ChangeEvent,
    ChangesPage,
    ClassName,
    CodeName,
    ContactRead,
    EmployerRef,
    IndustryRead,
    Requirements,
    SalaryRead,
    SiteRead,
    VacancyRead,
)


@dataclass(frozen=True)
class Lifecycle:
    status: VacancyStatus
    close_reason: CloseReason | None
    closed_at: datetime | None


@dataclass(frozen=True)
class Answer:
    """A vacancy as one caller may see it, with the ETag of that representation and its URL."""

    read: VacancyRead
    etag: str
    location: str


def lifecycle(vacancy: Vacancy, now: datetime) -> Lifecycle:
    """The status readers see: an open vacancy is closed(expired) from valid_through on. The
    row says so only for vacancies recorded before migration 0029: the sweep now leaves it
    open and only announces the expiry."""
    if vacancy.status == VacancyStatus.open and vacancy.valid_through <= now:
        return Lifecycle(VacancyStatus.closed, CloseReason.expired, vacancy.valid_through)
    reason = CloseReason(vacancy.close_reason) if vacancy.close_reason else None
    return Lifecycle(VacancyStatus(vacancy.status), reason, vacancy.closed_at)


def owns(principal: Principal | None, vacancy: Vacancy) -> bool:
    return principal is not None and principal.employer_id == vacancy.employer_id


def vacancy_url(vacancy_id: uuid.UUID) -> str:
    return f"/v1/vacancies/{vacancy_id}"


async def load(
    session: AsyncSession, vacancy_id: uuid.UUID, *, lock: bool = False
) -> VacancyBundle:
    """The vacancy and what its representation needs, or 404. With `lock` the row stays locked
    until commit (SELECT ... FOR UPDATE), so concurrent writes queue up."""
    bundle = await repository.load(session, vacancy_id, for_update=lock)
    if bundle is None:
        raise NotFoundError(f"No vacancy {vacancy_id}.")
    return bundle


def check_owner(
    bundle: VacancyBundle | None, principal: Principal, vacancy_id: uuid.UUID
) -> VacancyBundle:
    """The vacancy, if the caller's employer owns it; 404 for anyone else's (never a 403,
    which would confirm that it exists)."""
    if bundle is None or not owns(principal, bundle.vacancy):
        raise NotFoundError(f"No vacancy {vacancy_id}.")
    return bundle


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


def show(
    bundle: VacancyBundle, principal: Principal | None, now: datetime, variant: str = "json"
) -> Answer:
    """The vacancy for a reader who may see it (404 or 410 otherwise, see check_readable)."""
    check_readable(bundle, principal, now)
    return _answer(bundle, principal, now, variant)


async def answer(session: AsyncSession, vacancy_id: uuid.UUID, principal: Principal) -> Answer:
    """The vacancy as it is now in this transaction, for the writer who just changed it."""
    bundle = await load(session, vacancy_id)
    return _answer(bundle, principal, await db_now(session))


def _answer(
    bundle: VacancyBundle, principal: Principal | None, now: datetime, variant: str = "json"
) -> Answer:
    return Answer(
        read=to_read(bundle, principal, now),
        etag=etag(bundle, now, variant),
        location=vacancy_url(bundle.vacancy.id),
    )


def mask_phone(phone: str | None) -> str | None:
    """+84 and the last three digits: enough to recognise a number, not to call it."""
    return None if phone is None else phone[:3] + "*" * max(len(phone) - 6, 0) + phone[-3:]


def mask_email(email: str | None) -> str | None:
    if email is None:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _salary(vacancy: Vacancy) -> SalaryRead | None:
    if vacancy.salary_period is None and not vacancy.salary_negotiable:
        return None
    return SalaryRead(
        min=vacancy.salary_min,
        max=vacancy.salary_max,
        period=vacancy.salary_period or "month",
        negotiable=vacancy.salary_negotiable,
        monthly_min=vacancy.salary_monthly_min,
        monthly_max=vacancy.salary_monthly_max,
    )


def _sites(bundle: VacancyBundle) -> list[SiteRead]:
    sites = []
    for site in bundle.vacancy.sites:
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
    return sites


def _class_name(code: str, names: tuple[str | None, str | None]) -> ClassName:
    name_vi, name_en = names
    return ClassName(code=code, name=name_vi or name_en, name_vi=name_vi, name_en=name_en)


def _industry(bundle: VacancyBundle) -> IndustryRead | None:
    v = bundle.vacancy
    if v.industry_code is None or v.industry_version is None:
        return None
    names = _class_name(v.industry_code, bundle.industry_names)
    return IndustryRead(**names.model_dump(), version=v.industry_version)


def to_read(bundle: VacancyBundle, principal: Principal | None, now: datetime) -> VacancyRead:
    v = bundle.vacancy
    state = lifecycle(v, now)
    privileged = owns(principal, v) or (principal is not None and principal.is_staff)
    masked = state.status is VacancyStatus.closed and not privileged
    return VacancyRead(
        id=v.id,
        employer=EmployerRef(
            id=bundle.employer.id, name=bundle.employer.name, verified=bundle.employer.verified
        ),
        external_ref=v.external_ref,
        title=v.title,
        description=v.description,
        occupation=_class_name(v.occupation_code, bundle.occupation_names),
        industry=_industry(bundle),
        employment_type=v.employment_type,
        salary=_salary(v),
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
        sites=_sites(bundle),
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


async def changes(session: AsyncSession, *, after: str | None, limit: int) -> ChangesPage:
    """Events after the cursor in commit order (see repository.changes), with the cursor to
    poll with next: the same one again when no event followed."""
    position = (0, 0)
    if after is not None:
        values = cursors.decode(after, "query.after", {"t": int, "i": int})
        position = (values["t"], values["i"])
    rows = await repository.changes(session, after=position, limit=limit)
    CHANGES_FEED_DELAY.set(max(0.0, await repository.changes_delay_s(session)))
    if rows:
        position = (rows[-1].txid, rows[-1].id)
    return ChangesPage(
        events=[
            ChangeEvent(id=r.id, kind=r.kind, vacancy_id=r.vacancy_id, occurred_at=r.occurred_at)
            for r in rows
        ],
        next_cursor=cursors.encode({"t": position[0], "i": position[1]}),
    )
