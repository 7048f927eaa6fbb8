"""Administrative units: read as GeoJSON (built by PostgreSQL), found by point, and loaded
from files (read, upsert every version, verify)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import repository
from app.areas.loader import AreaDataError, read_admin_dir
from app.areas.repository import LoadReport
from app.areas.schemas import AreaLookup, GeometryMode
from app.errors import NotFoundError
from app.models.area import AreaLevel


async def units_on(
    session: AsyncSession,
    *,
    at: date,
    level: AreaLevel | None,
    parent_code: str | None,
    geometry: GeometryMode,
    with_vacancies: bool,
) -> bytes:
    """Units valid on `at` as one GeoJSON FeatureCollection (with their open vacancies and
    positions when asked, for choropleths)."""
    return await repository.feature_collection(
        session,
        at=at,
        level=level,
        parent_code=parent_code,
        geometry=geometry,
        with_vacancies=with_vacancies,
    )


async def lookup(session: AsyncSession, lon: float, lat: float, at: date) -> AreaLookup:
    """The units valid on `at` containing the point; 404 outside every one."""
    units = await repository.containing_point(session, lon, lat, at)
    if not units:
        raise NotFoundError(f"The point ({lon}, {lat}) is outside every area valid on {at}.")
    return AreaLookup(lon=lon, lat=lat, at=at, units=units)


async def unit(
    session: AsyncSession, code: str, *, at: date | None, today: date, geometry: GeometryMode
) -> bytes:
    """One version of a unit as a GeoJSON Feature: the one valid on `at`; without `at`,
    today's or else its last one; 404 when there is none."""
    body = await repository.feature(session, code, at=at, today=today, geometry=geometry)
    if body is None:
        when = f" on {at}" if at else ""
        raise NotFoundError(f"No area with code {code}{when}.")
    return body


async def load_areas(session: AsyncSession, directory: Path) -> LoadReport:
    """Make the table match the files in `directory`; running it twice changes nothing.

    Flushes only: the caller's transaction makes the whole load atomic.
    """
    report = LoadReport()
    for record in read_admin_dir(directory):
        report.count(await repository.upsert(session, record))
    invalid = await repository.invalid_geometries(session)
    if invalid:
        raise AreaDataError(f"invalid geometries for codes: {', '.join(sorted(invalid))}")
    # Which new communes follow which ended unit, from the boundaries as loaded.
    report.successions = await repository.refresh_succession(session)
    return report
