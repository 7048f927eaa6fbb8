"""Programmes: checking a programme whole before writing it, replacing it in one transaction,
auditing each change, and reading it with the units that followed its old ones."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.areas import queries as area_queries
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import db_now
from app.errors import FieldError, InvalidInputError, NotFoundError
from app.models import Area, Programme
from app.programmes import repository
from app.programmes.schemas import (
    MAX_PERIOD_YEARS,
    PROGRAMME_CODE_PATTERN,
    ProgrammeAreaRead,
    ProgrammePage,
    ProgrammePut,
    ProgrammeRead,
    ProgrammeTargetRead,
    SuccessorRead,
)
from app.stats.definitions import INDICATORS

COUNTED = tuple(code for code, i in INDICATORS.items() if i.source == "placements")
_Target = tuple[str, int | None, Decimal]


def _error(field: str, message: str, kind: str) -> FieldError:
    return FieldError(field=field, message=message, type=kind)


def _period_errors(payload: ProgrammePut) -> list[FieldError]:
    start, end = payload.period_from, payload.period_to
    if start > end:
        return [_error("body.period_to", "must be on or after period_from", "period")]
    if start < date(2000, 1, 1) or end > date(2100, 12, 31):
        return [_error("body.period_from", "the period lies within 2000-2100", "period")]
    if end.year - start.year >= MAX_PERIOD_YEARS:
        return [
            _error("body.period_to", f"a period spans at most {MAX_PERIOD_YEARS} years", "period")
        ]
    return []


def _targets(payload: ProgrammePut, *, period_ok: bool) -> tuple[list[_Target], list[FieldError]]:
    errors: list[FieldError] = []
    resolved: list[_Target] = []
    for index, item in enumerate(payload.targets):
        where = f"body.targets.{index}"
        if item.indicator not in INDICATORS:
            known = ", ".join(COUNTED)
            errors.append(
                _error(f"{where}.indicator", f"unknown indicator; known: {known}", "unknown_code")
            )
            continue
        if item.indicator not in COUNTED:
            errors.append(
                _error(
                    f"{where}.indicator",
                    f"{item.indicator} is entered from surveys, not counted; programmes take "
                    f"{', '.join(COUNTED)}",
                    "not_counted",
                )
            )
            continue
        if item.target != item.target.to_integral_value():
            errors.append(
                _error(f"{where}.target", "a number of people is a whole number", "value_error")
            )
        years = range(payload.period_from.year, payload.period_to.year + 1)
        if item.year is not None and period_ok and item.year not in years:
            errors.append(
                _error(
                    f"{where}.year",
                    f"{item.year} is not a year of the period "
                    f"{payload.period_from}..{payload.period_to}",
                    "outside_period",
                )
            )
            continue
        if any((i, y) == (item.indicator, item.year) for i, y, _ in resolved):
            errors.append(
                _error(where, "a second target for the same indicator and year", "duplicate")
            )
            continue
        resolved.append((item.indicator, item.year, item.target.normalize()))
    return resolved, errors


async def _areas(
    session: AsyncSession, payload: ProgrammePut
) -> tuple[list[int], list[FieldError]]:
    errors: list[FieldError] = []
    found: list[int] = []
    for index, code in enumerate(payload.areas):
        unit = await repository.unit_for(session, code, payload.period_from, payload.period_to)
        if unit is None:
            errors.append(
                _error(
                    f"body.areas.{index}",
                    f"{code} is not a district or commune during "
                    f"{payload.period_from}..{payload.period_to}",
                    "unknown_code",
                )
            )
        elif unit.id in found:
            errors.append(_error(f"body.areas.{index}", f"{code} is listed twice", "duplicate"))
        else:
            found.append(unit.id)
    return found, errors


def _snapshot(
    programme: Programme | None,
    area_ids: list[int] | None = None,
    targets: list[_Target] | None = None,
) -> dict[str, Any] | None:
    if programme is None:
        return None
    if area_ids is None:
        area_ids = [a.area_id for a in programme.areas]
    if targets is None:
        targets = [(t.indicator, t.year, t.target.normalize()) for t in programme.targets]
    return {
        "name": programme.name,
        "period_from": programme.period_from.isoformat(),
        "period_to": programme.period_to.isoformat(),
        "note": programme.note,
        "area_ids": sorted(area_ids),
        "targets": [
            {"indicator": i, "year": y, "target": format(t, "f")}
            for i, y, t in sorted(targets, key=lambda x: (x[0], x[1] or 0))
        ],
    }


async def put(
    session: AsyncSession, principal: Principal, code: str, payload: ProgrammePut
) -> tuple[ProgrammeRead, bool]:
    """Create or replace the programme `code`, checked whole first; (programme, created)."""
    errors = _period_errors(payload)
    targets, target_errors = _targets(payload, period_ok=not errors)
    errors += target_errors
    area_ids: list[int] = []
    if not any(e.field.startswith("body.period") for e in errors):
        area_ids, area_errors = await _areas(session, payload)
        errors += area_errors
    if errors:
        raise InvalidInputError("The programme is not valid.", errors=errors)

    await repository.lock(session, code)
    programme = await repository.by_code(session, code)
    before = _snapshot(programme)
    created = programme is None
    if programme is None:
        programme = Programme(code=code)
        session.add(programme)
    programme.name = payload.name
    programme.period_from = payload.period_from
    programme.period_to = payload.period_to
    programme.note = payload.note
    after = _snapshot(programme, area_ids, targets)
    if before is not None and before == after:
        return await read(session, code), False
    programme.updated_by_key_id = principal.key_id
    programme.updated_at = await db_now(session)
    await session.flush()
    await repository.replace(session, programme, area_ids, targets)
    await audit.record(
        session,
        principal,
        action="put",
        entity_type="programme",
        entity_id=code,
        before=before,
        after=after,
        reason=payload.note,
    )
    return await read(session, code), created


async def programme_or_404(session: AsyncSession, code: str) -> Programme:
    programme = await repository.by_code(session, code)
    if programme is None:
        raise NotFoundError(f"No programme {code!r}.")
    return programme


async def areas_read(session: AsyncSession, area_ids: list[int]) -> list[ProgrammeAreaRead]:
    """The programme's units, each with the communes that followed it."""
    units = await repository.areas(session, area_ids)
    followers = await area_queries.successors(session, [unit.id for unit in units])
    return [
        ProgrammeAreaRead(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            valid_from=unit.valid_from,
            valid_to=unit.valid_to,
            followed_by=[_successor(area, share) for area, share in followers.get(unit.id, [])],
        )
        for unit in units
    ]


