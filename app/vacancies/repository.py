"""SQL for vacancies: loading, site placement, duplicate search, events, expiry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    Select,
    Text,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app import geo
from app.areas.queries import valid_at
from app.models import (
    Area,
    Employer,
    EventKind,
    Industry,
    Occupation,
    Vacancy,
    VacancyDue,
    VacancyEvent,
    VacancySite,
    VacancyStatus,
)

DUPLICATE_DISTANCE_M = 100


@dataclass
class VacancyBundle:
    """A vacancy with what its representation needs."""

    vacancy: Vacancy
    employer: Employer
    occupation_names: tuple[str | None, str | None]  # Vietnamese, English
    industry_names: tuple[str | None, str | None]
    commune_names: dict[int, tuple[str, str]] = field(default_factory=dict)  # area id → code, name
    site_points: dict[int, tuple[float, float]] = field(default_factory=dict)  # site id → lon, lat


async def load(
    session: AsyncSession, vacancy_id: uuid.UUID, *, for_update: bool = False
) -> VacancyBundle | None:
    """The vacancy and what its representation needs. `for_update` locks the row until commit,
    so concurrent writers see each other's result (and If-Match compares the latest version)."""
    query = (
        select(Vacancy)
        .where(Vacancy.id == vacancy_id)
        .options(selectinload(Vacancy.sites))
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update(of=Vacancy)
    vacancy = (await session.scalars(query)).one_or_none()
    if vacancy is None:
        return None
    employer = await session.get_one(Employer, vacancy.employer_id)
    occupation = (
        await session.execute(
            select(Occupation.name_vi, Occupation.name_en).where(
                Occupation.code == vacancy.occupation_code
            )
        )
    ).one_or_none()
    industry = None
    if vacancy.industry_code:
        # The version the code was given in: a code can name another activity in another one.
        industry = (
            await session.execute(
                select(Industry.name_vi, Industry.name_en).where(
                    Industry.version == vacancy.industry_version,
                    Industry.code == vacancy.industry_code,
                )
            )
        ).one_or_none()
    bundle = VacancyBundle(
        vacancy,
        employer,
        (occupation[0], occupation[1]) if occupation else (None, None),
        (industry[0], industry[1]) if industry else (None, None),
    )
    site_rows = await session.execute(
        select(
            VacancySite.id,
            func.ST_X(VacancySite.geom),
            func.ST_Y(VacancySite.geom),
            Area.id,
            Area.code,
            Area.full_name,
        )
        .join(Area, Area.id == VacancySite.area_id)
        .where(VacancySite.vacancy_id == vacancy_id)
    )
    for site_id, lon, lat, area_id, code, name in site_rows:
        bundle.site_points[site_id] = (lon, lat)
        bundle.commune_names[area_id] = (code, name)
    return bundle


async def occupation_exists(session: AsyncSession, code: str) -> bool:
    return await session.scalar(select(Occupation.code).where(Occupation.code == code)) is not None


async def industry_exists(session: AsyncSession, version: str, code: str) -> bool:
    found = select(Industry.code).where(Industry.version == version, Industry.code == code)
    return await session.scalar(found) is not None


async def commune_at_point(
    session: AsyncSession, lon: float, lat: float, at: date
) -> tuple[int, str] | None:
    """Id and code of the commune valid on `at` that covers the point (the lowest code on a
    shared border)."""
    query = (
        select(Area.id, Area.code)
        .where(
            Area.level == "commune",
            valid_at(at),
            func.ST_Covers(Area.geom, geo.point(lon, lat)),
        )
        .order_by(Area.code)
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def commune_by_code(
    session: AsyncSession, code: str, at: date
) -> tuple[int, float, float] | None:
    """Id of the commune valid on `at` and its representative point (always inside it)."""
    query = select(Area.id, func.ST_X(Area.label_point), func.ST_Y(Area.label_point)).where(
        Area.level == "commune", Area.code == code, valid_at(at), Area.label_point.is_not(None)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], float(row[1]), float(row[2]))


async def lock_employer_postings(session: AsyncSession, employer_id: uuid.UUID) -> None:
    """Serialise one employer's postings (until commit) so the duplicate rule holds under
    concurrent requests; other employers are not blocked."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"vacancy:{employer_id}", 0)))
    )


async def open_duplicate(
    session: AsyncSession,
    *,
    employer_id: uuid.UUID,
    title: str,
    occupation_code: str,
    points: list[tuple[float, float]],
    exclude: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """An open vacancy of the employer with the same folded title and occupation and a site
    within 100 m of one of `points`."""
    new_sites = func.ST_Collect(array([geo.point(lon, lat) for lon, lat in points]))
    query = (
        select(Vacancy.id)
        .join(VacancySite, VacancySite.vacancy_id == Vacancy.id)
        .where(
            Vacancy.employer_id == employer_id,
            Vacancy.status == VacancyStatus.open.value,
            Vacancy.valid_through > func.now(),
            Vacancy.occupation_code == occupation_code,
            func.jobmap_fold(Vacancy.title) == func.jobmap_fold(literal(title)),
            func.ST_DWithin(
                geo.geography(VacancySite.geom), geo.geography(new_sites), DUPLICATE_DISTANCE_M
            ),
        )
        .limit(1)
    )
    if exclude is not None:
        query = query.where(Vacancy.id != exclude)
    return await session.scalar(query)


async def by_external_ref(
    session: AsyncSession, employer_id: uuid.UUID, external_ref: str
) -> uuid.UUID | None:
    return await session.scalar(
        select(Vacancy.id).where(
            Vacancy.employer_id == employer_id, Vacancy.external_ref == external_ref
        )
    )


def _chosen_once(batch: Select[Any]) -> CTE:
    """A batch's rows (LIMIT ... FOR UPDATE SKIP LOCKED) picked once, before the UPDATE or
    DELETE: as its subquery it may be run again for each row, and then skip the rows this very
    statement has just changed and pick further ones, so a batch outgrew its limit."""
    return batch.cte("batch").prefix_with("MATERIALIZED")


async def expire_due(session: AsyncSession, *, limit: int) -> int:
    """Record the expiry of up to `limit` open vacancies whose valid_through has passed: take
    them from the queue (vacancy_due), with an `expired` event for each the public could see;
    how many were recorded. The vacancy rows are not written: readers derive expiry from
    valid_through (reads.lifecycle). Safe to run from several workers at once: queue rows
    another worker is recording are skipped."""
    return int(await session.scalar(expire_due_statement(limit)) or 0)


def expire_due_statement(limit: int) -> Select[int]:
    """expire_due's one statement (tests/plans checks its plan)."""
    batch = _chosen_once(
        select(VacancyDue.vacancy_id)
        .where(VacancyDue.valid_through <= func.now())
        # Oldest first, along ix_vacancy_due_valid_through.
        .order_by(VacancyDue.valid_through)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    due = (
        delete(VacancyDue)
        .where(VacancyDue.vacancy_id.in_(select(batch.c.vacancy_id)))
        .returning(VacancyDue.vacancy_id, VacancyDue.employer_id)
        .cte("due")
    )
    # Events only for vacancies the public could see (see events.add_event).
    announced = (
        select(due.c.vacancy_id, literal(EventKind.expired.value))
        .join(Employer, Employer.id == due.c.employer_id)
        .where(Employer.verified_at.is_not(None))
    )
    events = insert(VacancyEvent).from_select(["vacancy_id", "kind"], announced).cte("events")
    return select(func.count()).select_from(due).add_cte(events)


async def unlist_expired_sites(session: AsyncSession, *, limit: int) -> int:
    """Take up to `limit` sites past their valid_through off the map (`public` false, which
    the partial site indexes and the kept cells follow); how many. Readers hide such sites at
    the instant anyway: this keeps them out of the indexes every read walks. Several workers
    at once take disjoint rows (SKIP LOCKED)."""
    due = _chosen_once(
        select(VacancySite.id)
        .where(VacancySite.public, VacancySite.valid_through <= func.now())
        .order_by(VacancySite.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = (
        update(VacancySite)
        .where(VacancySite.id.in_(select(due.c.id)))
        .values(public=False)
        .returning(VacancySite.id)
        .cte("taken")
    )
    return int(await session.scalar(select(func.count()).select_from(taken)) or 0)


async def next_listed_expiry_in(session: AsyncSession) -> float | None:
    """Seconds until the next site on the map passes its valid_through (the expiry index);
    None when no listed site will."""
    soonest = select(func.extract("epoch", func.min(VacancySite.valid_through) - func.now())).where(
        VacancySite.public, VacancySite.valid_through > func.now()
    )
    seconds = await session.scalar(soonest)
    return None if seconds is None else float(seconds)


@dataclass(frozen=True)
class EventRow:
    id: int
    txid: int
    kind: str
    vacancy_id: uuid.UUID
    occurred_at: datetime


async def changes(session: AsyncSession, *, after: tuple[int, int], limit: int) -> list[EventRow]:
    """Events after the cursor in (transaction, id) order, only from transactions older than
    every transaction still running: a later page can never gain an event before the cursor."""
    horizon = func.pg_snapshot_xmin(func.pg_current_snapshot()).cast(Text).cast(BigInteger)
    query = (
        select(
            VacancyEvent.id,
            VacancyEvent.txid,
            VacancyEvent.kind,
            VacancyEvent.vacancy_id,
            VacancyEvent.occurred_at,
        )
        .where(
            VacancyEvent.txid < horizon,
            tuple_(VacancyEvent.txid, VacancyEvent.id)
            > tuple_(literal(after[0]), literal(after[1])),
        )
        .order_by(VacancyEvent.txid, VacancyEvent.id)
        .limit(limit)
    )
    return [EventRow(*row) for row in await session.execute(query)]


async def changes_delay_s(session: AsyncSession) -> float:
    """Age of the first committed event the feed holds back behind a transaction still
    running (the one with the lowest transaction id, from the index): 0 when none is."""
    horizon = func.pg_snapshot_xmin(func.pg_current_snapshot()).cast(Text).cast(BigInteger)
    first_held = (
        select(VacancyEvent.occurred_at)
        .where(VacancyEvent.txid >= horizon)
        .order_by(VacancyEvent.txid, VacancyEvent.id)
        .limit(1)
        .scalar_subquery()
    )
    age = func.extract("epoch", func.now() - first_held)
    return float(await session.scalar(select(func.coalesce(age, 0))) or 0)
