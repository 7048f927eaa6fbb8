"""Vacancies, their work sites, the change events partners poll, and idempotent POSTs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    FetchedValue,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from app.db import Base
from app.geo import WGS84


class VacancyStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class CloseReason(StrEnum):
    filled = "filled"
    withdrawn = "withdrawn"
    expired = "expired"


class EmploymentType(StrEnum):
    full_time = "full_time"
    part_time = "part_time"
    seasonal = "seasonal"
    contract = "contract"
    internship = "internship"


class SalaryPeriod(StrEnum):
    hour = "hour"
    day = "day"
    month = "month"
    year = "year"


class EducationLevel(StrEnum):
    none = "none"
    primary = "primary"
    lower_secondary = "lower_secondary"
    upper_secondary = "upper_secondary"
    vocational_elementary = "vocational_elementary"
    vocational_intermediate = "vocational_intermediate"
    college = "college"
    university = "university"
    postgraduate = "postgraduate"


class EventKind(StrEnum):
    created = "created"
    updated = "updated"
    closed = "closed"
    expired = "expired"


# The predicate of the partial indexes on open vacancies, and a statement's test for it. A
# literal, never a bound parameter: the planner uses a partial index only when it can prove
# the predicate from the statement, which a generic plan's `status = $1` does not allow.
OPEN_SQL = "status = 'open'"


def is_open(status: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """`status = 'open'` as a literal, so the partial indexes on open vacancies serve it."""
    return status == literal_column(f"'{VacancyStatus.open.value}'")


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Vacancy(Base):
    __tablename__ = "vacancy"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id", ondelete="CASCADE"))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupation.code"))
    # The VSIC version in force on the posting date (placements: the vacancy's, or the one in
    # force on placed_on); the pair references industry (version, code).
    industry_code: Mapped[str | None] = mapped_column(String(8))
    industry_version: Mapped[str | None] = mapped_column(String(4))
    employment_type: Mapped[str] = mapped_column(String(16))
    # Salary as posted (whole VND per period) ...
    salary_min: Mapped[int | None] = mapped_column(BigInteger)
    salary_max: Mapped[int | None] = mapped_column(BigInteger)
    salary_currency: Mapped[str] = mapped_column(String(3), server_default="VND")
    salary_period: Mapped[str | None] = mapped_column(String(8))
    salary_negotiable: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # ... and normalised to VND per month (see app/vacancies/salary.py for the constants).
    salary_monthly_min: Mapped[int | None] = mapped_column(BigInteger)
    salary_monthly_max: Mapped[int | None] = mapped_column(BigInteger)
    education_level: Mapped[str | None] = mapped_column(String(32))
    experience_years: Mapped[int | None] = mapped_column(SmallInteger)
    age_min: Mapped[int | None] = mapped_column(SmallInteger)
    age_max: Mapped[int | None] = mapped_column(SmallInteger)
    contact_name: Mapped[str] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    close_reason: Mapped[str | None] = mapped_column(String(16))
    # The vacancy stops being open at this instant, whether or not a sweep has run yet.
    valid_through: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    positions: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Full-text search, maintained by a database trigger (migrations 0003, 0004): title_doc
    # holds the words and word pairs of title and occupation, search_doc every word. Only SQL
    # reads them: deferred, so loading a vacancy does not fetch a kilobyte of tsvector.
    title_folded: Mapped[str | None] = mapped_column(
        Text, server_default=FetchedValue(), deferred=True, deferred_raiseload=True
    )
    title_doc: Mapped[str | None] = mapped_column(
        TSVECTOR,
        server_default=FetchedValue(),
        server_onupdate=FetchedValue(),
        deferred=True,
        deferred_raiseload=True,
    )
    search_doc: Mapped[str | None] = mapped_column(
        TSVECTOR,
        server_default=FetchedValue(),
        server_onupdate=FetchedValue(),
        deferred=True,
        deferred_raiseload=True,
    )
    # Bumped on every UPDATE by SQLAlchemy: the ETag, and lost-update protection.
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    sites: Mapped[list[VacancySite]] = relationship(
        back_populates="vacancy",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="VacancySite.id",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    __table_args__ = (
        UniqueConstraint("employer_id", "external_ref"),
        ForeignKeyConstraint(
            ["industry_version", "industry_code"], ["industry.version", "industry.code"]
        ),
        CheckConstraint(
            "(industry_code IS NULL) = (industry_version IS NULL)", name="industry_version"
        ),
        CheckConstraint(_in("status", VacancyStatus), name="status"),
        CheckConstraint(_in("close_reason", CloseReason), name="close_reason"),
        CheckConstraint("(status = 'closed') = (close_reason IS NOT NULL)", name="closed_reason"),
        CheckConstraint(_in("employment_type", EmploymentType), name="employment_type"),
        CheckConstraint(_in("salary_period", SalaryPeriod), name="salary_period"),
        CheckConstraint(_in("education_level", EducationLevel), name="education_level"),
        CheckConstraint("salary_currency = 'VND'", name="salary_currency"),
        CheckConstraint("salary_min IS NULL OR salary_min >= 0", name="salary_min"),
        CheckConstraint(
            "salary_max IS NULL OR salary_min IS NULL OR salary_max >= salary_min",
            name="salary_range",
        ),
        CheckConstraint("positions >= 1", name="positions"),
        Index("ix_vacancy_employer_id_created_at", "employer_id", "created_at"),
        # Partial on open vacancies (migration 0025): recording a vacancy as closed writes a
        # new row version, which gets no entries in these, the search indexes above all
        # (about 80 GIN entries a vacancy). Statements say `status = 'open'` as a literal
        # (OPEN) so the planner can use them, in generic plans too.
        Index("ix_vacancy_open_valid_through", "valid_through", postgresql_where=text(OPEN_SQL)),
        Index(
            "ix_vacancy_search_doc",
            "search_doc",
            postgresql_using="gin",
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_vacancy_title_doc",
            "title_doc",
            postgresql_using="gin",
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_vacancy_title_folded_trgm",
            "title_folded",
            postgresql_using="gin",
            postgresql_ops={"title_folded": "gin_trgm_ops"},
            postgresql_where=text(OPEN_SQL),
        ),
    )


class VacancySite(Base):
    """A place of work with its number of positions. Located exactly, or at a commune's
    representative point when only the commune was given (`approximate`)."""

    __tablename__ = "vacancy_site"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    positions: Mapped[int] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=WGS84, spatial_index=False, nullable=False)
    )
    approximate: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The commune version the site lay in when posted (a row, not a bare code: codes recur).
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    commune_code: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Text)

    # Read model for search, copied from the vacancy and its employer by database triggers
    # (migrations 0003, 0012); the application writes only `public = false` for sites past
    # their valid_through (app/vacancies/sweep.py).
    public: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    valid_through: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue()
    )
    employer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, server_default=FetchedValue())
    occupation_code: Mapped[str | None] = mapped_column(String(8), server_default=FetchedValue())
    industry_code: Mapped[str | None] = mapped_column(String(8), server_default=FetchedValue())
    employment_type: Mapped[str | None] = mapped_column(String(16), server_default=FetchedValue())
    salary_monthly_min: Mapped[int | None] = mapped_column(
        BigInteger, server_default=FetchedValue()
    )
    salary_monthly_max: Mapped[int | None] = mapped_column(
        BigInteger, server_default=FetchedValue()
    )
    published_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue()
    )

    vacancy: Mapped[Vacancy] = relationship(back_populates="sites", lazy="raise")

    __table_args__ = (
        CheckConstraint("positions BETWEEN 1 AND 10000", name="positions"),
        Index("ix_vacancy_site_vacancy_id", "vacancy_id"),
        # Nearest-first in metres (geography KNN) and viewport scans, public sites only.
        Index(
            "ix_vacancy_site_public_geog",
            text("(geom::geography)"),
            postgresql_using="gist",
            postgresql_where=text("public"),
        ),
        Index(
            "ix_vacancy_site_public_geom",
            "geom",
            postgresql_using="gist",
            postgresql_where=text("public"),
        ),
        Index(
            "ix_vacancy_site_public_published",
            text("published_at DESC"),
            text("id DESC"),
            postgresql_where=text("public"),
        ),
        # sort=salary: best paid first without sorting every match (the search's sort key).
        Index(
            "ix_vacancy_site_public_salary",
            text("COALESCE(salary_monthly_max, salary_monthly_min, -1) DESC"),
            text("id DESC"),
            postgresql_where=text("public"),
        ),
        # Open vacancies and positions per commune (the choropleth), from the index alone.
        Index(
            "ix_vacancy_site_public_area",
            "area_id",
            "vacancy_id",
            postgresql_include=["positions", "valid_through"],
            postgresql_where=text("public"),
        ),
        # Sites still public after their expiry: cluster tiles take them away (migration 0010).
        Index(
            "ix_vacancy_site_public_valid_through",
            "valid_through",
            postgresql_where=text("public"),
        ),
        # A fixed 1-in-64 sample for facet estimates (app/search/facets.py).
        Index(
            "ix_vacancy_site_public_sample",
            "id",
            postgresql_include=[
                "vacancy_id",
                "occupation_code",
                "employment_type",
                "area_id",
                "salary_monthly_min",
                "salary_monthly_max",
                "valid_through",
            ],
            postgresql_where=text("public AND id % 64 = 0"),
        ),
    )


class VacancyEvent(Base):
    """One change to a public vacancy, for the changes feed.

    `txid` is the writing transaction's id: readers only show events of transactions older than
    every transaction still running, so an event never appears behind a reader's cursor."""

    __tablename__ = "vacancy_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    txid: Mapped[int] = mapped_column(
        BigInteger, server_default=text("pg_current_xact_id()::text::bigint")
    )
    # No foreign key (migration 0029): its check locks the vacancy's row, a write to a random
    # page of the widest table for each event the expiry sweep adds. Events go with their
    # vacancy all the same (trigger vacancy_events_delete). Events are written in the
    # transaction that writes the vacancy, or holds its vacancy_due row (the sweep: a delete
    # waits for it); only an employer's verification announces vacancies it merely read.
    vacancy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint(_in("kind", EventKind), name="kind"),
        Index("ix_vacancy_event_txid_id", "txid", "id"),
    )


class IdempotencyRecord(Base):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotency_record"

    # Who sent it (API key's principal) and where: keys are per client and per endpoint.
    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[bytes] = mapped_column(LargeBinary)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_idempotency_record_created_at", "created_at"),)
