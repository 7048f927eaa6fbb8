"""Load the shipped classification lists into `occupation` and `industry`. Idempotent."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.classifications.versions import VSIC_VERSIONS
from app.models import Industry, Occupation

OCCUPATION_FILE = "isco08_major_submajor.csv"
_COLUMNS = ("name_en", "name_vi", "level", "parent_code")


class ClassificationDataError(ValueError):
    """A shipped classification file is missing or malformed."""


@dataclass
class ClassificationReport:
    occupations: int = 0
    industries: int = 0  # rows of every VSIC version


def _rows(path: Path) -> list[dict[str, Any]]:
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
    """Upsert every code of every list (codes are never deleted: postings refer to them)."""
    report = ClassificationReport()
    occupations = _rows(directory / OCCUPATION_FILE)
    insert = pg_insert(Occupation).values(occupations)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["code"], set_={name: insert.excluded[name] for name in _COLUMNS}
        )
    )
    report.occupations = len(occupations)
    for each in VSIC_VERSIONS:
        rows = [
            {
                **row,
                "version": each.version,
                "valid_from": each.valid_from,
                "valid_to": each.valid_to,
            }
            for row in _rows(directory / each.filename)
        ]
        insert = pg_insert(Industry).values(rows)
        columns = (*_COLUMNS, "valid_from", "valid_to")
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["version", "code"],
                set_={name: insert.excluded[name] for name in columns},
            )
        )
        report.industries += len(rows)
    return report
