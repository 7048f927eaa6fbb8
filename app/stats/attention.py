"""Places that need attention: the units of the province ranked by how far their placements
lag, with the reason each is flagged.

The units are the districts valid on `through` where there are any (periods before the 2025
reorganisation), otherwise the communes valid then: data, not dates written here. Each unit is
measured, in this order:

1. against its own plan for the year (new jobs), where one is set: the share of the plan
   reached, against the share of the year gone by `through` (`pace` = the first over the
   second). Flagged `behind_plan` when the pace is under PACE_FLOOR;
2. otherwise against the same period a year earlier (the unit with the same code then):
   flagged `fewer_than_last_year` when the change is CHANGE_FLOOR or worse;
3. and by the people placed through the job map against other channels: flagged
   `few_via_job_map` when the unit's job-map share is under half the province's, with at least
   MIN_PEOPLE_FOR_SHARE people placed (fewer say nothing about a share).

People are counted as the indicators count them: distinct people placed (not voided) whose
residence lies in the unit, from 1 January to `through`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AreaLevel, Channel
from app.stats.numbers import percent
from app.stats.periods import same_day_last_year

PACE_FLOOR = Decimal("0.9")  # under 90% of the year's share gone by
CHANGE_FLOOR = Decimal("-10")  # a fall of 10% or more against the same period last year
MIN_PEOPLE_FOR_SHARE = 10
INDICATOR = "new_jobs"

# Order of the reasons in the ranking: a plan missed first, then a fall, then the channel.
REASONS = ("behind_plan", "fewer_than_last_year", "few_via_job_map")

_COUNTS = text(
    """
    WITH unit AS (
        SELECT a.id, a.code, a.name, a.level, a.validity,
               (SELECT b.id FROM area AS b
                 WHERE b.code = a.code AND b.level = a.level
                   AND b.validity @> CAST(:last_through AS date)) AS last_id
          FROM area AS a
         WHERE a.level = :level AND a.validity @> CAST(:through AS date)
    ), member AS (
        SELECT u.id AS unit_id, c.id AS commune_id
          FROM unit AS u
          JOIN area AS c ON c.level = 'commune'
           AND (c.id = u.id OR (u.level = 'district' AND c.parent_code = u.code
                                AND c.validity && u.validity))
    ), last_member AS (
        SELECT u.id AS unit_id, c.id AS commune_id
          FROM unit AS u
          JOIN area AS l ON l.id = u.last_id
          JOIN area AS c ON c.level = 'commune'
           AND (c.id = l.id OR (l.level = 'district' AND c.parent_code = l.code
                                AND c.validity && l.validity))
    ), this_year AS (
        SELECT m.unit_id, count(DISTINCT p.person_hash) AS people,
               count(DISTINCT p.person_hash) FILTER (WHERE p.channel = :job_map) AS via_map
          FROM placement AS p JOIN member AS m ON m.commune_id = p.residence_area_id
         WHERE p.voided_at IS NULL AND p.placed_on BETWEEN :start AND :through
         GROUP BY m.unit_id
    ), last_year AS (
        SELECT m.unit_id, count(DISTINCT p.person_hash) AS people
          FROM placement AS p JOIN last_member AS m ON m.commune_id = p.residence_area_id
         WHERE p.voided_at IS NULL AND p.placed_on BETWEEN :last_start AND :last_through
         GROUP BY m.unit_id
    ), plan AS (
        SELECT t.area_id, t.target
          FROM plan_target AS t
         WHERE t.indicator = :indicator
           AND t.revision_id = (SELECT max(r.id) FROM plan_revision AS r WHERE r.year = :year)
    )
    SELECT u.code, u.name, u.level,
           coalesce(t.people, 0) AS people, coalesce(t.via_map, 0) AS via_map,
           CASE WHEN u.last_id IS NOT NULL THEN coalesce(l.people, 0) END AS last_people,
           plan.target AS plan
      FROM unit AS u
      LEFT JOIN this_year AS t ON t.unit_id = u.id
      LEFT JOIN last_year AS l ON l.unit_id = u.id
      LEFT JOIN plan ON plan.area_id = u.id
     ORDER BY u.code
    """
)

_PROVINCE = text(
    """
    SELECT count(DISTINCT person_hash) AS people,
           count(DISTINCT person_hash) FILTER (WHERE channel = :job_map) AS via_map
      FROM placement
     WHERE voided_at IS NULL AND placed_on BETWEEN :start AND :through
    """
)

_HAS_DISTRICTS = text(
    "SELECT EXISTS (SELECT FROM area WHERE level = 'district' "
    "AND validity @> CAST(:through AS date))"
)


@dataclass
class Flag:
    reason: str
    detail: str  # Vietnamese, as the department reads it


@dataclass
class UnitStanding:
    code: str
    name: str
    level: str
    people: int
    plan: Decimal | None
    pct_of_plan: Decimal | None
    pace: Decimal | None
    same_period_last_year: int | None
    change_pct: Decimal | None
    via_job_map: int
    job_map_share_pct: Decimal | None
    flags: list[Flag] = field(default_factory=list)


@dataclass
class Attention:
    year: int
    through: date
    level: str
    year_elapsed_pct: Decimal
    province_people: int
    province_job_map_share_pct: Decimal | None
    units: list[UnitStanding]


def year_elapsed(through: date) -> Decimal:
    """The share of the year gone by the end of `through` (0 to 1)."""
    start, end = date(through.year, 1, 1), date(through.year, 12, 31)
    return Decimal((through - start).days + 1) / Decimal((end - start).days + 1)


async def attention(session: AsyncSession, year: int, through: date) -> Attention:
    """Every unit valid on `through`, flagged ones first, the worst first (see the module)."""
    last_through = same_day_last_year(through)
    values: dict[str, Any] = {
        "year": year,
        "start": date(year, 1, 1),
        "through": through,
        "last_start": date(year - 1, 1, 1),
        "last_through": last_through,
        "job_map": Channel.job_map.value,
        "indicator": INDICATOR,
    }
    districts = await session.scalar(_HAS_DISTRICTS, {"through": through})
    level = AreaLevel.district if districts else AreaLevel.commune
    rows = (await session.execute(_COUNTS, values | {"level": level.value})).all()
    province = (await session.execute(_PROVINCE, values)).one()
    province_share = percent(province.via_map, province.people)
    elapsed = year_elapsed(through)
    elapsed_pct = (elapsed * 100).quantize(Decimal("0.01"))
    units = [_standing(row, elapsed, elapsed_pct, province_share) for row in rows]
    units.sort(key=_rank)
    return Attention(
        year=year,
        through=through,
        level=level.value,
        year_elapsed_pct=elapsed_pct,
        province_people=province.people,
        province_job_map_share_pct=province_share,
        units=units,
    )


def _standing(
    row: Any, elapsed: Decimal, elapsed_pct: Decimal, province_share: Decimal | None
) -> UnitStanding:
    plan = Decimal(row.plan) if row.plan is not None else None
    pct_of_plan = percent(row.people, plan) if plan else None
    pace = None
    if pct_of_plan is not None:
        pace = (pct_of_plan / (elapsed * 100)).quantize(Decimal("0.001"))
    last = row.last_people
    change = percent(row.people - last, last) if last else None
    share = percent(row.via_map, row.people)
    unit = UnitStanding(
        code=row.code,
        name=row.name,
        level=row.level,
        people=row.people,
        plan=plan,
        pct_of_plan=pct_of_plan,
        pace=pace,
        same_period_last_year=last,
        change_pct=change,
        via_job_map=row.via_map,
        job_map_share_pct=share,
    )
    if pace is not None and pace < PACE_FLOOR:
        detail = f"Đạt {pct_of_plan}% kế hoạch năm khi đã qua {elapsed_pct}% thời gian của năm"
        unit.flags.append(Flag("behind_plan", detail))
    if plan is None and change is not None and change <= CHANGE_FLOOR:
        detail = f"Giảm {-change}% so với cùng kỳ năm trước ({row.people} so với {last} người)"
        unit.flags.append(Flag("fewer_than_last_year", detail))
    enough = row.people >= MIN_PEOPLE_FOR_SHARE
    if enough and province_share and share is not None and share < province_share / 2:
        detail = (
            f"Qua sàn việc làm {share}% số người, dưới một nửa mức của tỉnh ({province_share}%)"
        )
        unit.flags.append(Flag("few_via_job_map", detail))
    return unit


def _rank(unit: UnitStanding) -> tuple[Any, ...]:
    """Flagged before not; by the first reason in REASONS order; then the worst first: the
    lowest pace, the largest fall, the smallest job-map share; then by code."""
    if not unit.flags:
        return (1, 0, Decimal(0), unit.code)
    first = min(REASONS.index(flag.reason) for flag in unit.flags)
    measure = {
        0: unit.pace,
        1: unit.change_pct,
        2: unit.job_map_share_pct,
    }[first]
    return (0, first, measure if measure is not None else Decimal(0), unit.code)
