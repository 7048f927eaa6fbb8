"""Load the shipped classification lists into `occupation` and `industry`. Idempotent."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Industry, Occupation

FILES: dict[str, type[Occupation] | type[Industry]] = {
    "isco08_major_submajor.csv": Occupation,
    "vsic2018_sections_divisions.csv": Industry,
}
_COLUMNS = ("name_en", "name_vi", "level", "parent_code")


class ClassificationDataError(ValueError):
    """A shipped classification file is missing or malformed."""


@dataclass
class ClassificationReport:
    occupations: int = 0
    industries: int = 0


def _rows(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        raise ClassificationDataError(f"{path} is missing")
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            code = (row.get("code") or "").strip()
            if not code or not row.get("level", "").isdigit():
                raise ClassificationDataError(f"{path.name} line {line}: bad code or level")
            rows.append(
                {
                    "code": code,
                    "name_en": unicodedata.normalize("NFC", row["name_en"]) or None,
                    "name_vi": unicodedata.normalize("NFC", row["name_vi"]) or None,
                    "level": int(row["level"]),
                    "parent_code": row["parent_code"] or None,
                }
            )
    return rows


async def load_classifications(session: AsyncSession, directory: Path) -> ClassificationReport:
    """Upsert every code of both lists (codes are never deleted: vacancies refer to them)."""
    report = ClassificationReport()
    for filename, model in FILES.items():
        rows = _rows(directory / filename)
        insert = pg_insert(model).values(rows)
        statement = insert.on_conflict_do_update(
            index_elements=["code"],
            set_={name: insert.excluded[name] for name in _COLUMNS},
        )
        await session.execute(statement)
        if model is Occupation:
            report.occupations = len(rows)
        else:
            report.industries = len(rows)
    return report
