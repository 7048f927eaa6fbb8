"""Annual plans (targets per indicator and area, every revision kept) and indicator values
measured outside the service (surveys)."""

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
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class PlanRevision(Base):
    """One version of a year's plan. The latest revision of a year is the plan in force."""

    __tablename__ = "plan_revision"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    revision: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by_key_id: Mapped[int | None] = mapped_column(BigInteger)

    targets: Mapped[list[PlanTarget]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PlanTarget.id"
    )

    __table_args__ = (
        UniqueConstraint("year", "revision"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )


class PlanTarget(Base):
    """A full-year target for one indicator, province-wide (no area) or for one unit."""

    __tablename__ = "plan_target"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revision.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(48))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    target: Mapped[Decimal] = mapped_column(Numeric(16, 4))

    __table_args__ = (
        UniqueConstraint("revision_id", "indicator", "area_id", postgresql_nulls_not_distinct=True),
        CheckConstraint("target >= 0", name="target"),
    )


class IndicatorValue(Base):
    """A value measured elsewhere for one period (a year, half, quarter or month)."""

    __tablename__ = "indicator_value"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(48))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    value: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by_key_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("indicator", "period", "area_id", postgresql_nulls_not_distinct=True),
        CheckConstraint("period_start <= period_end", name="period"),
        Index("ix_indicator_value_indicator_period_end", "indicator", "period_end"),
    )
