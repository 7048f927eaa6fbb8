"""Employers and the API keys that act for employers, the department and admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Role(StrEnum):
    admin = "admin"
    department = "department"
    employer = "employer"


class Employer(Base):
    __tablename__ = "employer"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    name: Mapped[str] = mapped_column(Text)
    # 10 digits, or 10 digits + "-" + 3 digits for a branch (Vietnamese tax code format).
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    # Vetted by the department; only verified employers' vacancies are public.
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint(r"tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'", name="tax_code_format"),
    )

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class ApiKey(Base):
    """A bearer key. Only a SHA-256 of the key is stored; the prefix identifies it in lists."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary)
    role: Mapped[str] = mapped_column(String(16))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("employer.id", ondelete="CASCADE")
    )
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("role IN ('admin', 'department', 'employer')", name="role"),
        # An employer key acts for exactly one employer; staff keys for none.
        CheckConstraint("(role = 'employer') = (employer_id IS NOT NULL)", name="employer_binding"),
        Index("ix_api_key_employer_id", "employer_id"),
    )
