"""Public work sites per map cell and zoom, kept exact by a trigger on vacancy_site (migration
0010): the fast path of cluster tiles (app/tiles/cells.py). Never written by the ORM."""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, Index, Integer, SmallInteger, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SiteCell(Base):
    __tablename__ = "site_cell"
    # A tile's cells by its x and y (64 cells to a tile side).
    __table_args__ = (Index("ix_site_cell_tile", "zoom", text("(cx >> 6)"), text("(cy >> 6)")),)

    zoom: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cx: Mapped[int] = mapped_column(Integer, primary_key=True)
    cy: Mapped[int] = mapped_column(Integer, primary_key=True)
    sites: Mapped[int] = mapped_column(Integer)
    positions: Mapped[int] = mapped_column(BigInteger)
    # Sums of Web Mercator coordinates and their squares: mean position and spread.
    sum_x: Mapped[float] = mapped_column(Double)
    sum_y: Mapped[float] = mapped_column(Double)
    sum_xx: Mapped[float] = mapped_column(Double)
    sum_yy: Mapped[float] = mapped_column(Double)
