"""The open vacancies whose expiry the sweep has yet to record (migration 0029).

Kept by triggers on vacancy (jobmap_vacancy_due.sql): a vacancy is here while it is open and
its `expired` event is not yet in the changes feed. The sweep takes the rows past their
valid_through and writes the events; it never rewrites the vacancy, whose expiry readers
derive from valid_through (app/vacancies/reads.lifecycle)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class VacancyDue(Base):
    __tablename__ = "vacancy_due"

    vacancy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), primary_key=True
    )
    valid_through: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The vacancy's employer, copied: the sweep announces vacancies of verified employers
    # without reading the vacancy rows (one random heap page each in a backlog).
    employer_id: Mapped[uuid.UUID] = mapped_column(Uuid)

    __table_args__ = (Index("ix_vacancy_due_valid_through", "valid_through"),)
