"""HTTP routes for vacancies: posting, reading, changing, closing, bulk, the changes feed."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.auth.dependencies import AnyPrincipal, EmployerPrincipal, OptionalPrincipal, Principal
from app.config import Settings
from app.db import SessionDep, db_now
from app.dependencies import SettingsDep
from app.errors import (
    AppError,
    ConflictError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    Problem,
    UnsupportedMediaTypeError,
    translate_db_error,
)
from app.errors import validation_errors as field_errors
from app.http_cache import etag_matches
from app.idempotency import IdempotencyKey, fingerprint, run_once
from app.models import CloseReason
from app.vacancies import jsonld, repository, service
from app.vacancies.repository import VacancyBundle
from app.vacancies.schemas import (
    BulkItemResult,
    BulkResult,
    ChangeEvent,
    ChangesPage,
    CloseRequest,
    VacancyCreate,
    VacancyRead,
    VacancyUpdate,
)

router = APIRouter(prefix="/vacancies", tags=["vacancies"])

MAX_BULK_ITEMS = 500
NDJSON = "application/x-ndjson"
JSON = "application/json"
VacancyId = Annotated[uuid.UUID, Path(description="The vacancy's id.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The key's role may not do this."},
    404: {"model": Problem, "description": "No such vacancy (or not yours)."},
    422: {"model": Problem, "description": "Invalid input; `errors` names the fields."},
}


async def _now(session: SessionDep) -> datetime:
    return await db_now(session)


NowDep = Annotated[datetime, Depends(_now)]


async def _load(
    session: AsyncSession, vacancy_id: uuid.UUID, *, for_update: bool = False
) -> VacancyBundle:
    bundle = await repository.load(session, vacancy_id, for_update=for_update)
    if bundle is None:
        raise NotFoundError(f"No vacancy {vacancy_id}.")
    return bundle


async def _bundle(session: SessionDep, vacancy_id: VacancyId) -> VacancyBundle:
    return await _load(session, vacancy_id)


async def _locked_bundle(session: SessionDep, vacancy_id: VacancyId) -> VacancyBundle:
    """For writes: the row is locked until commit, so concurrent writes queue up."""
    return await _load(session, vacancy_id, for_update=True)


async def owned_vacancy(
    principal: EmployerPrincipal, bundle: Annotated[VacancyBundle, Depends(_locked_bundle)]
) -> VacancyBundle:
    return service.check_owner(bundle, principal, bundle.vacancy.id)


def _json(bundle: VacancyBundle, principal: Any, now: datetime, status_code: int = 200) -> Response:
    body = service.to_read(bundle, principal, now).model_dump_json().encode()
    return Response(
        body,
        status_code=status_code,
        media_type="application/json",
        headers={
            "ETag": service.etag(bundle, now),
            "Location": service.vacancy_url(bundle.vacancy.id),
            "Cache-Control": "private, no-cache",
        },
    )


@router.post(
    "",
    status_code=201,
    response_model=VacancyRead,
    responses={**ERRORS, 409: {"model": Problem, "description": "A duplicate is open already."}},
    summary="Post a vacancy (employer)",
)
async def create_vacancy(
    session: SessionDep,
    settings: SettingsDep,
    principal: EmployerPrincipal,
    payload: VacancyCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Post a vacancy with 1 to 20 work sites. Each site gets the commune it lies in; a site
    given by commune code is placed inside that commune and marked approximate."""

    async def create() -> Response:
        vacancy_id = await service.create(session, principal, payload, settings)
        bundle = await _load(session, vacancy_id)
        return _json(bundle, principal, await db_now(session), status_code=201)

    return await run_once(
        session,
        scope=principal.scope,
        endpoint="POST /v1/vacancies",
        key=idempotency_key,
        request_hash=fingerprint(payload.model_dump(mode="json")),
        create=create,
    )


