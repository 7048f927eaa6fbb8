"""The rules every placement obeys, one code path for the JSON API and the bulk import:
dates, ages, codes valid on the placement date, the work commune."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.classifications.versions import industry_version_on
from app.errors import FieldError
from app.models import Destination
from app.placements.references import References

EARLIEST_PLACEMENT = date(2000, 1, 1)
# The Labour Code's general minimum working age; older than 100 is a typo in the birth year.
MIN_AGE, MAX_AGE = 15, 100


@dataclass
class Facts:
    """A placement's checkable values, as sent or as they will be after a correction."""

    placed_on: date
    birth_year: int
    residence_code: str | None
    destination: str
    work_commune_code: str | None
    occupation_code: str | None
    industry_code: str | None
    industry_version: str | None  # the VSIC version industry_code is read in


def industry_of(
    given: str | None, placed_on: date, vacancy: tuple[str | None, str | None] | None
) -> tuple[str | None, str | None]:
    """The placement's industry code and its VSIC version: a code sent is read in the version in
    force on `placed_on`; one taken from the vacancy (its code, version) keeps the vacancy's."""
    if given is not None:
        return given, industry_version_on(placed_on)
    if vacancy is not None and vacancy[0] is not None:
        return vacancy
    return None, None


@dataclass(frozen=True)
class Resolved:
    residence_area_id: int | None
    work_area_id: int | None


def _error(field: str, message: str, kind: str) -> FieldError:
    return FieldError(field=field, message=message, type=kind)


def check(
    facts: Facts,
    refs: References,
    today: date,
    *,
    site_communes: dict[str, int] | None = None,
    field: Callable[[str], str] = lambda name: f"body.{name}",
) -> tuple[Resolved | None, list[FieldError]]:
    """The area rows the codes name on the placement date, or the errors.

    `site_communes` (code -> area id) are the communes of the linked vacancy's sites: the work
    commune is one of them, as recorded when the vacancy was posted."""
    errors = _date_and_age(facts, today, field)
    residence_id = _residence(facts, refs, field, errors)
    work_id = _work_commune(facts, refs, site_communes, field, errors)
    errors += _classifications(facts, refs, field)
    if errors:
        return None, errors
    return Resolved(residence_area_id=residence_id, work_area_id=work_id), []


def _date_and_age(facts: Facts, today: date, field: Callable[[str], str]) -> list[FieldError]:
    errors: list[FieldError] = []
    day = facts.placed_on
    if day > today:
        errors.append(_error(field("placed_on"), f"{day} is in the future", "future_date"))
    if day < EARLIEST_PLACEMENT:
        errors.append(
            _error(field("placed_on"), f"must be on or after {EARLIEST_PLACEMENT}", "too_early")
        )
    age = day.year - facts.birth_year
    if not MIN_AGE <= age <= MAX_AGE:
        errors.append(
            _error(
                field("person.birth_year"),
                f"age {age} at placement is outside {MIN_AGE}-{MAX_AGE}",
                "age_out_of_range",
            )
        )
    return errors


def _residence(
    facts: Facts, refs: References, field: Callable[[str], str], errors: list[FieldError]
) -> int | None:
    """The residence commune's area id on the placement date; an error if the code names none."""
    if facts.residence_code is None:
        return None
    day = facts.placed_on
    residence = refs.commune(facts.residence_code, day)
    if residence is None:
        errors.append(
            _error(
                field("person.residence_commune_code"),
                f"{facts.residence_code} is not a commune of the province on {day}",
                "unknown_code",
            )
        )
        return None
    return residence.id


def _work_commune(
    facts: Facts,
    refs: References,
    site_communes: dict[str, int] | None,
    field: Callable[[str], str],
    errors: list[FieldError],
) -> int | None:
    """The work commune's area id: none abroad, one of the sites' for a vacancy, else the code's
    commune on the placement date."""
    if facts.destination == Destination.abroad.value:
        return None
    if site_communes is not None:
        return _site_commune(facts.work_commune_code, site_communes, field, errors)
    code = facts.work_commune_code
    if code is None:
        return None
    day = facts.placed_on
    work = refs.commune(code, day)
    if work is None:
        errors.append(
            _error(
                field("work_commune_code"),
                f"{code} is not a commune of the province on {day}",
                "unknown_code",
            )
        )
        return None
    return work.id


def _site_commune(
    code: str | None,
    site_communes: dict[str, int],
    field: Callable[[str], str],
    errors: list[FieldError],
) -> int | None:
    """The commune of one of the vacancy's sites: the one named, or the only one."""
    if code is None and len(set(site_communes.values())) == 1:
        return next(iter(site_communes.values()))
    if code is None:
        errors.append(
            _error(
                field("work_commune_code"),
                "the vacancy has sites in several communes: say which "
                f"({', '.join(sorted(site_communes))})",
                "required",
            )
        )
        return None
    if code not in site_communes:
        errors.append(
            _error(
                field("work_commune_code"),
                f"{code} is not the commune of one of the vacancy's sites",
                "not_a_site",
            )
        )
        return None
    return site_communes[code]


def _classifications(
    facts: Facts, refs: References, field: Callable[[str], str]
) -> list[FieldError]:
    errors: list[FieldError] = []
    if facts.occupation_code is not None and facts.occupation_code not in refs.occupations:
        errors.append(
            _error(
                field("occupation_code"),
                f"{facts.occupation_code} is not an ISCO-08 code we know",
                "unknown_code",
            )
        )
    version = facts.industry_version or ""
    if facts.industry_code is not None and (version, facts.industry_code) not in refs.industries:
        errors.append(
            _error(
                field("industry_code"),
                f"{facts.industry_code} is not a VSIC {version} section or division",
                "unknown_code",
            )
        )
    return errors
