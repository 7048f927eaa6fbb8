"""Which VSIC section a record counts under in the statistics.

A period in which one VSIC version was in force throughout reads each record's section in the
version its code was given in. A period spanning a change (VSIC 2025 replaced VSIC 2018 on
2025-11-15) is reported in the version in force at its end: an older record counts under the
section(s) of the newer version its code corresponds to (`industry.successor_section`, from
the correspondence in data/classifications). A code whose activities the newer version splits
between sections counts once, under the combined key ("G+T"): the correspondence gives no
shares, and none are made up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import coalesce

from app.classifications.versions import CROSSWALKS
from app.models import Industry

INDUSTRY = aliased(Industry, name="industry")
COMBINED = "+"  # joins the sections of a combined key


def industry_join(table: Any) -> Any:
    """A row's industry: its code in the VSIC version it was given in (codes recur across
    versions with other meanings)."""
    return and_(INDUSTRY.version == table.industry_version, INDUSTRY.code == table.industry_code)


def section_key(reporting: str | None) -> ColumnElement[Any]:
    """The section a joined record counts under; `reporting` is the version a period spanning
    a change is reported in (None: one version throughout)."""
    own: ColumnElement[Any] = coalesce(INDUSTRY.parent_code, INDUSTRY.code)
    if reporting is None:
        return own
    # No industry: version is NULL, and so is successor_section.
    key: ColumnElement[Any] = case(
        (INDUSTRY.version == reporting, own), else_=INDUSTRY.successor_section
    )
    return key


def combined_name(key: str, names: dict[str, str | None], reporting: str) -> str:
    """The name of a combined row, from its sections' names in the reporting version."""
    (older,) = [c.from_version for c in CROSSWALKS if c.to_version == reporting]
    listed = "; ".join(f"{part} {names.get(part) or ''}".strip() for part in key.split(COMBINED))
    return f"Mã VSIC {older} ứng với nhiều ngành VSIC {reporting}, không chia tách: {listed}"
