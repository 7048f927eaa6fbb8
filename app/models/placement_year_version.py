"""The version of each calendar year's placements (migration 0018): the guard of the
projection's kept counts (app/stats/reached_cache.py). Triggers give a year a new random
version whenever a statement writes its placements, and every year one when areas change."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class PlacementYearVersion(Base):
    __tablename__ = "placement_year_version"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[uuid.UUID] = mapped_column(Uuid)
