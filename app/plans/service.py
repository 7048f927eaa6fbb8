"""Plan revisions and indicator values: checking them against the indicator definitions and
the units of the year, keeping every revision, auditing each change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth.principal import Principal
from app.db import db_now
from app.errors import FieldError, InvalidInputError, NotFoundError
from app.models import IndicatorValue, PlanRevision, PlanTarget
from app.plans import repository
from app.plans.schemas import (
    IndicatorValuePut,
    IndicatorValueRead,
    PlanPut,
    PlanRead,
    PlanRevisionSummary,
    PlanTargetRead,
)
from app.stats import periods, units
from app.stats.definitions import INDICATORS, Indicator
from app.stats.placements import AreaInfo
from app.stats.schemas import AreaRead


def indicator_or_404(code: str) -> Indicator:
    indicator = INDICATORS.get(code)
    if indicator is None:
        known = ", ".join(INDICATORS)
        raise NotFoundError(f"No indicator {code!r}. Known: {known}.")
    return indicator


def _area(info: AreaInfo | None) -> AreaRead | None:
    if info is None:
        return None
    return AreaRead(
        code=info.code, name=info.name, valid_from=info.valid_from, valid_to=info.valid_to
    )


def _value_problem(indicator: Indicator, value: Decimal) -> str | None:
    if indicator.unit == "people" and value != value.to_integral_value():
        return "a number of people is a whole number"
    if indicator.unit == "percent" and value > 100:
        return "a percentage is at most 100"
    return None


async def _read(session: AsyncSession, history: list[PlanRevision], index: int) -> PlanRead:
    chosen = history[index]
    areas = await units.by_ids(session, (target.area_id for target in chosen.targets))
    targets = [
        PlanTargetRead(
            indicator=target.indicator,
            target=target.target,
            area=_area(areas.get(target.area_id) if target.area_id else None),
        )
        for target in chosen.targets
    ]
    return PlanRead(
        year=chosen.year,
        revision=chosen.revision,
        created_at=chosen.created_at,
        note=chosen.note,
        targets=targets,
        revisions=[
            PlanRevisionSummary(revision=r.revision, created_at=r.created_at, note=r.note)
            for r in history
        ],
    )


async def read_plan(session: AsyncSession, year: int, revision: int | None) -> PlanRead:
    history = await repository.revisions(session, year)
    if not history:
        raise NotFoundError(f"No plan for {year}.")
    if revision is None:
        return await _read(session, history, len(history) - 1)
    for index, candidate in enumerate(history):
        if candidate.revision == revision:
            return await _read(session, history, index)
    raise NotFoundError(f"The plan for {year} has no revision {revision}.")


def _targets_of(revision: PlanRevision) -> set[tuple[str, int | None, Decimal]]:
    return {(t.indicator, t.area_id, t.target.normalize()) for t in revision.targets}


def _snapshot(targets: set[tuple[str, int | None, Decimal]]) -> list[dict[str, Any]]:
    return [
        {"indicator": i, "area_id": a, "target": str(t)}
        for i, a, t in sorted(targets, key=lambda x: (x[0], x[1] or 0))
    ]


async def put_plan(
    session: AsyncSession, principal: Principal, year: int, payload: PlanPut
) -> tuple[PlanRead, bool]:
    """A new revision when the targets differ from the plan in force; (plan, created)."""
    errors: list[FieldError] = []
    resolved: list[tuple[str, int | None, Decimal]] = []
    for index, item in enumerate(payload.targets):
        where = f"body.targets.{index}"
        indicator = INDICATORS.get(item.indicator)
        if indicator is None:
            errors.append(
                FieldError(
                    field=f"{where}.indicator",
                    message=f"unknown indicator; known: {', '.join(INDICATORS)}",
                    type="unknown_code",
                )
            )
            continue
        problem = _value_problem(indicator, item.target)
        if problem:
            errors.append(FieldError(field=f"{where}.target", message=problem, type="value_error"))
        area_id = None
        if item.area_code is not None:
            unit = await units.unit_in_year(session, item.area_code, year)
            if unit is None:
                errors.append(
                    FieldError(
                        field=f"{where}.area_code",
                        message=f"{item.area_code} is not a district or commune during {year}",
                        type="unknown_code",
                    )
                )
                continue
            area_id = unit.id
        key = (item.indicator, area_id, item.target.normalize())
        if any(existing[:2] == key[:2] for existing in resolved):
            errors.append(
                FieldError(
                    field=f"{where}",
                    message="a second target for the same indicator and area",
                    type="duplicate",
                )
            )
            continue
        resolved.append(key)
    if errors:
        raise InvalidInputError("The plan is not valid.", errors=errors)

    await repository.lock_year(session, year)
    history = await repository.revisions(session, year)
    new_targets = set(resolved)
    if history and _targets_of(history[-1]) == new_targets and history[-1].note == payload.note:
        return await _read(session, history, len(history) - 1), False
    revision = PlanRevision(
        year=year,
        revision=(history[-1].revision + 1) if history else 1,
        note=payload.note,
        created_by_key_id=principal.key_id,
        targets=[PlanTarget(indicator=i, area_id=a, target=t) for i, a, t in resolved],
    )
    session.add(revision)
    await session.flush()
    await audit.record(
        session,
        principal,
        action="put",
        entity_type="plan",
        entity_id=str(year),
        before=(
            {"revision": history[-1].revision, "targets": _snapshot(_targets_of(history[-1]))}
            if history
            else None
        ),
        after={"revision": revision.revision, "targets": _snapshot(new_targets)},
        reason=payload.note,
    )
    session.expire_all()
    history = await repository.revisions(session, year)
    return await _read(session, history, len(history) - 1), True


def value_read(row: IndicatorValue, area: AreaInfo | None) -> IndicatorValueRead:
    return IndicatorValueRead(
        indicator=row.indicator,
        period=row.period,
        period_start=row.period_start,
        period_end=row.period_end,
        area=_area(area),
        value=row.value,
        note=row.note,
        updated_at=row.updated_at,
    )


async def values(
    session: AsyncSession, indicator: str, year: int | None
) -> list[IndicatorValueRead]:
    """Every value entered for the indicator (of `year`, when given), by period."""
    indicator_or_404(indicator)
    rows = await repository.values(session, indicator, year)
    areas = await units.by_ids(session, (row.area_id for row in rows))
    return [value_read(row, areas.get(row.area_id) if row.area_id else None) for row in rows]


async def put_value(
    session: AsyncSession,
    principal: Principal,
    code: str,
    period: str,
    area_code: str | None,
    payload: IndicatorValuePut,
) -> tuple[IndicatorValueRead, bool]:
    indicator = indicator_or_404(code)
    if indicator.source != "manual":
        raise InvalidInputError(
            f"{code} is counted from placements; only manual indicators take values.",
            errors=[FieldError(field="path.indicator", message="not manual", type="computed")],
        )
    try:
        start, end = periods.parse(period)
    except ValueError as exc:
        raise InvalidInputError(
            "Invalid period.",
            errors=[FieldError(field="path.period", message=str(exc), type="period")],
        ) from exc
    problem = _value_problem(indicator, payload.value)
    if problem:
        raise InvalidInputError(
            "Invalid value.",
            errors=[FieldError(field="body.value", message=problem, type="value_error")],
        )
    area = None
    if area_code is not None:
        area = await units.unit_on(session, area_code, end) or await units.unit_on(
            session, area_code, start
        )
        if area is None:
            raise InvalidInputError(
                "Unknown area.",
                errors=[
                    FieldError(
                        field="query.area",
                        message=f"{area_code} is not a district or commune during {period}",
                        type="unknown_code",
                    )
                ],
            )
    row = await repository.value(session, code, period, area.id if area else None)
    before = None
    created = row is None
    if row is None:
        row = IndicatorValue(
            indicator=code,
            period=period,
            period_start=start,
            period_end=end,
            area_id=area.id if area else None,
            value=payload.value,
        )
        session.add(row)
    else:
        before = {"value": str(row.value), "note": row.note}
    row.value = payload.value
    row.note = payload.note
    row.updated_by_key_id = principal.key_id
    row.updated_at = await db_now(session)
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        principal,
        action="put",
        entity_type="indicator_value",
        entity_id=f"{code}/{period}" + (f"/{area.code}" if area else ""),
        before=before,
        after={"value": str(row.value), "note": row.note},
    )
    return value_read(row, area), created
