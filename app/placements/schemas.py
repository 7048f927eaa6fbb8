"""Request and response bodies for placements. Responses never carry the personal reference."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.dependencies import IsoDate
from app.models import Channel, Destination, Sex
from app.text import Line, Name
from app.vacancies.schemas import CommuneCode, IndustryCode, OccupationCode

PersonRef = Annotated[
    Line,
    StringConstraints(min_length=4, max_length=64),
    Field(
        description="National ID number (CCCD) or another reference that identifies the person. "
        "Never stored: only a keyed hash, so the same person is counted once.",
        examples=["086201001234"],
    ),
]
CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
    Field(description="ISO 3166-1 alpha-2.", examples=["JP"]),
]
BirthYear = Annotated[int, Field(ge=1900, le=2200, examples=[1998])]
Reason = Annotated[Line, StringConstraints(min_length=3, max_length=500)]
EmployerName = Name


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(_Input):
    person_ref: PersonRef
    sex: Sex
    birth_year: BirthYear
    trained: bool = Field(description="Has vocational training (qua đào tạo).")
    residence_commune_code: CommuneCode | None = Field(
        default=None,
        description="The commune the person lives in, valid on placed_on (a pre-2025 code "
        "before 2025-07-01). Null: outside the province or unknown.",
    )


class PersonUpdate(_Input):
    person_ref: PersonRef | None = None
    sex: Sex | None = None
    birth_year: BirthYear | None = None
    trained: bool | None = None
    residence_commune_code: CommuneCode | None = None


def destination_country_rule(destination: Destination | None, country: str | None) -> str | None:
    """The country as stored: null for domestic (Việt Nam), required and foreign when abroad."""
    if destination is Destination.abroad:
        if country is None:
            raise ValueError("destination_country is required when destination is abroad")
        if country == "VN":
            raise ValueError("destination_country VN is not abroad")
        return country
    if destination is Destination.domestic and country not in (None, "VN"):
        raise ValueError("a domestic placement has no destination_country (or VN)")
    return None if destination is Destination.domestic else country


class PlacementCreate(_Input):
    """A hire. Employers record hires for their own vacancies (`vacancy_id` required); the
    department records any placement, with or without a vacancy here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "placed_on": "2026-03-02",
                    "vacancy_id": "0b7f3c1e-2a4d-4f6b-9c8e-1d2f3a4b5c6d",
                    "person": {
                        "person_ref": "086201001234",
                        "sex": "female",
                        "birth_year": 1999,
                        "trained": True,
                        "residence_commune_code": "29557",
                    },
                    "destination": "domestic",
                    "channel": "job_map",
                },
                {
                    "placed_on": "2026-03-05",
                    "employer_name": "Công ty CP Cung ứng Nhân lực Quốc tế",
                    "person": {
                        "person_ref": "086199004321",
                        "sex": "male",
                        "birth_year": 1997,
                        "trained": False,
                        "residence_commune_code": "29590",
                    },
                    "destination": "abroad",
                    "destination_country": "JP",
                    "occupation_code": "72",
                    "channel": "labour_export",
                },
            ]
        },
    )

    placed_on: IsoDate = Field(description="The first day of work (not in the future).")
    vacancy_id: uuid.UUID | None = Field(
        default=None, description="The vacancy filled. Its positions count the placement."
    )
    employer_id: uuid.UUID | None = Field(
        default=None, description="A registered employer; derived from the vacancy when linked."
    )
    employer_name: EmployerName | None = Field(
        default=None, description="The hiring organisation when it is not registered here."
    )
    person: PersonIn
    destination: Destination = Destination.domestic
    destination_country: CountryCode | None = None
    work_commune_code: CommuneCode | None = Field(
        default=None,
        description="Where the job is (domestic only). Taken from the vacancy's site when "
        "linked; with several sites in different communes, say which.",
    )
    occupation_code: OccupationCode | None = Field(
        default=None, description="ISCO-08; the vacancy's when linked and not given."
    )
    industry_code: IndustryCode | None = Field(
        default=None,
        description="VSIC, read in the version in force on placed_on (2025 from "
        "2025-11-15); the vacancy's code and version when linked and not given.",
    )
    channel: Channel = Field(description="How the placement came about.")

    @model_validator(mode="after")
    def _destination(self) -> Self:
        self.destination_country = destination_country_rule(
            self.destination, self.destination_country
        )
        if self.destination is Destination.abroad and self.work_commune_code is not None:
            raise ValueError("a placement abroad has no work_commune_code")
        return self


class PlacementUpdate(_Input):
    """A correction: only the fields sent change. The vacancy link cannot change (void the
    record and record the placement again)."""

    placed_on: IsoDate | None = None
    employer_name: EmployerName | None = None
    person: PersonUpdate | None = None
    destination: Destination | None = None
    destination_country: CountryCode | None = None
    work_commune_code: CommuneCode | None = None
    occupation_code: OccupationCode | None = None
    industry_code: IndustryCode | None = None
    channel: Channel | None = None


class VoidRequest(_Input):
    reason: Reason = Field(examples=["Recorded twice"])


class AreaRef(BaseModel):
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None


class PersonRead(BaseModel):
    """What is kept about the person: no name, no reference."""

    sex: Sex
    birth_year: int
    age: int = Field(description="Placement year minus birth year.")
    trained: bool
    residence_commune: AreaRef | None


class PlacementRead(BaseModel):
    id: uuid.UUID
    placed_on: date
    vacancy_id: uuid.UUID | None
    employer_id: uuid.UUID | None
    employer_name: str | None
    person: PersonRead
    destination: Destination
    destination_country: str | None
    work_commune: AreaRef | None
    occupation_code: str | None
    industry_code: str | None
    industry_version: str | None = Field(
        description="The VSIC version industry_code is read in: the vacancy's, or the one in "
        "force on placed_on when the code was sent (`2025` from 2025-11-15)."
    )
    channel: Channel
    status: Literal["active", "voided"]
    void_reason: str | None
    voided_at: datetime | None
    import_batch_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class PlacementPage(BaseModel):
    items: list[PlacementRead]
    next_cursor: str | None


class PlacementImportResult(BaseModel):
    """What a bulk import recorded: every row, in one batch."""

    import_batch_id: uuid.UUID = Field(
        description="Shared by every placement of this import (`import_batch_id` on each)."
    )
    imported: int = Field(description="Placements recorded.", examples=[1250])
    vacancies_filled: list[uuid.UUID] = Field(
        description="Vacancies whose last positions this import filled: closed as `filled`."
    )


@dataclass(frozen=True)
class ListFilter:
    """Which placements a listing shows (None: any)."""

    employer_id: uuid.UUID | None = None
    vacancy_id: uuid.UUID | None = None
    placed_from: date | None = None
    placed_to: date | None = None
    channel: str | None = None
    destination: str | None = None
    include_voided: bool = False
