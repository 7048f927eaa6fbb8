"""Occupation (ISCO-08) and industry (VSIC 2018 and 2025) classifications, loaded from shipped
lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Occupation(Base):
    """ISCO-08 major (1 digit) and sub-major (2 digits) groups."""

    __tablename__ = "occupation"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_en: Mapped[str | None] = mapped_column(Text)
    name_vi: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(String(8))


class Industry(Base):
    """VSIC sections (a letter) and divisions (2 digits) of each version. A code can mean
    something else in another version (section K is finance in 2018, telecoms and IT in 2025),
    so rows are identified by (version, code); `[valid_from, valid_to)` is the version's time in
    force (NULL: no known start, or still in force)."""

    __tablename__ = "industry"

    version: Mapped[str] = mapped_column(String(4), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_en: Mapped[str | None] = mapped_column(Text)
    name_vi: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(String(8))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # A code of a replaced version: the sections of the next version its activities fall in,
    # by the correspondence below ("G+T": split between two, no shares). NULL for the current.
    successor_section: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to", name="validity"
        ),
    )


class IndustryCorrespondence(Base):
    """Which division of the next VSIC version holds (part of) the activities of a division of
    the version it replaced: many to many, without shares (data/classifications/SOURCES.md)."""

    __tablename__ = "industry_correspondence"

    from_version: Mapped[str] = mapped_column(String(4), primary_key=True)
    from_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    to_version: Mapped[str] = mapped_column(String(4), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # isic, or isic+nso (seen in both tables)

    __table_args__ = (
        ForeignKeyConstraint(["from_version", "from_code"], ["industry.version", "industry.code"]),
        ForeignKeyConstraint(["to_version", "to_code"], ["industry.version", "industry.code"]),
        CheckConstraint("from_version < to_version", name="forward"),
    )
