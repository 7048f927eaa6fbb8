"""HTTP routes for programmes: a term's plan or a pilot project, with its own units, period and
targets (department)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app import cursors
from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.errors import Problem
from app.programmes import service
from app.programmes.schemas import (
    PROGRAMME_CODE_PATTERN,
    ProgrammePage,
    ProgrammePut,
    ProgrammeRead,
)

router = APIRouter(tags=["plans"])

Code = Annotated[
    str,
    Path(
        max_length=64,
        pattern=PROGRAMME_CODE_PATTERN,
        description="The department's key for the programme: lower-case letters, digits, dashes.",
        examples=["vung-liem-2024-2026"],
    ),
]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key."},
    403: {"model": Problem, "description": "Not a department or admin key."},
    404: {"model": Problem, "description": "No such programme."},
    422: {"model": Problem, "description": "Invalid input; `errors` names the fields."},
}


@router.put(
    "/programmes/{code}",
    response_model=ProgrammeRead,
    responses={**ERRORS, 201: {"model": ProgrammeRead, "description": "Created."}},
    summary="Create or replace a programme (department)",
)
async def put_programme(
    session: SessionDep, principal: StaffPrincipal, code: Code, payload: ProgrammePut
) -> Response:
    """A programme's name, period (any length: a five-year term, a three-year pilot), units
    (pre-2025 districts or communes; none for the province) and targets per counted indicator,
    over the whole period or per year. The whole programme, not a patch: checked whole, then
    written in one transaction (201 created, 200 replaced or unchanged). Audited."""
    programme, created = await service.put(session, principal, code, payload)
    return Response(
        programme.model_dump_json().encode(),
        status_code=201 if created else 200,
        media_type="application/json",
    )


@router.get(
    "/programmes/{code}",
    response_model=ProgrammeRead,
    responses=ERRORS,
    summary="Read a programme (department)",
)
async def get_programme(
    session: SessionDep, _principal: StaffPrincipal, code: Code
) -> ProgrammeRead:
    """The programme, each unit with the communes that followed it on 2025-07-01."""
    return await service.read(session, code)


@router.get(
    "/programmes",
    response_model=ProgrammePage,
    responses={401: ERRORS[401], 403: ERRORS[403], 422: ERRORS[422]},
    summary="List programmes (department)",
)
async def list_programmes(
    session: SessionDep,
    _principal: StaffPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=cursors.MAX_CURSOR_LENGTH)] = None,
) -> ProgrammePage:
    """Every programme, in code order."""
    return await service.page(session, limit=limit, cursor=cursor)
