"""Placements: people placed into jobs, the records behind the department's statistics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Sex(StrEnum):
    male = "male"
    female = "female"


class Destination(StrEnum):
    domestic = "domestic"
    abroad = "abroad"


class Channel(StrEnum):
    job_map = "job_map"
    job_fair = "job_fair"
    service_centre = "service_centre"
    labour_export = "labour_export"
    direct = "direct"
    other = "other"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Placement(Base):
    """One person placed into one job on one date. The person is known only by a keyed hash
    of their reference (national ID or similar), so the same person is counted once without
    the reference ever being stored."""

    __tablename__ = "placement"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    placed_on: Mapped[date] = mapped_column(Date)
    # SET NULL: statistics outlive the vacancy and employer rows they came from.
    vacancy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vacancy.id", ondelete="SET NULL")
    )
    employer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employer.id", ondelete="SET NULL")
    )
    # For hiring organisations not registered here (job fairs, labour-export enterprises).
    employer_name: Mapped[str | None] = mapped_column(Text)
    person_hash: Mapped[bytes] = mapped_column(LargeBinary)
    sex: Mapped[str] = mapped_column(String(8))
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    # Age in whole years at placement as far as a birth year tells (placement year - birth year).
    age: Mapped[int] = mapped_column(
        SmallInteger,
        Computed("(extract(year FROM placed_on)::int - birth_year)", persisted=True),
    )
    trained: Mapped[bool] = mapped_column(Boolean)
    # Commune versions valid on placed_on (rows, not codes: codes recur across 2025-07-01).
    residence_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    work_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    destination: Mapped[str] = mapped_column(String(8))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    occupation_code: Mapped[str | None] = mapped_column(ForeignKey("occupation.code"))
    # The VSIC version in force on the posting date (placements: the vacancy's, or the one in
    # force on placed_on); the pair references industry (version, code).
    industry_code: Mapped[str | None] = mapped_column(String(8))
    industry_version: Mapped[str | None] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(16))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)
    import_batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    recorded_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    __table_args__ = (
        CheckConstraint(_in("sex", Sex), name="sex"),
        ForeignKeyConstraint(
            ["industry_version", "industry_code"], ["industry.version", "industry.code"]
        ),
        CheckConstraint(
            "(industry_code IS NULL) = (industry_version IS NULL)", name="industry_version"
        ),
        CheckConstraint(_in("destination", Destination), name="destination"),
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint("octet_length(person_hash) = 32", name="person_hash"),
        CheckConstraint("birth_year BETWEEN 1900 AND 2200", name="birth_year"),
        CheckConstraint(
            "(destination = 'abroad') = (destination_country IS NOT NULL)",
            name="destination_country",
        ),
        CheckConstraint("destination_country ~ '^[A-Z]{2}$'", name="country_format"),
        CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL)", name="void_reason"),
        # What the statistics read: active records by date, with the columns they count and
        # group by most often, so the indicators and most grouped totals never visit the heap.
        Index(
            "ix_placement_active_placed_on",
            "placed_on",
            postgresql_include=[
                "person_hash",
                "destination",
                "residence_area_id",
                "work_area_id",
                "sex",
                "age",
                "trained",
            ],
            postgresql_where=text("voided_at IS NULL"),
        ),
        # Each person's first placement of each year, in order (the year-end projection).
        Index(
            "ix_placement_active_year_person",
            text("date_part('year', placed_on)"),
            "person_hash",
            "placed_on",
            postgresql_include=["destination", "residence_area_id"],
            postgresql_where=text("voided_at IS NULL"),
        ),
        # Active records by residence commune and date: a programme on a district or a few
        # communes counts its people from this alone (repository.people_by_year), instead of
        # reading the whole table (bench/README.md, "Programme progress: the residence index").
        Index(
            "ix_placement_active_residence_placed_on",
            "residence_area_id",
            "placed_on",
            postgresql_include=["person_hash", "destination"],
            postgresql_where=text("voided_at IS NULL"),
        ),
        # Positions filled per vacancy (the over-fill check).
        Index(
            "ix_placement_active_vacancy_id",
            "vacancy_id",
            postgresql_where=text("voided_at IS NULL AND vacancy_id IS NOT NULL"),
        ),
        Index("ix_placement_employer_id_created_at", "employer_id", "created_at"),
        Index("ix_placement_created_at_id", "created_at", "id"),
        Index("ix_placement_import_batch_id", "import_batch_id"),
    )
