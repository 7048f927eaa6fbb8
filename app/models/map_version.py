"""How many writes could have changed the map (migration 0011): the tile cache's guard."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class MapVersion(Base):
    __tablename__ = "map_version"
    __table_args__ = (CheckConstraint("one", name="one"),)

    one: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default="true")
    version: Mapped[int] = mapped_column(BigInteger)
