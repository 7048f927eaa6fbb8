"""What a demo posting says: whom to contact, and a description written from the job, the
firm and what the posting asks of candidates."""

from __future__ import annotations

from typing import NamedTuple

from app.demo.draws import Draws
from app.demo.employers import Firm
from app.demo.jobs import Job
from app.demo.places import Commune
from app.demo.words import (
    BENEFITS,
    CONTACT_DESKS,
    EDUCATION_PHRASE,
    FAMILY_NAMES,
    FEMALE_NAMES,
    HOW_TO_APPLY,
    MALE_NAMES,
)
from app.models import EducationLevel

EMAIL_USERS = ("tuyendung", "nhansu", "hr", "hcns")
MOBILE_PREFIXES = "35789"  # +84 3x, 5x, 7x, 8x, 9x: Vietnamese mobile numbers
NO_EXPERIENCE = "nhận người chưa có kinh nghiệm"


class Asks(NamedTuple):
    """What a posting asks of candidates; None where it asks nothing."""

    education: EducationLevel | None
    experience: int | None  # years
    age_min: int | None
    age_max: int | None


def contact(draws: Draws, firm: Firm) -> tuple[str, str, str | None]:
    """contact_name, contact_phone, contact_email."""
    roll = draws.random()
    if roll < 0.2:
        name = draws.of(CONTACT_DESKS)
    elif roll < 0.68:
        name = f"Chị {draws.of(FAMILY_NAMES)} {draws.of(FEMALE_NAMES)}"
    else:
        name = f"Anh {draws.of(FAMILY_NAMES)} {draws.of(MALE_NAMES)}"
    phone = f"+84{draws.of(MOBILE_PREFIXES)}{draws.below(100_000_000):08d}"
    email = None if draws.random() < 0.2 else f"{draws.of(EMAIL_USERS)}@{firm.domain}"
    return name, phone, email


def description(
    draws: Draws,
    firm: Firm,
    job: Job,
    positions: int,
    commune: Commune,
    asks: Asks,
    *,
    pay_stated: bool,
) -> str:
    """Who hires how many where, the duties, what is asked, two benefits and how to apply."""
    title = job.title
    requirements = []
    if asks.education is not None:
        requirements.append(EDUCATION_PHRASE[asks.education])
    if asks.experience is not None:
        requirements.append(
            f"có ít nhất {asks.experience} năm kinh nghiệm" if asks.experience else NO_EXPERIENCE
        )
    if asks.age_min is not None:
        requirements.append(f"độ tuổi từ {asks.age_min} đến {asks.age_max}")
    first = draws.below(len(BENEFITS))
    second = (first + 1 + draws.below(len(BENEFITS) - 1)) % len(BENEFITS)
    parts = [
        f"{firm.name} cần tuyển {positions} {title[0].lower()}{title[1:]} làm việc tại "
        f"{commune.full_name}.",
        *job.duties,
    ]
    if requirements:
        text = ", ".join(requirements)
        parts.append(f"{text[0].upper()}{text[1:]}.")
    if not pay_stated:
        parts.append("Mức lương thỏa thuận theo năng lực.")
    parts += [BENEFITS[first], BENEFITS[second], draws.of(HOW_TO_APPLY)]
    return " ".join(parts)
