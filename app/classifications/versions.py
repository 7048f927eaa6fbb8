"""The VSIC versions the service holds and the days each was in force.

A vacancy's industry code is read in the version in force on its posting date, a placement's in
its vacancy's version or the one in force on `placed_on`. VSIC 2018 has no start here: the
service holds no earlier list, so older dates are read in it too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class IndustryVersion:
    version: str
    decision: str
    filename: str
    valid_from: date | None  # [valid_from, valid_to); None: no known start, or still in force
    valid_to: date | None


VSIC_VERSIONS = (
    IndustryVersion(
        "2018",
        "Quyết định 27/2018/QĐ-TTg",
        "vsic2018_sections_divisions.csv",
        None,
        date(2025, 11, 15),
    ),
    IndustryVersion(
        "2025",
        "Quyết định 36/2025/QĐ-TTg",
        "vsic2025_sections_divisions.csv",
        date(2025, 11, 15),
        None,
    ),
)


@dataclass(frozen=True)
class Crosswalk:
    """Division pairs from a replaced version to the one that replaced it."""

    from_version: str
    to_version: str
    filename: str


CROSSWALKS = (Crosswalk("2018", "2025", "vsic2018_vsic2025_divisions.csv"),)


def reporting_version(start: date, end: date) -> str | None:
    """The version a period's industry statistics are reported in, when the period spans a
    change of version: the one in force on `end`, each older record's code read through the
    correspondence. None when one version was in force throughout (records keep their own)."""
    first, last = industry_version_on(start), industry_version_on(end)
    if first == last:
        return None
    return last


def industry_version_on(day: date) -> str:
    """The VSIC version in force on `day`."""
    for each in VSIC_VERSIONS:
        if (each.valid_from is None or each.valid_from <= day) and (
            each.valid_to is None or day < each.valid_to
        ):
            return each.version
    raise ValueError(f"no VSIC version is in force on {day}")  # the versions leave no gap


def version_label(version: str) -> str:
    return f"VSIC {version}"
