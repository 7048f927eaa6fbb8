"""Demo placements, plans and survey values, so the statistics have something to show.
One set-based INSERT ... SELECT: deterministic for a seed (every "random" value is a hash of
the row or person number), and fast (20,000 rows in well under a second)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.classifications.versions import VSIC_VERSIONS
from app.models import IndicatorValue, Placement, PlanRevision, PlanTarget

DEMO_EMPLOYER_NAME = "demo placement"
YEARS = 3

# Shape: ~85% of rows are distinct people (the rest a second placement of an earlier one);
# 52% male; born 1960-2008 (15 or older at placement); 65% trained; 7% abroad (JP, TW, KR,
# DE); residence in a commune valid on the date (5% unknown); 1% voided.
_INSERT = text(
    """
    INSERT INTO placement (
        placed_on, employer_name, person_hash, sex, birth_year, trained,
        residence_area_id, work_area_id, destination, destination_country,
        occupation_code, industry_code, industry_version, channel, voided_at, void_reason
    )
    WITH lists AS (
        SELECT
            (SELECT array_agg(id ORDER BY id) FROM area
              WHERE level = 'commune' AND valid_to = DATE '2025-07-01') AS old_c,
            (SELECT array_agg(id ORDER BY id) FROM area
              WHERE level = 'commune' AND valid_from = DATE '2025-07-01') AS new_c,
            (SELECT array_agg(code ORDER BY code) FROM occupation WHERE level = 2) AS occ,
            (SELECT array_agg(code ORDER BY code) FROM industry
              WHERE level = 2 AND version = :vsic_old) AS ind_old,
            (SELECT array_agg(code ORDER BY code) FROM industry
              WHERE level = 2 AND version = :vsic_new) AS ind_new
    ),
    rows AS (
        SELECT i,
            CASE WHEN i <= :people THEN i ELSE 1 + (i::bigint * 7919) % :people END AS person,
            CAST(:first_day AS date)
              + floor(((hashint8extended(i, :seed) & 2147483647) / 2147483648.0) * :days)::int
              AS placed_on,
            (hashint8extended(i, :seed + 5) & 2147483647) / 2147483648.0 AS u_dest,
            (hashint8extended(i, :seed + 6) & 2147483647) / 2147483648.0 AS u_chan,
            (hashint8extended(i, :seed + 7) & 2147483647) / 2147483648.0 AS u_res,
            (hashint8extended(i, :seed + 8) & 2147483647) / 2147483648.0 AS u_void,
            (hashint8extended(i, :seed + 9) & 2147483647) / 2147483648.0 AS u_occ,
            (hashint8extended(i, :seed + 10) & 2147483647) / 2147483648.0 AS u_ind
        FROM generate_series(1, :count) AS i
    ),
    shaped AS (
        SELECT r.*,
            (hashint8extended(person, :seed + 2) & 2147483647) / 2147483648.0 AS u_sex,
            (hashint8extended(person, :seed + 3) & 2147483647) / 2147483648.0 AS u_birth,
            (hashint8extended(person, :seed + 4) & 2147483647) / 2147483648.0 AS u_trained,
            CASE WHEN r.placed_on < DATE '2025-07-01' THEN l.old_c ELSE l.new_c END AS communes,
            l.occ, r.u_dest < 0.07 AS abroad,
            -- Divisions of the VSIC version in force on the day (2025 from its first day).
            CASE WHEN r.placed_on < CAST(:vsic_switch AS date) THEN l.ind_old ELSE l.ind_new END
              AS ind,
            CASE WHEN r.placed_on < CAST(:vsic_switch AS date) THEN :vsic_old ELSE :vsic_new END
              AS ind_version
        FROM rows r CROSS JOIN lists l
    )
    SELECT
        placed_on,
        :employer_name,
        sha256(convert_to('demo-person-' || :seed || '-' || person, 'UTF8')),
        CASE WHEN u_sex < 0.52 THEN 'male' ELSE 'female' END,
        LEAST(1960 + floor(u_birth * 49)::int, extract(year FROM placed_on)::int - 15),
        u_trained < 0.65,
        CASE WHEN u_res < 0.05 THEN NULL
             ELSE communes[1 + floor(u_res * cardinality(communes))::int] END,
        CASE WHEN abroad THEN NULL ELSE communes[1 + floor(u_chan * cardinality(communes))::int]
             END,
        CASE WHEN abroad THEN 'abroad' ELSE 'domestic' END,
        CASE WHEN NOT abroad THEN NULL WHEN u_dest < 0.035 THEN 'JP'
             WHEN u_dest < 0.0525 THEN 'TW' WHEN u_dest < 0.0665 THEN 'KR' ELSE 'DE' END,
        occ[1 + floor(u_occ * cardinality(occ))::int],
        ind[1 + floor(u_ind * cardinality(ind))::int],
        ind_version,
        CASE WHEN abroad THEN (CASE WHEN u_chan < 0.8 THEN 'labour_export' ELSE 'service_centre'
                               END)
             WHEN u_chan < 0.25 THEN 'job_map' WHEN u_chan < 0.55 THEN 'service_centre'
             WHEN u_chan < 0.75 THEN 'job_fair' WHEN u_chan < 0.95 THEN 'direct' ELSE 'other'
             END,
        CASE WHEN u_void < 0.01 THEN now() END,
        CASE WHEN u_void < 0.01 THEN 'demo: recorded twice' END
    FROM shaped
    """
)


@dataclass(frozen=True)
class PlacementsReport:
    placements: int
    first_day: date
    last_day: date
    plans: list[int]


async def has_placements(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(exists().where(Placement.id.is_not(None)))))


async def load_placements(
    session: AsyncSession, count: int, seed: int, today: date, years: int = YEARS
) -> PlacementsReport:
    """`count` placements over the last `years` years up to yesterday, and a plan with survey
    values for each year that has none (so indicators show a percent of plan)."""
    last_day = today - timedelta(days=1)
    first_day = date(last_day.year - years, last_day.month, 1)
    days = (last_day - first_day).days + 1
    await session.execute(
        _INSERT,
        {
            "count": count,
            "people": max(1, count * 85 // 100),
            "first_day": first_day,
            "days": days,
            "seed": seed,
            "employer_name": DEMO_EMPLOYER_NAME,
            "vsic_old": VSIC_VERSIONS[0].version,
            "vsic_new": VSIC_VERSIONS[1].version,
            "vsic_switch": VSIC_VERSIONS[1].valid_from,
        },
    )
    yearly = count * 365 // days
    plans = []
    for year in range(first_day.year + 1, last_day.year + 1):
        if await session.scalar(select(exists().where(PlanRevision.year == year))):
            continue
        # A target a little above what a year brings, as plans are.
        new_jobs = Decimal(round(yearly * 1.15, -2) or 100)
        session.add(
            PlanRevision(
                year=year,
                revision=1,
                note="demo",
                targets=[
                    PlanTarget(indicator="new_jobs", target=new_jobs),
                    PlanTarget(indicator="sent_abroad", target=(new_jobs * 7 / 100).quantize(1)),
                    PlanTarget(indicator="trained_labour_ratio", target=Decimal("68.50")),
                ],
            )
        )
        for half, value in ((1, "67.80"), (2, "68.60")):
            end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
            if end <= last_day:
                session.add(
                    IndicatorValue(
                        indicator="trained_labour_ratio",
                        period=f"{year}-H{half}",
                        period_start=date(year, 1 if half == 1 else 7, 1),
                        period_end=end,
                        value=Decimal(value),
                        note="demo",
                    )
                )
        plans.append(year)
    await session.flush()
    return PlacementsReport(count, first_day, last_day, plans)
