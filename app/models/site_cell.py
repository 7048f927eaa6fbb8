"""Public work sites per map cell and zoom, kept exact by a trigger on vacancy_site (migration
0010): the fast path of cluster tiles (app/tiles/cells.py). Never written by the ORM."""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, Index, Integer, SmallInteger, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SiteCell(Base):
    __tablename__ = "site_cell"
    # Cells by blocks of 8 x 8: a tile's clusters three zooms down are one block (migration
    # 0014; app/tiles/cells.py).
    __table_args__ = (Index("ix_site_cell_block", "zoom", text("(cx >> 3)"), text("(cy >> 3)")),)

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
    # The sum of ascii(occupation_code) (its first character's code point, 0 for none): in a
    # cell of one site, that site's occupation group, which colours its pin (migration 0020).
    group_sum: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
