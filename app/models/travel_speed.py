"""Speeds per road class and travel mode (migration 0015), edited by operators.

Outside the swapped `osm` schema so that edits survive a reload of the street network. A road
class with no row for a mode is not used by that mode (no motorway row for motorbikes)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import REAL, CheckConstraint, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class TravelMode(StrEnum):
    motorbike = "motorbike"
    bicycle = "bicycle"
    walk = "walk"


class TravelSpeed(Base):
    __tablename__ = "travel_speed"
    __table_args__ = (
        CheckConstraint("mode IN ('motorbike', 'bicycle', 'walk')", name="mode"),
        CheckConstraint("kmh > 0 AND kmh <= 130", name="kmh"),
        CheckConstraint("wait_s >= 0", name="wait_s"),
    )

    # highway=* value, or 'ferry'.
    road_class: Mapped[str] = mapped_column(Text, primary_key=True)
    mode: Mapped[str] = mapped_column(Text, primary_key=True)
    # Average travel speed (not the legal limit); a lower tagged maxspeed caps motorbikes.
    kmh: Mapped[float] = mapped_column(REAL)
    # Added once per edge of the class: the average wait for a ferry.
    wait_s: Mapped[int] = mapped_column(Integer, server_default="0")
    note: Mapped[str | None] = mapped_column(Text)
