"""Load the shipped classification lists into `occupation` and `industry`. Idempotent."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, column, delete, table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.classifications.versions import CROSSWALKS, VSIC_VERSIONS, Crosswalk
from app.models import Industry, IndustryCorrespondence, Occupation

OCCUPATION_FILE = "isco08_major_submajor.csv"
_COLUMNS = ("name_en", "name_vi", "level", "parent_code")


class ClassificationDataError(ValueError):
    """A shipped classification file is missing or malformed."""


@dataclass
class ClassificationReport:
    occupations: int = 0
    industries: int = 0  # rows of every VSIC version
    correspondences: int = 0  # division pairs between consecutive VSIC versions


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
    for crosswalk in CROSSWALKS:
        report.correspondences += await _load_crosswalk(session, directory, crosswalk)
    return report


def _sections(directory: Path, version: str) -> tuple[dict[str, str], dict[str, str]]:
    """A version's divisions' sections, and each section's own letter."""
    (each,) = [v for v in VSIC_VERSIONS if v.version == version]
    rows = _rows(directory / each.filename)
    divisions = {r["code"]: r["parent_code"] for r in rows if r["level"] == 2}
    return divisions, {r["code"]: r["code"] for r in rows if r["level"] == 1}


async def _load_crosswalk(session: AsyncSession, directory: Path, crosswalk: Crosswalk) -> int:
    """Replace the division pairs from one version to the next, and set each code of the
    older version's successor_section: the newer version's sections its divisions reach."""
    path = directory / crosswalk.filename
    if not path.is_file():
        raise ClassificationDataError(f"{path} is missing")
    old_divisions, old_sections = _sections(directory, crosswalk.from_version)
    new_divisions, _ = _sections(directory, crosswalk.to_version)
    pairs: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        columns = (f"code_{crosswalk.from_version}", f"code_{crosswalk.to_version}", "source")
        for line, row in enumerate(csv.DictReader(handle), start=2):
            old, new, source = (row.get(column) or "" for column in columns)
            if old not in old_divisions or new not in new_divisions or not source:
                raise ClassificationDataError(f"{path.name} line {line}: unknown division")
            pairs.append({"from_code": old, "to_code": new, "source": source})
    reached: dict[str, set[str]] = {}
    for pair in pairs:
        reached.setdefault(pair["from_code"], set()).add(new_divisions[pair["to_code"]])
    if missing := sorted(set(old_divisions) - set(reached)):
        raise ClassificationDataError(f"{path.name}: no pair for {', '.join(missing)}")
    for division, section in old_divisions.items():
        reached.setdefault(section, set()).update(reached[division])
    versions = {"from_version": crosswalk.from_version, "to_version": crosswalk.to_version}
    await session.execute(
        delete(IndustryCorrespondence).where(
            IndustryCorrespondence.from_version == crosswalk.from_version,
            IndustryCorrespondence.to_version == crosswalk.to_version,
        )
    )
    await session.execute(
        pg_insert(IndustryCorrespondence).values([{**versions, **pair} for pair in pairs])
    )
    keys = [
        {"v": crosswalk.from_version, "c": code, "key": "+".join(sorted(sections))}
        for code, sections in reached.items()
        if code in old_divisions or code in old_sections
    ]
    industry = table("industry", column("version"), column("code"), column("successor_section"))
    statement = (
        update(industry)
        .where(industry.c.version == bindparam("v"), industry.c.code == bindparam("c"))
        .values(successor_section=bindparam("key"))
    )
    await session.execute(statement, keys)
    return len(pairs)