def _successor(area: Area, share: float) -> SuccessorRead:
    return SuccessorRead(
        code=area.code,
        name=area.name,
        valid_from=area.valid_from,
        valid_to=area.valid_to,
        share=Decimal(str(round(share, 4))),
    )


async def _read(session: AsyncSession, programme: Programme) -> ProgrammeRead:
    return ProgrammeRead(
        code=programme.code,
        name=programme.name,
        period_from=programme.period_from,
        period_to=programme.period_to,
        note=programme.note,
        updated_at=programme.updated_at,
        areas=await areas_read(session, [a.area_id for a in programme.areas]),
        targets=[
            ProgrammeTargetRead(indicator=t.indicator, year=t.year, target=t.target)
            for t in sorted(programme.targets, key=lambda t: (t.indicator, t.year or 0))
        ],
    )


async def read(session: AsyncSession, code: str) -> ProgrammeRead:
    return await _read(session, await programme_or_404(session, code))


async def page(session: AsyncSession, *, limit: int, cursor: str | None) -> ProgrammePage:
    """Programmes in code order, a page at a time."""
    after = None
    if cursor is not None:
        after = cursors.decode(cursor, "query.cursor", {"c": str})["c"]
        if not re.fullmatch(PROGRAMME_CODE_PATTERN, after):  # no page ends there: forged
            raise cursors.invalid("query.cursor")

    async def fetch(count: int) -> list[Programme]:
        return await repository.listed(session, after=after, limit=count)

    rows, next_cursor = await cursors.page(fetch, limit, lambda row: {"c": row.code})
    return ProgrammePage(items=[await _read(session, row) for row in rows], next_cursor=next_cursor)