@router.post(
    "/bulk",
    response_model=BulkResult,
    responses={**ERRORS, 415: {"model": Problem, "description": "Neither JSON nor NDJSON."}},
    summary="Post up to 500 vacancies at once (employer)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        # Any object is taken: each is checked on its own, and one that is
                        # not a valid VacancyCreate is reported `invalid` in the results.
                        "items": {
                            "anyOf": [
                                {"$ref": "#/components/schemas/VacancyCreate"},
                                {"type": "object"},
                            ]
                        },
                        "minItems": 1,
                        "maxItems": MAX_BULK_ITEMS,
                    }
                },
                NDJSON: {
                    "schema": {"type": "string", "description": "One VacancyCreate per line."}
                },
            },
        }
    },
)
async def create_vacancies_bulk(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: EmployerPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A JSON array or NDJSON of vacancies. Each item is created on its own (atomically) or
    reported as `conflict` or `invalid` with its errors; the others still go through."""
    items = await _bulk_items(request)

    async def create_all() -> Response:
        results = [
            await _create_one(session, principal, settings, i, item) for i, item in enumerate(items)
        ]
        summary = BulkResult(
            created=sum(r.status == "created" for r in results),
            conflicts=sum(r.status == "conflict" for r in results),
            invalid=sum(r.status == "invalid" for r in results),
            items=results,
        )
        return Response(
            summary.model_dump_json(exclude_none=True).encode(), media_type="application/json"
        )

    return await run_once(
        session,
        scope=principal.scope,
        endpoint="POST /v1/vacancies/bulk",
        key=idempotency_key,
        request_hash=fingerprint(items),
        create=create_all,
    )


def _bulk_media_type(content_type: str | None) -> str:
    """JSON (also when unsaid, as FastAPI reads other bodies) or NDJSON; 415 for anything else:
    a text/plain or XML body is not read as JSON."""
    value = (content_type or JSON).split(";")[0].strip().lower()
    if value in (JSON, NDJSON) or (value.startswith("application/") and value.endswith("+json")):
        return value
    raise UnsupportedMediaTypeError(f"Send the vacancies as {JSON} or {NDJSON}, not {value}.")


async def _bulk_items(request: Request) -> list[Any]:
    media_type = _bulk_media_type(request.headers.get("content-type"))
    raw = await request.body()
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
            vacancy_id = await service.create(session, principal, payload, settings)
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
        location=service.vacancy_url(vacancy_id),
    )


@router.get(
    "/changes",
    response_model=ChangesPage,
    responses={422: ERRORS[422]},
    summary="Feed of changes to public vacancies",
)
async def list_changes(
    session: SessionDep,
    after: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangesPage:
    """Created / updated / closed / expired events in commit order. Poll with the last
    `next_cursor`: no event is ever skipped or repeated, even while writers commit
    concurrently. An event appears once every older transaction has finished."""
    position = (0, 0)
    if after is not None:
        values = cursors.decode(after, "query.after", {"t": int, "i": int})
        position = (values["t"], values["i"])
    rows = await repository.changes(session, after=position, limit=limit)
    if rows:
        position = (rows[-1].txid, rows[-1].id)
    return ChangesPage(
        events=[
            ChangeEvent(id=r.id, kind=r.kind, vacancy_id=r.vacancy_id, occurred_at=r.occurred_at)
            for r in rows
        ],
        next_cursor=cursors.encode({"t": position[0], "i": position[1]}),
    )


@router.get(
    "/{vacancy_id:uuid}",
    response_model=VacancyRead,
    responses={
        200: {"content": {jsonld.JSONLD_MEDIA_TYPE: {"schema": {"type": "object"}}}},
        304: {"description": "Not modified (If-None-Match)."},
        404: ERRORS[404],
        410: {"model": Problem, "description": "Closed or expired."},
    },
    summary="One vacancy (JSON, or schema.org JobPosting as application/ld+json)",
)
async def get_vacancy(
    request: Request,
    principal: OptionalPrincipal,
    bundle: Annotated[VacancyBundle, Depends(_bundle)],
    now: NowDep,
) -> Response:
    """Public for open vacancies of verified employers (410 once closed or expired); owners
    and the department see every state. `Accept: application/ld+json` gives a JobPosting."""
    service.check_readable(bundle, principal, now)
    if jsonld.prefers_jsonld(request.headers.get("accept")):
        tag = service.etag(bundle, now, variant="ld")
        body = json.dumps(
            jsonld.job_posting(
                service.to_read(bundle, principal, now), str(request.base_url).rstrip("/")
            ),
            ensure_ascii=False,
        ).encode()
        response = Response(body, media_type=jsonld.JSONLD_MEDIA_TYPE, headers={"ETag": tag})
    else:
        response = _json(bundle, principal, now)
        del response.headers["location"]
    response.headers["Vary"] = "Accept, Authorization"
    if etag_matches(request.headers.get("if-none-match"), response.headers["etag"]):
        return Response(
            status_code=304,
            headers={"ETag": response.headers["etag"], "Vary": response.headers["Vary"]},
        )
    return response


@router.patch(
    "/{vacancy_id:uuid}",
    response_model=VacancyRead,
    responses={
        **ERRORS,
        409: {"model": Problem},
        412: {"model": Problem, "description": "If-Match did not match."},
    },
    summary="Change a vacancy (its employer)",
)
async def update_vacancy(
    session: SessionDep,
    settings: SettingsDep,
    principal: EmployerPrincipal,
    bundle: Annotated[VacancyBundle, Depends(owned_vacancy)],
    payload: VacancyUpdate,
    now: NowDep,
    if_match: Annotated[
        str | None, Header(description="The ETag you last read: 412 if it changed since.")
    ] = None,
) -> Response:
    """Change fields of your vacancy; `status: open` publishes a draft. Send `If-Match` with
    the ETag you read to make sure you do not overwrite someone else's change."""
    current = service.etag(bundle, now)
    if if_match is not None and not etag_matches(if_match, current, weak=False):
        raise PreconditionFailedError("The vacancy changed since you read it: GET it again.")
    await service.update(session, bundle, payload, settings)
    return _json(await _load(session, bundle.vacancy.id), principal, await db_now(session))


@router.post(
    "/{vacancy_id:uuid}/close",
    response_model=VacancyRead,
    responses={**ERRORS, 409: {"model": Problem, "description": "Already closed."}},
    summary="Close a vacancy as filled or withdrawn",
)
async def close_vacancy(
    session: SessionDep,
    principal: AnyPrincipal,
    bundle: Annotated[VacancyBundle, Depends(_locked_bundle)],
    payload: CloseRequest,
) -> Response:
    """The employer closes its vacancy (`filled` or `withdrawn`); the department may withdraw
    any vacancy (moderation), but only the employer knows it is filled."""
    if not principal.is_staff:
        service.check_owner(bundle, principal, bundle.vacancy.id)
    elif payload.reason != "withdrawn":
        raise ForbiddenError("The department can only withdraw a vacancy.")
    await service.close(session, bundle, CloseReason(payload.reason))
    return _json(await _load(session, bundle.vacancy.id), principal, await db_now(session))
