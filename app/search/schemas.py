"""Search responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.models import EmploymentType, SalaryPeriod
from app.vacancies.schemas import CodeName


class ResultSite(BaseModel):
    id: int
    lon: float
    lat: float
    positions: int
    approximate: bool
    commune: CodeName


class ResultSalary(BaseModel):
    min: int | None
    max: int | None
    period: SalaryPeriod | None
    negotiable: bool
    monthly_min: int | None
    monthly_max: int | None


class SearchResult(BaseModel):
    """One matching work site of a vacancy (a vacancy with several matching sites appears
    once per site)."""

    vacancy_id: uuid.UUID
    title: str
    employer: CodeName = Field(description="`code` is the employer's id.")
    occupation_code: str
    industry_code: str | None
    employment_type: EmploymentType
    positions: int = Field(description="All positions of the vacancy.")
    salary: ResultSalary
    published_at: datetime
    valid_through: datetime
    site: ResultSite
    distance_m: float | None = Field(
        default=None, description="With `near`: metres from the point on the WGS84 spheroid."
    )
    travel_s: float | None = Field(
        default=None,
        description="With `travel_mode`: seconds from `near` along the street network, the "
        "walks between the points and their nearest roads included.",
        examples=[734.5],
    )
    travel_m: float | None = Field(
        default=None,
        description="With `travel_mode`: metres of that route (walks included).",
        examples=[5120.3],
    )
    url: str


class SearchPage(BaseModel):
    items: list[SearchResult]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
    total: int | None = Field(
        description="Results in all pages, counted exactly up to 1,000: on the first page "
        "with `count=exact`, else null."
    )
    total_exact: bool | None = Field(description="False when there are more than `total`.")
    text_match: Literal["words", "corrected", "similar"] | None = Field(
        default=None,
        description="With `q`: `words` when results contain its words; `corrected` when no "
        "open vacancy did and the results contain the words of `corrected_q`, its spelling "
        "corrected; `similar` when no correction matched either and the results are titles "
        "similar to it.",
    )
    corrected_q: str | None = Field(
        default=None,
        description="With text_match `corrected`: the query the results are for, folded "
        '(no diacritics), e.g. "cong nhan may" for "cong nhan mya". Show it as '
        '"results for …".',
        examples=["cong nhan may"],
    )
    facets: dict[str, dict[str, int]] | None = Field(
        default=None,
        description="With facets=true: result counts by occupation_group (ISCO major group), "
        "employment_type, commune and salary_band (monthly VND), largest first. Exact up to "
        "about 20,000 results; beyond, estimates (see facets_exact).",
    )
    facets_exact: bool | None = Field(
        default=None,
        description="With facets=true: false when the counts are estimates from a fixed "
        "sample of 1 work site in 64, rounded to two significant figures (groups of fewer "
        "than about 64 results may be missing).",
    )
