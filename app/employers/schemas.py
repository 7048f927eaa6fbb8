"""Request and response bodies for employers and keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.models import Role
from app.text import Name, Phone, ShortLine

TaxCode = Annotated[
    str,
    Field(
        description="Mã số thuế: 10 digits, or 10 digits + '-' + 3 digits for a branch.",
        examples=["1500123456", "1500123456-001"],
    ),
    StringConstraints(pattern=r"^[0-9]{10}(-[0-9]{3})?$"),
]
Website = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=300)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EmployerCreate(_Input):
    name: Name = Field(examples=["Công ty TNHH May mặc Phước Hậu"])
    tax_code: TaxCode
    address: Name | None = Field(default=None, examples=["12 Phạm Thái Bường, Phường Phước Hậu"])
    phone: Phone | None = Field(default=None, examples=["0270 382 2345"])
    email: EmailStr | None = Field(default=None, examples=["tuyendung@phuochau.vn"])
    website: Website | None = None
    verified: bool = Field(default=False, description="Vetted already (department only).")


class EmployerUpdate(_Input):
    """Only the fields sent change; `null` clears an optional field. Employers may change
    their contact fields; name, tax code and verification are the department's."""

    name: Name | None = None
    tax_code: TaxCode | None = None
    address: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    website: Website | None = None
    verified: bool | None = None


STAFF_ONLY_FIELDS = frozenset({"name", "tax_code", "verified"})


class EmployerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    tax_code: str
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    verified: bool
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


class KeyCreate(_Input):
    label: ShortLine | None = Field(default=None, examples=["HR system"])


class KeyRead(BaseModel):
    """A key as listed: never the key itself."""

    model_config = ConfigDict(from_attributes=True)

    prefix: str = Field(examples=["k7m2q9xa"])
    role: Role
    employer_id: uuid.UUID | None
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyRead):
    key: str = Field(
        description="The key. Shown only in this response: store it now.",
        examples=["jm_k7m2q9xa_3q2-7wE0vX...43 characters"],
    )
