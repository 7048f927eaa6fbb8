"""Placements as their readers see them: one record (only the department's, or an employer's
own), a page of them newest first, and the record for the audit trail."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.auth.principal import Principal
from app.errors import NotFoundError
from app.models import Placement
from app.placements import references, repository
from app.placements.references import CommuneVersion, References
from app.placements.schemas import AreaRef, ListFilter, PersonRead, PlacementPage, PlacementRead


async def visible(
    session: AsyncSession, principal: Principal, placement_id: uuid.UUID, *, lock: bool
) -> Placement:
    """The placement if `principal` may see it (locked until commit with `lock`), else 404:
    another employer's record is as absent as a missing one."""
    row = await repository.get(session, placement_id, for_update=lock)
    if row is None or not visible_to(row, principal):
        raise NotFoundError(f"No placement {placement_id}.")
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    where: ListFilter,
    *,
    limit: int,
    cursor: str | None,
) -> PlacementPage:
    """Most recently recorded first; an employer sees only its own."""
    if not principal.is_staff:
        where = dataclasses.replace(where, employer_id=principal.employer_id)
    after = None
    if cursor is not None:
        values = cursors.decode(cursor, "query.cursor", {"c": str, "i": str})
        try:
            after = (datetime.fromisoformat(values["c"]), uuid.UUID(values["i"]))
        except ValueError as exc:
            raise cursors.invalid("query.cursor") from exc

    async def fetch(count: int) -> list[Placement]:
        return await repository.page(session, where, limit=count, after=after)

    rows, next_cursor = await cursors.page(
        fetch, limit, lambda last: {"c": last.created_at.isoformat(), "i": str(last.id)}
    )
    refs = await references.load(session)
    return PlacementPage(items=[to_read(row, refs) for row in rows], next_cursor=next_cursor)


def _area(version: CommuneVersion | None) -> AreaRef | None:
    if version is None:
        return None
    return AreaRef(
        code=version.code,
        name=version.name,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
    )


def code(refs: References, area_id: int | None) -> str | None:
    return None if area_id is None else refs.by_id[area_id].code


def to_read(row: Placement, refs: References) -> PlacementRead:
    return PlacementRead(
        id=row.id,
        placed_on=row.placed_on,
        vacancy_id=row.vacancy_id,
        employer_id=row.employer_id,
        employer_name=row.employer_name,
        person=PersonRead(
            sex=row.sex,
            birth_year=row.birth_year,
            age=row.placed_on.year - row.birth_year,
            trained=row.trained,
            residence_commune=_area(
                refs.by_id.get(row.residence_area_id) if row.residence_area_id else None
            ),
        ),
        destination=row.destination,
        destination_country=row.destination_country,
        work_commune=_area(refs.by_id.get(row.work_area_id) if row.work_area_id else None),
        occupation_code=row.occupation_code,
        industry_code=row.industry_code,
        industry_version=row.industry_version,
        channel=row.channel,
        status="voided" if row.voided_at else "active",
        void_reason=row.void_reason,
        voided_at=row.voided_at,
        import_batch_id=row.import_batch_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def snapshot(row: Placement, refs: References) -> dict[str, Any]:
    """The record for the audit trail: every field but the person's hash."""
    return {
        "placed_on": row.placed_on.isoformat(),
        "vacancy_id": str(row.vacancy_id) if row.vacancy_id else None,
        "employer_id": str(row.employer_id) if row.employer_id else None,
        "employer_name": row.employer_name,
        "sex": row.sex,
        "birth_year": row.birth_year,
        "trained": row.trained,
        "residence_commune_code": code(refs, row.residence_area_id),
        "destination": row.destination,
        "destination_country": row.destination_country,
        "work_commune_code": code(refs, row.work_area_id),
        "occupation_code": row.occupation_code,
        "industry_code": row.industry_code,
        "industry_version": row.industry_version,
        "channel": row.channel,
        "status": "voided" if row.voided_at else "active",
        "void_reason": row.void_reason,
    }


def visible_to(row: Placement, principal: Principal) -> bool:
    return principal.is_staff or (
        row.employer_id is not None and row.employer_id == principal.employer_id
    )
