"""Placements written straight into the database: thousands of people in milliseconds, with
exactly known totals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def commune_id(session: AsyncSession, code: str, on: date) -> int:
    found = await session.scalar(
        text(
            "SELECT id FROM area WHERE level = 'commune' AND code = :code "
            "AND validity @> CAST(:on AS date)"
        ),
        {"code": code, "on": on},
    )
    assert found is not None
    return int(found)


async def add_people(
    session: AsyncSession,
    *,
    first: int,
    count: int,
    start: date,
    days: int,
    abroad_below: int = 0,
    voided: bool = False,
    residence: int | None = None,
    sex: str = "female",
    birth_year: int = 1995,
    channel: str = "job_fair",
    occupation_code: str | None = None,
    country: str = "JP",
) -> None:
    """People `first`..`first+count-1`, one placement each, spread over `days` days from
    `start`; person n is abroad (in `country`, Japan unless said) when n < abroad_below."""
    await session.execute(
        text(
            """
            INSERT INTO placement (placed_on, person_hash, sex, birth_year, trained,
                destination, destination_country, channel, residence_area_id,
                voided_at, void_reason, occupation_code)
            SELECT CAST(:start AS date) + (n % CAST(:days AS int)),
                   sha256(convert_to('person ' || n, 'UTF8')),
                   :sex, :birth_year, n % 3 <> 0,
                   CASE WHEN n < :abroad_below THEN 'abroad' ELSE 'domestic' END,
                   CASE WHEN n < :abroad_below THEN CAST(:country AS text) END,
                   :channel, :residence,
                   CASE WHEN :voided THEN now() END,
                   CASE WHEN :voided THEN 'test' END,
                   :occupation_code
            FROM generate_series(CAST(:first AS int), :first + :count - 1) AS n
            """
        ),
        {
            "start": start,
            "days": days,
            "first": first,
            "count": count,
            "abroad_below": abroad_below,
            "voided": voided,
            "residence": residence,
            "sex": sex,
            "birth_year": birth_year,
            "channel": channel,
            "occupation_code": occupation_code,
            "country": country,
        },
    )
