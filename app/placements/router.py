"""HTTP routes for placements: record, read, correct, void (and the bulk import)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from app import cursors
from app.auth.dependencies import AnyPrincipal, StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep, TodayDep
from app.errors import PreconditionFailedError, Problem
from app.http_cache import etag_matches
from app.idempotency import IdempotencyKey, fingerprint, run_once
from app.models import Channel, Destination, Placement
from app.placements import importer, reads, references, service, sheets
from app.placements.references import References
from app.placements.schemas import (
    ListFilter,
    PlacementCreate,
    PlacementImportResult,
    PlacementPage,
    PlacementRead,
    PlacementUpdate,
    VoidRequest,
)

router = APIRouter(prefix="/placements", tags=["placements"])

PlacementId = Annotated[uuid.UUID, Path(description="The placement's id.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The key's role may not do this."},
    404: {"model": Problem, "description": "No such placement or vacancy (or not yours)."},
    422: {"model": Problem, "description": "Invalid input; `errors` names the fields."},
}
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag you read: refuse the change (412) if the record changed since.",
    ),
]


def _etag(row: Placement) -> str:
    return f'"p{row.version}"'


def _json(row: Placement, refs: References, status_code: int = 200) -> Response:
    return Response(
        reads.to_read(row, refs).model_dump_json().encode(),
        status_code=status_code,
        media_type="application/json",
        headers={
            "ETag": _etag(row),
            "Location": f"/v1/placements/{row.id}",
            "Cache-Control": "private, no-store",
        },
    )


async def visible_placement(
    session: SessionDep, principal: AnyPrincipal, placement_id: PlacementId
) -> Placement:
    return await reads.visible(session, principal, placement_id, lock=False)


async def locked_placement(
    session: SessionDep,
    principal: AnyPrincipal,
    placement_id: PlacementId,
    if_match: IfMatch = None,
) -> Placement:
    """For corrections: locked until commit, and checked against If-Match."""
    row = await reads.visible(session, principal, placement_id, lock=True)
    if if_match is not None and not etag_matches(if_match, _etag(row), weak=False):
        raise PreconditionFailedError("The placement changed since you read it: read it again.")
    return row


@router.post(
    "",
    status_code=201,
    response_model=PlacementRead,
    responses={
        **ERRORS,
        409: {"model": Problem, "description": "Every position of the vacancy is filled."},
    },
    summary="Record a placement (employer, department)",
)
async def create_placement(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    principal: AnyPrincipal,
    payload: PlacementCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record that a person was placed into a job. Linked to a vacancy, it fills one of its
    positions; the last one closes the vacancy as `filled`, and concurrent hires never
    over-fill it. The person's reference is kept only as a keyed hash."""

    async def create() -> Response:
        row, refs = await service.create(session, principal, payload, settings, today)
        return _json(row, refs, status_code=201)

    return await run_once(
        session,
        scope=principal.scope,
        endpoint="POST /v1/placements",
        key=idempotency_key,
        request_hash=fingerprint(payload.model_dump(mode="json")),
        create=create,
    )


@router.get(
    "",
    response_model=PlacementPage,
    responses=ERRORS,
    summary="List placements (employer: its own; department: all)",
)
async def list_placements(
    session: SessionDep,
    principal: AnyPrincipal,
    placed_from: Annotated[IsoDate | None, Query(description="Placed on or after.")] = None,
    placed_to: Annotated[IsoDate | None, Query(description="Placed on or before.")] = None,
    vacancy_id: uuid.UUID | None = None,
    employer_id: Annotated[
        uuid.UUID | None, Query(description="Department only; employers see their own.")
    ] = None,
    channel: Channel | None = None,
    destination: Destination | None = None,
    include_voided: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=cursors.MAX_CURSOR_LENGTH)] = None,
) -> PlacementPage:
    """Most recently recorded first, with an opaque cursor for the next page."""
    where = ListFilter(
        employer_id=employer_id,
        vacancy_id=vacancy_id,
        placed_from=placed_from,
        placed_to=placed_to,
        channel=channel.value if channel else None,
        destination=destination.value if destination else None,
        include_voided=include_voided,
    )
    return await reads.page(session, principal, where, limit=limit, cursor=cursor)


