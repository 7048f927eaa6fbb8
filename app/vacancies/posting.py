"""Posting vacancies: one, or up to 500 at once, each of those created whole in its own
savepoint or reported as a conflict or invalid while the others still go through."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.classifications.versions import industry_version_on
from app.config import Settings
from app.db import db_now
from app.errors import (
    AppError,
    ConflictError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    UnsupportedMediaTypeError,
    translate_db_error,
)
from app.errors import validation_errors as field_errors
from app.models import EventKind, Vacancy, VacancyStatus
from app.vacancies import events, reads, repository, rules
from app.vacancies.schemas import BulkItemResult, BulkResult, VacancyCreate

MAX_BULK_ITEMS = 500
NDJSON = "application/x-ndjson"
JSON = "application/json"


async def create(
    session: AsyncSession, principal: Principal, payload: VacancyCreate, settings: Settings
) -> reads.Answer:
    """Post a vacancy; the answer is the vacancy as its employer now sees it."""
    vacancy_id = await _insert(session, principal, payload, settings)
    return await reads.answer(session, vacancy_id, principal)


async def _insert(
    session: AsyncSession, principal: Principal, payload: VacancyCreate, settings: Settings
) -> uuid.UUID:
    if principal.employer_id is None:  # guaranteed by the route's role check
        raise ForbiddenError("Only an employer's key can post vacancies.")
    now = await db_now(session)
    today = now.astimezone(settings.tz).date()
    industry_version = industry_version_on(today)  # the posting date's VSIC
    await rules.check_codes(
        session, payload.occupation_code, payload.industry_code, industry_version
    )
    placed = await rules.place_sites(session, payload.sites, today)
    await repository.lock_employer_postings(session, principal.employer_id)
    await rules.refuse_taken_ref(session, principal.employer_id, payload.external_ref, None)

    vacancy = Vacancy(
        id=uuid.uuid4(),
        employer_id=principal.employer_id,
        external_ref=payload.external_ref,
        title=payload.title,
        description=payload.description,
        occupation_code=payload.occupation_code,
        industry_code=payload.industry_code,
        industry_version=industry_version if payload.industry_code else None,
        employment_type=payload.employment_type.value,
        salary_currency="VND",
        contact_name=payload.contact.name,
        contact_phone=payload.contact.phone,
        contact_email=payload.contact.email,
        status=payload.status,
        valid_through=rules.valid_through(payload.valid_through, settings, now),
        positions=sum(site.positions for site, _ in placed),
        published_at=now if payload.status == "open" else None,
        sites=[site for site, _ in placed],
    )
    rules.apply_salary(vacancy, payload)
    rules.apply_requirements(vacancy, payload.requirements)
    if vacancy.status == VacancyStatus.open:
        await rules.refuse_duplicate(session, vacancy, [point for _, point in placed])
    session.add(vacancy)
    await session.flush()
    if vacancy.status == VacancyStatus.open and await events.employer_verified(
        session, vacancy.employer_id
    ):
        await events.add_event(session, vacancy.id, EventKind.created)
    return vacancy.id


# Bulk ------------------------------------------------------------------------------------------


async def read_bulk(content_type: str | None, body: Callable[[], Awaitable[bytes]]) -> list[Any]:
    """The items of a bulk request: its media type is checked before `body` is read."""
    media_type = _bulk_media_type(content_type)
    return _bulk_items(media_type, await body())


def _bulk_media_type(content_type: str | None) -> str:
    """JSON (also when unsaid, as FastAPI reads other bodies) or NDJSON; 415 for anything else:
    a text/plain or XML body is not read as JSON."""
    value = (content_type or JSON).split(";")[0].strip().lower()
    if value in (JSON, NDJSON) or (value.startswith("application/") and value.endswith("+json")):
        return value
    raise UnsupportedMediaTypeError(f"Send the vacancies as {JSON} or {NDJSON}, not {value}.")


def _bulk_items(media_type: str, raw: bytes) -> list[Any]:
    try:
        text = raw.decode("utf-8")
        if media_type == NDJSON:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidInputError(
            "The body is not valid UTF-8 JSON (or NDJSON).", field="body", reason="json_invalid"
        ) from exc
    if not isinstance(items, list) or not items:
        raise InvalidInputError(
            "Send a non-empty JSON array (or NDJSON lines) of vacancies.", field="body"
        )
    if len(items) > MAX_BULK_ITEMS:
        raise InvalidInputError(
            f"At most {MAX_BULK_ITEMS} vacancies per request ({len(items)} sent).",
            field="body",
            reason="too_long",
        )
    # An item that is not even an object is a malformed request, not a vacancy to report.
    not_objects = [index for index, item in enumerate(items) if not isinstance(item, dict)]
    if not_objects:
        raise InvalidInputError(
            "Each item must be a JSON object (a vacancy).",
            errors=[
                FieldError(field=f"body.{index}", message="not an object", type="object_type")
                for index in not_objects[:20]
            ],
        )
    return items


async def create_many(
    session: AsyncSession, principal: Principal, items: list[Any], settings: Settings
) -> BulkResult:
    """Each item created on its own, in order; the count of each outcome."""
    results = [
        await _create_one(session, principal, settings, i, item) for i, item in enumerate(items)
    ]
    return BulkResult(
        created=sum(r.status == "created" for r in results),
        conflicts=sum(r.status == "conflict" for r in results),
        invalid=sum(r.status == "invalid" for r in results),
        items=results,
    )


async def _create_one(
    session: AsyncSession, principal: Principal, settings: Settings, index: int, item: object
) -> BulkItemResult:
    """One bulk item in its own savepoint: it is created whole or not at all."""
    try:
        payload = VacancyCreate.model_validate(item)
    except ValidationError as exc:
        raw = [{**error, "loc": ("body", index, *error["loc"])} for error in exc.errors()]
        return BulkItemResult(
            index=index, status="invalid", detail="Invalid vacancy.", errors=field_errors(raw)
        )
    try:
        async with session.begin_nested():
            vacancy_id = await _insert(session, principal, payload, settings)
    except ConflictError as exc:
        return BulkItemResult(
            index=index, status="conflict", detail=exc.detail, location=exc.extra.get("existing")
        )
    except DBAPIError as exc:
        translated = translate_db_error(exc)
        if translated is None:
            raise
        status = "conflict" if isinstance(translated, ConflictError) else "invalid"
        return BulkItemResult(index=index, status=status, detail=translated.detail)
    except AppError as exc:
        errors = [
            FieldError(
                field=error.field.replace("body.", f"body.{index}.", 1),
                message=error.message,
                type=error.type,
            )
            for error in exc.errors or []
        ]
        return BulkItemResult(
            index=index, status="invalid", detail=exc.detail, errors=errors or None
        )
    return BulkItemResult(
        index=index,
        status="created",
        id=vacancy_id,
        location=reads.vacancy_url(vacancy_id),
    )
