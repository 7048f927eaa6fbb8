"""What the statistics count: indicators, grouping dimensions, age groups. The definitions
here are the ones docs/statistics.md explains; change both together."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    unit: Literal["people", "percent"]
    # `placements`: counted from the records here; `manual`: values measured elsewhere.
    source: Literal["placements", "manual"]
    definition: str


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "new_jobs",
            "Giải quyết việc làm mới",
            "New jobs created",
            "people",
            "placements",
            "Distinct people placed into jobs from 1 January to the date, in the country or "
            "abroad; voided records do not count; a person placed twice counts once.",
        ),
        Indicator(
            "sent_abroad",
            "Đưa người lao động đi làm việc ở nước ngoài theo hợp đồng",
            "Workers sent abroad under contract",
            "people",
            "placements",
            "Distinct people placed into jobs abroad from 1 January to the date.",
        ),
        Indicator(
            "trained_labour_ratio",
            "Tỷ lệ lao động qua đào tạo",
            "Trained labour ratio",
            "percent",
            "manual",
            "Share of the labour force with training, from surveys: the value entered for the "
            "latest period of the year that ends on or before the date.",
        ),
        Indicator(
            "trained_labour_certified_ratio",
            "Tỷ lệ lao động qua đào tạo có bằng cấp, chứng chỉ",
            "Trained labour ratio with degrees or certificates",
            "percent",
            "manual",
            "As trained_labour_ratio, counting only training with a degree or certificate.",
        ),
    )
}


class Dimension(StrEnum):
    month = "month"
    quarter = "quarter"
    half = "half"
    year = "year"
    area = "area"
    sex = "sex"
    age_group = "age_group"
    trained = "trained"
    destination = "destination"
    destination_country = "destination_country"
    channel = "channel"
    occupation_major = "occupation_major"
    industry_section = "industry_section"


TIME_DIMENSIONS = (Dimension.month, Dimension.quarter, Dimension.half, Dimension.year)

# (label, lowest age, highest age) by age at placement = placement year - birth year; the
# ten-year bands of the Labour Force Survey from 15, with 15-24 the youth group.
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("15-24", 15, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65+", 65, 200),
)


class AreaLevel(StrEnum):
    commune = "commune"
    district = "district"


class AreaBasis(StrEnum):
    residence = "residence"
    work = "work"


# Districts were abolished on this date; communes before and after it are different units.
REORGANISATION = "2025-07-01"

# Public statistics: a cell with fewer people than this is suppressed.
MIN_PUBLIC_CELL = 5

# The groupings public statistics publish, one at a time (docs/statistics.md, "Public
# statistics"): every one of a year's tables is audited with all the others. The first is
# what the audit sums the totals by.
PUBLIC_GROUPINGS = (
    Dimension.area,
    Dimension.sex,
    Dimension.age_group,
    Dimension.trained,
    Dimension.destination,
    Dimension.destination_country,
    Dimension.channel,
    Dimension.occupation_major,
    Dimension.industry_section,
)
