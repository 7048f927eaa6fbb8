"""The codes a placement may name, read once per request (or import) from the database:
communes with their validity, occupations, industries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Area, AreaLevel, Industry, Occupation


@dataclass(frozen=True)
class CommuneVersion:
    id: int
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass
class References:
    communes: dict[str, list[CommuneVersion]] = field(default_factory=dict)
    by_id: dict[int, CommuneVersion] = field(default_factory=dict)
    occupations: set[str] = field(default_factory=set)
    industries: set[tuple[str, str]] = field(default_factory=set)  # (VSIC version, code)

    def commune(self, code: str, on: date) -> CommuneVersion | None:
        """The version of commune `code` valid on `on` (codes recur across 2025-07-01)."""
        for version in self.communes.get(code, ()):
            if version.valid_on(on):
                return version
        return None


async def load(session: AsyncSession) -> References:
    refs = References()
    rows = await session.execute(
        select(Area.id, Area.code, Area.name, Area.valid_from, Area.valid_to).where(
            Area.level == AreaLevel.commune.value
        )
    )
    for row in rows:
        version = CommuneVersion(row.id, row.code, row.name, row.valid_from, row.valid_to)
        refs.communes.setdefault(row.code, []).append(version)
        refs.by_id[row.id] = version
    refs.occupations = set((await session.execute(select(Occupation.code))).scalars())
    refs.industries = {
        (version, code)
        for version, code in await session.execute(select(Industry.version, Industry.code))
    }
    return refs
