"""Administrative units (province, district, commune) with the dates they were valid."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import DATERANGE, JSONB, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.geo import WGS84


class AreaLevel(StrEnum):
    province = "province"
    district = "district"
    commune = "commune"


class Area(Base):
    """One version of one unit. A code can recur across versions (29551 before and after
    the 2025 merger), so rows are identified by (level, code, valid_from)."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text)
    name_ascii: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(16))
    # [valid_from, valid_to); NULL means unknown start or still valid.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    validity: Mapped[Range[date]] = mapped_column(
        DATERANGE, Computed("daterange(valid_from, valid_to, '[)')", persisted=True)
    )
    # NULL for units shipped as codes only (the pre-2025 communes have no open boundaries).
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=False)
    )
    # Inside the unit (unlike a centroid); used to place sites given only a commune code.
    label_point: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=WGS84, spatial_index=False),
        Computed("ST_PointOnSurface(geom)", persisted=True),
    )
    area_km2: Mapped[float | None] = mapped_column(Double)
    # Source-specific extras: predecessor/successor codes, official area, old province.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    source: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("level", "code", "valid_from", postgresql_nulls_not_distinct=True),
        ExcludeConstraint(
            ("level", "="),
            ("code", "="),
            ("validity", "&&"),
            name="ex_area_versions_overlap",
            using="gist",
        ),
        CheckConstraint("level IN ('province', 'district', 'commune')", name="level"),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to", name="validity"
        ),
        Index("ix_area_geom", "geom", postgresql_using="gist"),
        Index("ix_area_parent_code", "parent_code"),
    )


class AreaSuccession(Base):
    """A commune that began on the day a unit ended and lies mostly inside it: the unit's
    territory after it (the 124 communes of 2025 after the 8 old districts). Derived from the
    boundaries by migrations/sql/jobmap_area_succession.sql, rewritten at every areas load."""

    __tablename__ = "area_succession"

    predecessor_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    # Of the successor's area (on the spheroid), the share inside the predecessor: over 0.5.
    share: Mapped[float] = mapped_column(Double)

    __table_args__ = (
        CheckConstraint("share > 0.5 AND share <= 1.000001", name="share"),
        Index("ix_area_succession_successor_id", "successor_id"),
    )