_IMPORT_EXAMPLE = (
    "placed_on,person_ref,sex,birth_year,trained,residence_commune_code,destination,"
    "destination_country,employer_name,occupation_code,channel\n"
    "2026-03-02,086201001234,female,1999,có,28756,domestic,,Công ty TNHH Thử Nghiệm,24,job_fair\n"
    "2026-03-05,086199004321,male,1997,no,29590,abroad,JP,Công ty CP Cung ứng Nhân lực Quốc tế,"
    "72,labour_export\n"
)


@router.post(
    "/import",
    status_code=201,
    response_model=PlacementImportResult,
    responses={
        401: ERRORS[401],
        403: ERRORS[403],
        413: {"model": Problem, "description": "The file is larger than 20 MB."},
        415: {"model": Problem, "description": "Neither CSV nor XLSX."},
        422: {
            "model": Problem,
            "description": "The file or some of its rows are not valid: `errors` lists up to "
            "1,000 of them as `rows.<row>.<field>` (the header is row 1); nothing was imported.",
        },
    },
    summary=f"Import up to {importer.MAX_ROWS:,} placements from CSV or XLSX (department)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                sheets.CSV: {
                    "schema": {
                        "type": "string",
                        "description": "UTF-8 (a BOM is fine), comma- or semicolon-separated; "
                        "the first row names the columns.",
                    },
                    "example": _IMPORT_EXAMPLE,
                },
                sheets.XLSX: {
                    "schema": {
                        "type": "string",
                        "format": "binary",
                        "description": "The first sheet; its first row names the columns.",
                    }
                },
            },
        }
    },
)
async def import_placements(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    principal: StaffPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record many placements from a file, all or none. Columns are the fields of a placement
    with the person's flattened: `placed_on, vacancy_id, employer_id, employer_name, person_ref,
    sex, birth_year, trained, residence_commune_code, destination, destination_country,
    work_commune_code, occupation_code, industry_code, channel` (required: `placed_on`,
    `person_ref`, `sex`, `birth_year`, `trained`, `channel`). An empty cell is null; `trained`
    takes true/false, 1/0, yes/no or có/không. Every row is checked by the rules of
    `POST /v1/placements` first; any error answers 422 listing the rows, and nothing is
    imported. Vacancies filled by the import close as `filled`."""
    content_type = sheets.media_type(request.headers.get("content-type"))
    body = await request.body()

    async def run() -> Response:
        result = await importer.import_placements(
            session, principal, settings, today, body, content_type
        )
        return Response(
            result.model_dump_json().encode(),
            status_code=201,
            media_type="application/json",
            headers={"Cache-Control": "private, no-store"},
        )

    return await run_once(
        session,
        scope=principal.scope,
        endpoint="POST /v1/placements/import",
        key=idempotency_key,
        request_hash=sheets.request_hash(content_type, body),
        create=run,
    )


@router.get(
    "/{placement_id:uuid}",
    response_model=PlacementRead,
    responses=ERRORS,
    summary="Read a placement",
)
async def get_placement(
    session: SessionDep, row: Annotated[Placement, Depends(visible_placement)]
) -> Response:
    """One placement as recorded (never the person's reference)."""
    return _json(row, await references.load(session))


@router.patch(
    "/{placement_id:uuid}",
    response_model=PlacementRead,
    responses={
        **ERRORS,
        409: {"model": Problem, "description": "The placement is voided."},
        412: {"model": Problem, "description": "If-Match did not match."},
    },
    summary="Correct a placement",
)
async def update_placement(
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    principal: AnyPrincipal,
    row: Annotated[Placement, Depends(locked_placement)],
    payload: PlacementUpdate,
) -> Response:
    """Change the fields sent; the record is checked again as a whole. The audit trail keeps
    the record before and after."""
    refs = await service.update(session, principal, row, payload, settings, today)
    return _json(row, refs)


@router.post(
    "/{placement_id:uuid}/void",
    response_model=PlacementRead,
    responses={
        **ERRORS,
        409: {"model": Problem, "description": "Already voided."},
        412: {"model": Problem, "description": "If-Match did not match."},
    },
    summary="Void a placement recorded in error",
)
async def void_placement(
    session: SessionDep,
    principal: AnyPrincipal,
    row: Annotated[Placement, Depends(locked_placement)],
    payload: VoidRequest,
) -> Response:
    """The record stops counting in every statistic; it stays readable, with the reason."""
    refs = await service.void(session, principal, row, payload.reason)
    return _json(row, refs)
