"""Occupation (ISCO-08) and industry (VSIC 2018) classifications, loaded from shipped lists."""

from __future__ import annotations

from sqlalchemy import SmallInteger, String, Text
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
    """VSIC 2018 sections (a letter) and divisions (2 digits)."""

    __tablename__ = "industry"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_en: Mapped[str | None] = mapped_column(Text)
    name_vi: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(String(8))
