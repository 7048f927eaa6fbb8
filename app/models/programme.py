"""Programmes (a term's plan, a pilot project): a name, a period of any length, the units they
cover and targets per counted indicator, for the whole period or per year. Department data."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Programme(Base):
    """One programme, keyed by the department's own code (`vung-liem-2024-2026`)."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)  # inclusive
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by_key_id: Mapped[int | None] = mapped_column(BigInteger)

    areas: Mapped[list[ProgrammeArea]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ProgrammeArea.area_id"
    )
    targets: Mapped[list[ProgrammeTarget]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ProgrammeTarget.id"
    )

    __table_args__ = (CheckConstraint("period_from <= period_to", name="period"),)


class ProgrammeArea(Base):
    """A unit the programme covers (the version named when it was put); none: the province."""

    __tablename__ = "programme_area"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)


class ProgrammeTarget(Base):
    """A target for one indicator: over the whole period (no year) or for one year of it."""

    __tablename__ = "programme_target"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(48))
    year: Mapped[int | None] = mapped_column(SmallInteger)
    target: Mapped[Decimal] = mapped_column(Numeric(16, 4))

    __table_args__ = (
        UniqueConstraint("programme_id", "indicator", "year", postgresql_nulls_not_distinct=True),
        CheckConstraint("target >= 0", name="target"),
    )
