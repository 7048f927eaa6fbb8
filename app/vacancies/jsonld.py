"""A vacancy as a schema.org JobPosting (what search engines and job portals read)."""

from __future__ import annotations

from typing import Any

from app.vacancies.schemas import VacancyRead

JSONLD_MEDIA_TYPE = "application/ld+json"

# schema.org employmentType values.
_EMPLOYMENT_TYPE = {
    "full_time": "FULL_TIME",
    "part_time": "PART_TIME",
    "seasonal": "TEMPORARY",
    "contract": "CONTRACTOR",
    "internship": "INTERN",
}
_UNIT = {"hour": "HOUR", "day": "DAY", "month": "MONTH", "year": "YEAR"}


def prefers_jsonld(accept: str | None) -> bool:
    """True when the Accept header ranks JSON-LD above plain JSON (q-values respected)."""
    if not accept:
        return False
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = max(weight, weights.get(media.lower(), 0.0))
    ld = weights.get(JSONLD_MEDIA_TYPE, 0.0)
    plain = max(weights.get("application/json", 0.0), weights.get("*/*", 0.0) * 0.99)
    return ld > 0 and ld >= plain


def job_posting(vacancy: VacancyRead, base_url: str) -> dict[str, Any]:
    posting: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "@id": f"{base_url}/v1/vacancies/{vacancy.id}",
        "url": f"{base_url}/v1/vacancies/{vacancy.id}",
        "identifier": {"@type": "PropertyValue", "name": "jobmap", "value": str(vacancy.id)},
        "title": vacancy.title,
        "description": vacancy.description,
        "datePosted": (vacancy.published_at or vacancy.created_at).isoformat(),
        "validThrough": vacancy.valid_through.isoformat(),
        "employmentType": _EMPLOYMENT_TYPE[vacancy.employment_type.value],
        "hiringOrganization": {"@type": "Organization", "name": vacancy.employer.name},
        "totalJobOpenings": vacancy.positions,
        "occupationalCategory": {
            "@type": "CategoryCode",
            "codeValue": vacancy.occupation.code,
            "inCodeSet": "ISCO-08",
            "name": vacancy.occupation.name,
        },
        "jobLocation": [
            {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": site.address,
                    "addressLocality": site.commune.name,
                    "addressRegion": "Vĩnh Long",
                    "addressCountry": "VN",
                },
                "geo": {"@type": "GeoCoordinates", "longitude": site.lon, "latitude": site.lat},
            }
            for site in vacancy.sites
        ],
    }
    if vacancy.industry is not None:
        posting["industry"] = vacancy.industry.name or vacancy.industry.code
    salary = vacancy.salary
    if salary is not None and (salary.min is not None or salary.max is not None):
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": _UNIT[salary.period]}
        if salary.min is not None:
            value["minValue"] = salary.min
        if salary.max is not None:
            value["maxValue"] = salary.max
        posting["baseSalary"] = {"@type": "MonetaryAmount", "currency": "VND", "value": value}
    return posting
