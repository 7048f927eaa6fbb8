"""The rules every placement obeys, one code path for the JSON API and the bulk import:
dates, ages, codes valid on the placement date, the work commune."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class Resolved:
    residence_area_id: int | None
    work_area_id: int | None


def _error(field: str, message: str, kind: str) -> FieldError:
    return FieldError(field=field, message=message, type=kind)


def check(  # noqa: C901
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

    residence_id = None
    if facts.residence_code is not None:
        residence = refs.commune(facts.residence_code, day)
        if residence is None:
            errors.append(
                _error(
                    field("person.residence_commune_code"),
                    f"{facts.residence_code} is not a commune of the province on {day}",
                    "unknown_code",
                )
            )
        else:
            residence_id = residence.id

    work_id = None
    code = facts.work_commune_code
    if facts.destination == Destination.abroad.value:
        work_id = None
    elif site_communes is not None:
        if code is None and len(set(site_communes.values())) == 1:
            work_id = next(iter(site_communes.values()))
        elif code is None:
            errors.append(
                _error(
                    field("work_commune_code"),
                    "the vacancy has sites in several communes: say which "
                    f"({', '.join(sorted(site_communes))})",
                    "required",
                )
            )
        elif code not in site_communes:
            errors.append(
                _error(
                    field("work_commune_code"),
                    f"{code} is not the commune of one of the vacancy's sites",
                    "not_a_site",
                )
            )
        else:
            work_id = site_communes[code]
    elif code is not None:
        work = refs.commune(code, day)
        if work is None:
            errors.append(
                _error(
                    field("work_commune_code"),
                    f"{code} is not a commune of the province on {day}",
                    "unknown_code",
                )
            )
        else:
            work_id = work.id

    if facts.occupation_code is not None and facts.occupation_code not in refs.occupations:
        errors.append(
            _error(
                field("occupation_code"),
                f"{facts.occupation_code} is not an ISCO-08 code we know",
                "unknown_code",
            )
        )
    if facts.industry_code is not None and facts.industry_code not in refs.industries:
        errors.append(
            _error(
                field("industry_code"),
                f"{facts.industry_code} is not a VSIC 2018 section or division",
                "unknown_code",
            )
        )
    if errors:
        return None, errors
    return Resolved(residence_area_id=residence_id, work_area_id=work_id), []
