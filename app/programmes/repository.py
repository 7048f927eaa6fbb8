"""SQL for programmes: the rows, their units' communes over time, and people counted."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, and_, cast, delete, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from app.models import (
    Area,
    AreaLevel,
    AreaSuccession,
    Destination,
    Placement,
    Programme,
    ProgrammeArea,
    ProgrammeTarget,
)

_LEVELS = (AreaLevel.commune.value, AreaLevel.district.value)


async def lock(session: AsyncSession, code: str) -> None:
    """Serialise writes to one programme (two first PUTs of a code must not both insert)."""
    # The two-key form: its key space does not overlap the plans' one-key locks.
    await session.execute(select(func.pg_advisory_xact_lock(21, func.hashtext(code))))


async def by_code(session: AsyncSession, code: str) -> Programme | None:
    query = (
        select(Programme)
        .where(Programme.code == code)
        .options(selectinload(Programme.areas), selectinload(Programme.targets))
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one_or_none()


async def listed(session: AsyncSession, *, after: str | None, limit: int) -> list[Programme]:
    """Programmes in code order, after the code `after`."""
    query = select(Programme).options(
        selectinload(Programme.areas), selectinload(Programme.targets)
    )
    if after is not None:
        query = query.where(Programme.code > after)
    return list((await session.scalars(query.order_by(Programme.code).limit(limit))).all())


async def unit_for(session: AsyncSession, code: str, start: date, end: date) -> Area | None:
    """The district or commune `code` valid on `start`, else the first version valid during
    [start, end] (a commune of 2025 in a period from 2024)."""
    period = func.daterange(start, end, "[]")
    query = (
        select(Area)
        .where(Area.code == code, Area.level.in_(_LEVELS), Area.validity.op("&&")(period))
        .order_by(Area.validity.op("@>")(start).desc(), Area.valid_from.nulls_first())
        .limit(1)
    )
    return (await session.scalars(query)).one_or_none()


async def areas(session: AsyncSession, area_ids: Collection[int]) -> list[Area]:
    query = select(Area).where(Area.id.in_(sorted(area_ids))).order_by(Area.level, Area.code)
    return list((await session.scalars(query)).all())


async def replace(
    session: AsyncSession,
    programme: Programme,
    area_ids: Collection[int],
    targets: Collection[tuple[str, int | None, Decimal]],
) -> None:
    """The programme's units and targets become these (deleted first: the same target again
    would meet its old row in the unique key)."""
    await session.execute(delete(ProgrammeArea).where(ProgrammeArea.programme_id == programme.id))
    await session.execute(
        delete(ProgrammeTarget).where(ProgrammeTarget.programme_id == programme.id)
    )
    if area_ids:
        await session.execute(
            insert(ProgrammeArea),
            [{"programme_id": programme.id, "area_id": area_id} for area_id in sorted(area_ids)],
        )
    await session.execute(
        insert(ProgrammeTarget),
        [
            {"programme_id": programme.id, "indicator": i, "year": y, "target": t}
            for i, y, t in targets
        ],
    )


async def member_communes(session: AsyncSession, unit_ids: Collection[int]) -> set[int]:
    """Every commune whose residents count for the units: each commune itself, a district's
    communes during its time, and the communes that followed any of them (area_succession)."""
    unit = aliased(Area, name="unit")
    own = (
        select(Area.id)
        .join(unit, Area.level == AreaLevel.commune.value)
        .where(
            unit.id.in_(sorted(unit_ids)),
            or_(
                Area.id == unit.id,
                and_(
                    unit.level == AreaLevel.district.value,
                    Area.parent_code == unit.code,
                    Area.validity.op("&&")(unit.validity),
                ),
            ),
        )
    )
    members = set((await session.scalars(own)).all())
    followed = select(AreaSuccession.successor_id).where(
        AreaSuccession.predecessor_id.in_(sorted(members | set(unit_ids)))
    )
    members.update((await session.scalars(followed)).all())
    return members


@dataclass(frozen=True)
class YearCount:
    new_jobs: int
    sent_abroad: int

    def of(self, indicator: str) -> int:
        return self.new_jobs if indicator == "new_jobs" else self.sent_abroad


async def people_by_year(
    session: AsyncSession, start: date, through: date, communes: Collection[int] | None
) -> dict[int, YearCount]:
    """Distinct people placed in each calendar year of [start, through] (both included),
    living in one of `communes` (None: anywhere), and the same abroad."""
    year = cast(func.date_part("year", Placement.placed_on), Integer)
    people = Placement.person_hash.distinct()
    abroad = Placement.destination == Destination.abroad.value
    query = select(year, func.count(people), func.count(people).filter(abroad)).where(
        Placement.voided_at.is_(None), Placement.placed_on.between(start, through)
    )
    if communes is not None:
        query = query.where(Placement.residence_area_id.in_(sorted(communes)))
        # Planned for these dates each time: the plan PostgreSQL caches for any dates (after
        # five runs of the prepared statement) guesses a range of 0.5% of the rows and reads
        # the date index over the whole period instead of the communes' own entries
        # (tests/plans/test_programme_plans.py).
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    rows = await session.execute(query.group_by(year))
    return {int(y): YearCount(int(jobs), int(sent)) for y, jobs, sent in rows}
