"""HTTP routes for vacancies: posting, reading, changing, closing, bulk, the changes feed."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from app.auth.dependencies import AnyPrincipal, EmployerPrincipal, OptionalPrincipal
from app.db import SessionDep, db_now
from app.dependencies import SettingsDep
from app.errors import Problem
from app.http_cache import etag_matches
from app.idempotency import IdempotencyKey, fingerprint, run_once
from app.models import CloseReason
from app.vacancies import jsonld, posting, reads, service
from app.vacancies.posting import MAX_BULK_ITEMS, NDJSON
from app.vacancies.reads import Answer, VacancyBundle
from app.vacancies.schemas import (
    BulkResult,
    ChangesPage,
    CloseRequest,
    VacancyCreate,
    VacancyRead,
    VacancyUpdate,
)

router = APIRouter(prefix="/vacancies", tags=["vacancies"])

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


async def _bundle(session: SessionDep, vacancy_id: VacancyId) -> VacancyBundle:
    return await reads.load(session, vacancy_id)


async def _locked_bundle(session: SessionDep, vacancy_id: VacancyId) -> VacancyBundle:
    """For writes: the row is locked until commit, so concurrent writes queue up."""
    return await reads.load(session, vacancy_id, lock=True)


async def owned_vacancy(
    principal: EmployerPrincipal, bundle: Annotated[VacancyBundle, Depends(_locked_bundle)]
) -> VacancyBundle:
    return reads.check_owner(bundle, principal, bundle.vacancy.id)


def _json(answer: Answer, status_code: int = 200, *, located: bool = True) -> Response:
    headers = {"ETag": answer.etag}
    if located:
        headers["Location"] = answer.location
    headers["Cache-Control"] = "private, no-cache"
    return Response(
        answer.read.model_dump_json().encode(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
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
        return _json(await posting.create(session, principal, payload, settings), 201)

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
    items = await posting.read_bulk(request.headers.get("content-type"), request.body)

    async def create_all() -> Response:
        summary = await posting.create_many(session, principal, items, settings)
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
    return await reads.changes(session, after=after, limit=limit)


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
    ld = jsonld.prefers_jsonld(request.headers.get("accept"))
    answer = reads.show(bundle, principal, now, variant="ld" if ld else "json")
    if ld:
        base_url = str(request.base_url).rstrip("/")
        body = json.dumps(jsonld.job_posting(answer.read, base_url), ensure_ascii=False).encode()
        response = Response(
            body, media_type=jsonld.JSONLD_MEDIA_TYPE, headers={"ETag": answer.etag}
        )
    else:
        response = _json(answer, located=False)
    response.headers["Vary"] = "Accept, Authorization"
    if etag_matches(request.headers.get("if-none-match"), response.headers["etag"]):
        # The 200's caching headers (Cache-Control without a key: app/http_cache.py).
        kept = ("ETag", "Vary", "Cache-Control")
        return Response(
            status_code=304,
            headers={name: response.headers[name] for name in kept if name in response.headers},
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
    if_match: Annotated[
        str | None, Header(description="The ETag you last read: 412 if it changed since.")
    ] = None,
) -> Response:
    """Change fields of your vacancy; `status: open` publishes a draft. Send `If-Match` with
    the ETag you read to make sure you do not overwrite someone else's change."""
    answer = await service.update(session, principal, bundle, payload, settings, if_match=if_match)
    return _json(answer)


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
    return _json(await service.close(session, principal, bundle, CloseReason(payload.reason)))
