"""What a posting must satisfy, for new vacancies and changed ones: known classification codes,
sites placed in a commune, a validity within bounds, no duplicate open vacancy, one vacancy per
external reference; and how salary and requirements are set on the row."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import geo
from app.config import Settings
from app.errors import ConflictError, FieldError, InvalidInputError
from app.models import Vacancy, VacancySite
from app.vacancies import repository
from app.vacancies.reads import vacancy_url
from app.vacancies.salary import monthly_vnd
from app.vacancies.schemas import Requirements, SiteIn, VacancyCreate, VacancyUpdate


async def check_codes(
    session: AsyncSession,
    occupation_code: str | None,
    industry_code: str | None,
    industry_version: str,
) -> None:
    """422 for a code the lists do not hold; the industry code in `industry_version` (the VSIC
    version in force on the posting date)."""
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
    if industry_code is not None and not await repository.industry_exists(
        session, industry_version, industry_code
    ):
        errors.append(
            FieldError(
                field="body.industry_code",
                message=f"{industry_code} is not a VSIC {industry_version} section or division",
                type="unknown_code",
            )
        )
    if errors:
        raise InvalidInputError("Unknown classification code.", errors=errors)


async def place_sites(
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


def valid_through(requested: datetime | None, settings: Settings, now: datetime) -> datetime:
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


def apply_salary(vacancy: Vacancy, payload: VacancyCreate | VacancyUpdate) -> None:
    salary = payload.salary
    vacancy.salary_min = salary.min if salary else None
    vacancy.salary_max = salary.max if salary else None
    vacancy.salary_period = salary.period.value if salary else None
    vacancy.salary_negotiable = salary.negotiable if salary else False
    vacancy.salary_monthly_min = monthly_vnd(salary.min, salary.period) if salary else None
    vacancy.salary_monthly_max = monthly_vnd(salary.max, salary.period) if salary else None


def apply_requirements(vacancy: Vacancy, requirements: Requirements | None) -> None:
    req = requirements or Requirements()
    vacancy.education_level = req.education_level.value if req.education_level else None
    vacancy.experience_years = req.experience_years
    vacancy.age_min = req.age_min
    vacancy.age_max = req.age_max


async def refuse_duplicate(
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


async def refuse_taken_ref(
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
