"""Request and response bodies for vacancies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from app.dependencies import IsoDatetime
from app.errors import FieldError
from app.geo import Latitude, Longitude
from app.models import (
    CloseReason,
    EducationLevel,
    EmploymentType,
    EventKind,
    SalaryPeriod,
    VacancyStatus,
)
from app.text import Name, Paragraphs, Phone, Ref, ShortLine

MAX_SALARY_VND = 100_000_000_000  # per period; anything above is a typo, not a salary
OccupationCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,4}$",
        description="ISCO-08 code (major or sub-major group).",
        examples=["24"],
    ),
]
IndustryCode = Annotated[
    str,
    Field(
        pattern=r"^([A-V]|[0-9]{2})$",
        description="VSIC section (letter) or division (2 digits), in the version in force on "
        "the posting date: VSIC 2025 (sections A-V) from 2025-11-15, VSIC 2018 (A-U) before.",
        examples=["C", "14"],
    ),
]
CommuneCode = Annotated[str, Field(pattern=r"^[0-9]{5}$", examples=["29557"])]
Amount = Annotated[int, Field(ge=0, le=MAX_SALARY_VND)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Salary(_Input):
    """As posted: whole VND per `period`. Give min and/or max, or mark it negotiable."""

    min: Amount | None = Field(default=None, examples=[8_000_000])
    max: Amount | None = Field(default=None, examples=[12_000_000])
    currency: Literal["VND"] = "VND"
    period: SalaryPeriod = SalaryPeriod.month
    negotiable: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        if self.min is None and self.max is None and not self.negotiable:
            raise ValueError("give min and/or max, or set negotiable")
        return self


class SalaryRead(Salary):
    monthly_min: int | None = Field(description="Normalised to VND per month.")
    monthly_max: int | None = Field(description="Normalised to VND per month.")


class Requirements(_Input):
    education_level: EducationLevel | None = None
    experience_years: int | None = Field(default=None, ge=0, le=50)
    age_min: int | None = Field(default=None, ge=15, le=80)
    age_max: int | None = Field(default=None, ge=15, le=80)

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min must not exceed age_max")
        return self


class Contact(_Input):
    name: Name = Field(examples=["Chị Lan, phòng nhân sự"])
    phone: Phone | None = Field(default=None, examples=["0912 345 678"])
    email: EmailStr | None = Field(default=None, examples=["tuyendung@phuochau.vn"])

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.phone is None and self.email is None:
            raise ValueError("give a phone number or an email address")
        return self


class Coordinates(_Input):
    lon: Longitude
    lat: Latitude


class SiteIn(_Input):
    """A place of work: exact coordinates, or only a commune code (placed at a point inside
    the commune and marked approximate)."""

    positions: int = Field(ge=1, le=10_000, examples=[5])
    coordinates: Coordinates | None = None
    commune_code: CommuneCode | None = None
    address: Name | None = Field(default=None, examples=["Lô A2, KCN Hòa Phú"])

    @model_validator(mode="after")
    def _one_location(self) -> Self:
        if (self.coordinates is None) == (self.commune_code is None):
            raise ValueError("give either coordinates or commune_code")
        return self


class VacancyCreate(_Input):
    title: ShortLine = Field(examples=["Kế toán tổng hợp"])
    description: Paragraphs = Field(examples=["Lập chứng từ, sổ sách kế toán; báo cáo thuế."])
    occupation_code: OccupationCode
    industry_code: IndustryCode | None = None
    employment_type: EmploymentType = EmploymentType.full_time
    salary: Salary | None = None
    requirements: Requirements | None = None
    contact: Contact
    valid_through: IsoDatetime | None = Field(
        default=None,
        description="When the vacancy closes (with a time zone). Default and maximum: "
        "configurable, 30 and 90 days from now.",
    )
    external_ref: Ref | None = Field(
        default=None, description="Your own id for it, unique among your vacancies."
    )
    sites: list[SiteIn] = Field(min_length=1, max_length=20)
    status: Literal["draft", "open"] = Field(
        default="open", description="`draft` keeps it private until you publish it."
    )


class VacancyUpdate(_Input):
    """Only the fields sent change; `null` clears an optional field. `sites`, when sent,
    replaces all sites. `status: open` publishes a draft."""

    title: ShortLine | None = None
    description: Paragraphs | None = None
    occupation_code: OccupationCode | None = None
    industry_code: IndustryCode | None = None
    employment_type: EmploymentType | None = None
    salary: Salary | None = None
    requirements: Requirements | None = None
    contact: Contact | None = None
    valid_through: IsoDatetime | None = None
    external_ref: Ref | None = None
    sites: list[SiteIn] | None = Field(default=None, min_length=1, max_length=20)
    status: Literal["open"] | None = None


REQUIRED_ON_UPDATE = frozenset(
    {"title", "description", "occupation_code", "employment_type", "contact", "valid_through",
     "sites", "status"}
)  # fmt: skip


class CloseRequest(_Input):
    reason: Literal["filled", "withdrawn"]


class CodeName(BaseModel):
    code: str
    name: str | None


class ClassName(BaseModel):
    """A classification code with its names: `name` is the Vietnamese name where the list has
    one, else the English; `name_vi` and `name_en` are both, for the interface's language."""

    code: str
    name: str | None
    name_vi: str | None
    name_en: str | None


class IndustryRead(ClassName):
    version: str = Field(
        description="The VSIC version the code is read in: the one in force on the posting date "
        "(`2018`, or `2025` from 2025-11-15).",
        examples=["2025"],
    )


class EmployerRef(BaseModel):
    id: uuid.UUID
    name: str
    verified: bool


class SiteRead(BaseModel):
    id: int
    positions: int
    lon: float
    lat: float
    approximate: bool = Field(description="Placed at a point inside the commune, not exact.")
    commune: CodeName
    address: str | None


class ContactRead(BaseModel):
    name: str
    phone: str | None
    email: str | None
    masked: bool = Field(default=False, description="Hidden in part: the vacancy is closed.")


class VacancyRead(BaseModel):
    id: uuid.UUID
    employer: EmployerRef
    external_ref: str | None
    title: str
    description: str
    occupation: ClassName
    industry: IndustryRead | None
    employment_type: EmploymentType
    salary: SalaryRead | None
    requirements: Requirements
    contact: ContactRead
    valid_through: datetime
    status: VacancyStatus = Field(description="`closed` as soon as valid_through has passed.")
    close_reason: CloseReason | None
    positions: int = Field(description="Total over all sites.")
    sites: list[SiteRead]
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class ChangeEvent(BaseModel):
    id: int
    kind: EventKind
    vacancy_id: uuid.UUID
    occurred_at: datetime


class ChangesPage(BaseModel):
    events: list[ChangeEvent]
    next_cursor: str = Field(description="Pass as `after` to continue; stable when empty.")


class BulkItemResult(BaseModel):
    index: int
    status: Literal["created", "conflict", "invalid"]
    id: uuid.UUID | None = None
    location: str | None = None
    detail: str | None = None
    errors: list[FieldError] | None = None


class BulkResult(BaseModel):
    created: int
    conflicts: int
    invalid: int
    items: list[BulkItemResult]
