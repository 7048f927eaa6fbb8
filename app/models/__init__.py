"""ORM tables, one module per aggregate. Importing this package registers them all."""

from app.models.area import Area, AreaLevel
from app.models.classification import Industry, Occupation
from app.models.employer import ApiKey, Employer, Role
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
)

__all__ = [
    "ApiKey",
    "Area",
    "AreaLevel",
    "CloseReason",
    "EducationLevel",
    "Employer",
    "EmploymentType",
    "EventKind",
    "IdempotencyRecord",
    "Industry",
    "Occupation",
    "Role",
    "SalaryPeriod",
    "Vacancy",
    "VacancyEvent",
    "VacancySite",
    "VacancyStatus",
]
