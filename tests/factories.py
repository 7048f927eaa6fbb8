"""Rows for tests: employers, keys for every role, vacancy payloads."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository as key_repo
from app.models import Employer, Role

_tax_codes = itertools.count(1_000_000_001)

# A point in Phường Long Châu (29551), Vĩnh Long city centre.
CITY_CENTRE = (105.9723, 10.2537)


def tax_code() -> str:
    return str(next(_tax_codes)).rjust(10, "0")


async def make_employer(
    session: AsyncSession, *, verified: bool = True, name: str = "Công ty TNHH Thử Nghiệm"
) -> Employer:
    now = (await session.execute(select(func.now()))).scalar_one()
    employer = Employer(
        id=uuid.uuid4(), name=name, tax_code=tax_code(), verified_at=now if verified else None
    )
    session.add(employer)
    await session.flush()
    await session.refresh(employer)
    return employer


async def make_key(
    session: AsyncSession,
    role: Role,
    employer_id: uuid.UUID | None = None,
    *,
    revoked: bool = False,
) -> str:
    row, key = await key_repo.create(session, role, label="test", employer_id=employer_id)
    if revoked:
        await key_repo.revoke(session, row)
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass(frozen=True)
class EmployerInfo:
    """Plain values: ORM rows would expire when a request rolls back its savepoint."""

    id: uuid.UUID
    tax_code: str
    name: str


@dataclass
class Actors:
    """One key per kind of caller, and the employers behind them."""

    employer_a: EmployerInfo
    employer_b: EmployerInfo
    unverified: EmployerInfo
    a: dict[str, str]
    b: dict[str, str]
    unverified_key: dict[str, str]
    department: dict[str, str]
    admin: dict[str, str]
    revoked: dict[str, str]
    anonymous: dict[str, str]


async def make_actors(session: AsyncSession) -> Actors:
    employer_a = await make_employer(session, name="Công ty TNHH May mặc Phước Hậu")
    employer_b = await make_employer(session, name="Công ty Cổ phần Thủy sản Cửu Long")
    unverified = await make_employer(session, verified=False, name="Cơ sở Chưa Duyệt")
    return Actors(
        employer_a=EmployerInfo(employer_a.id, employer_a.tax_code, employer_a.name),
        employer_b=EmployerInfo(employer_b.id, employer_b.tax_code, employer_b.name),
        unverified=EmployerInfo(unverified.id, unverified.tax_code, unverified.name),
        a=bearer(await make_key(session, Role.employer, employer_a.id)),
        b=bearer(await make_key(session, Role.employer, employer_b.id)),
        unverified_key=bearer(await make_key(session, Role.employer, unverified.id)),
        department=bearer(await make_key(session, Role.department)),
        admin=bearer(await make_key(session, Role.admin)),
        revoked=bearer(await make_key(session, Role.employer, employer_a.id, revoked=True)),
        anonymous={},
    )


def vacancy_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": "Kế toán tổng hợp",
        "description": "Lập chứng từ, sổ sách kế toán; báo cáo thuế hằng quý.",
        "occupation_code": "24",
        "industry_code": "14",
        "employment_type": "full_time",
        "salary": {"min": 8_000_000, "max": 12_000_000, "period": "month"},
        "requirements": {"education_level": "college", "experience_years": 1},
        "contact": {"name": "Chị Lan", "phone": "0912 345 678", "email": "lan@example.vn"},
        "sites": [{"positions": 2, "coordinates": {"lon": CITY_CENTRE[0], "lat": CITY_CENTRE[1]}}],
    }
    payload.update(overrides)
    return payload


async def post_vacancy(
    client: AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """Post a vacancy (vacancy_payload with `overrides`) and return it; it must succeed."""
    response = await client.post(
        "/v1/vacancies", json=vacancy_payload(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def iso(moment: datetime) -> str:
    return moment.isoformat()
