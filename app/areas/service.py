"""Loading administrative units: read the files, upsert every version, verify."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import repository
from app.areas.loader import AreaDataError, read_admin_dir
from app.areas.repository import LoadReport


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
    return report
