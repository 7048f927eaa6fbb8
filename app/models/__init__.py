"""ORM tables, one module per aggregate. Importing this package registers them all."""

from app.models.area import Area, AreaLevel, AreaSuccession
from app.models.audit import AuditEvent
from app.models.classification import Industry, IndustryCorrespondence, Occupation
from app.models.employer import ApiKey, Employer, Role
from app.models.map_version import MapVersion
from app.models.placement import Channel, Destination, Placement, Sex
from app.models.placement_year_version import PlacementYearVersion
from app.models.plan import IndicatorValue, PlanRevision, PlanTarget
from app.models.programme import Programme, ProgrammeArea, ProgrammeTarget
from app.models.search_word import SearchWord
from app.models.site_cell import SiteCell
from app.models.travel_speed import TravelMode, TravelSpeed
from app.models.vacancy import (
    CloseReason,
    EducationLevel,
    EmploymentType,
    EventKind,
    IdempotencyRecord,
    SalaryPeriod,
    Vacancy,
    VacancyEvent,
    VacancySite,
    VacancyStatus,
    is_open,
)
from app.models.vacancy_due import VacancyDue

__all__ = [
    "ApiKey",
    "Area",
    "AreaLevel",
    "AreaSuccession",
    "AuditEvent",
    "Channel",
    "CloseReason",
    "Destination",
    "EducationLevel",
    "Employer",
    "EmploymentType",
    "EventKind",
    "IdempotencyRecord",
    "IndicatorValue",
    "Industry",
    "IndustryCorrespondence",
    "MapVersion",
    "Occupation",
    "Placement",
    "PlacementYearVersion",
    "PlanRevision",
    "PlanTarget",
    "Programme",
    "ProgrammeArea",
    "ProgrammeTarget",
    "Role",
    "SalaryPeriod",
    "SearchWord",
    "Sex",
    "SiteCell",
    "TravelMode",
    "TravelSpeed",
    "Vacancy",
    "VacancyDue",
    "VacancyEvent",
    "VacancySite",
    "VacancyStatus",
    "is_open",
]
