"""The rows the demo writes with COPY: their field names are the tables' column names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class EmployerRow(NamedTuple):
    id: uuid.UUID
    name: str
    tax_code: str
    address: str
    phone: str
    email: str
    website: str | None
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


class VacancyRow(NamedTuple):
    id: uuid.UUID
    employer_id: uuid.UUID
    external_ref: str | None
    title: str
    description: str
    occupation_code: str
    industry_code: str
    industry_version: str
    employment_type: str
    salary_min: int | None
    salary_max: int | None
    salary_currency: str
    salary_period: str | None
    salary_negotiable: bool
    salary_monthly_min: int | None
    salary_monthly_max: int | None
    education_level: str | None
    experience_years: int | None
    age_min: int | None
    age_max: int | None
    contact_name: str
    contact_phone: str
    contact_email: str | None
    status: str
    close_reason: str | None
    valid_through: datetime
    positions: int
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class SiteRow(NamedTuple):
    """A work site without its point: PostGIS draws the points (see `Batch.point_seed`)."""

    seq: int  # order within the batch
    vacancy_id: uuid.UUID
    positions: int
    approximate: bool
    area_id: int
    commune_code: str
    commune_no: int  # index in code order, stable across databases
    # 1-based index among this batch's exact sites in the commune; 0 for approximate sites.
    ordinal: int
    address: str | None


class SiteFill(NamedTuple):
    """A site's copy of its vacancy's columns (jobmap_site_fill), staged for the fast path."""

    listed: bool  # open, of a verified employer (public while valid_through is ahead)
    valid_through: datetime
    employer_id: uuid.UUID
    occupation_code: str
    industry_code: str | None
    employment_type: str
    salary_monthly_min: int | None
    salary_monthly_max: int | None
    published_at: datetime | None


@dataclass(frozen=True)
class Batch:
    vacancies: list[VacancyRow]
    sites: list[SiteRow]
    # Commune number i draws its points with ST_GeneratePoints(geom, k, point_seed + i).
    point_seed: int


# Column orders for COPY.
EMPLOYER_COLUMNS = EmployerRow._fields
VACANCY_COLUMNS = VacancyRow._fields
SITE_STAGE_COLUMNS = SiteRow._fields + SiteFill._fields
# The vacancy_site columns jobmap_site_fill writes, but `public` (which the stage computes).
SITE_FILL_COLUMNS = SiteFill._fields[1:]
DOCUMENT_COLUMNS = ("title_folded", "title_doc", "search_doc")
