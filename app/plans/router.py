"""HTTP routes for indicators, annual plans and values measured elsewhere."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.errors import Problem
from app.plans import service
from app.plans.schemas import (
    IndicatorRead,
    IndicatorValuePut,
    IndicatorValueRead,
    PlanPut,
    PlanRead,
    PlanTargetIn,
)
from app.stats.definitions import INDICATORS
from app.stats.schemas import AreaCode

router = APIRouter(tags=["plans"])

Year = Annotated[int, Path(ge=2000, le=2100, description="The plan year.", examples=[2026])]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key."},
    403: {"model": Problem, "description": "Not a department or admin key."},
    404: {"model": Problem, "description": "No such plan, revision or indicator."},
    422: {"model": Problem, "description": "Invalid input; `errors` names the fields."},
}


@router.get("/indicators", response_model=list[IndicatorRead], summary="The indicators")
async def list_indicators() -> list[IndicatorRead]:
    """Every indicator with its unit, where its figures come from and its definition."""
    return [
        IndicatorRead(
            code=i.code,
            name_vi=i.name_vi,
            name_en=i.name_en,
            unit=i.unit,
            source=i.source,
            definition=i.definition,
        )
        for i in INDICATORS.values()
    ]


@router.put(
    "/plans/{year}",
    response_model=PlanRead,
    responses={**ERRORS, 201: {"model": PlanRead, "description": "A new revision."}},
    summary="Set the year's plan (department)",
)
async def put_plan(
    session: SessionDep,
    principal: StaffPrincipal,
    year: Year,
    payload: Annotated[
        PlanPut | list[PlanTargetIn],
        Body(description="The targets (or `{targets, note}`): the whole plan, not a patch."),
    ],
) -> Response:
    """Full-year targets per indicator, province-wide or per district/commune. Each change
    becomes a new revision (201); sending the plan in force again changes nothing (200).
    Earlier revisions stay readable."""
    if isinstance(payload, list):
        payload = PlanPut(targets=payload)
    plan, created = await service.put_plan(session, principal, year, payload)
    return Response(
        plan.model_dump_json().encode(),
        status_code=201 if created else 200,
        media_type="application/json",
    )


@router.get(
    "/plans/{year}", response_model=PlanRead, responses=ERRORS, summary="Read a year's plan"
)
async def get_plan(
    session: SessionDep,
    _principal: StaffPrincipal,
    year: Year,
    revision: Annotated[int | None, Query(ge=1, description="Default: the latest.")] = None,
) -> PlanRead:
    """The plan in force (or an earlier revision) and the list of revisions."""
    return await service.read_plan(session, year, revision)


@router.put(
    "/indicators/{indicator}/values/{period}",
    response_model=IndicatorValueRead,
    responses={**ERRORS, 201: {"model": IndicatorValueRead, "description": "Created."}},
    summary="Enter a value measured elsewhere (department)",
)
async def put_indicator_value(
    session: SessionDep,
    principal: StaffPrincipal,
    indicator: Annotated[str, Path(max_length=48, examples=["trained_labour_ratio"])],
    period: Annotated[
        str,
        Path(
            max_length=8,
            pattern=r"^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$",
            description="`2024`, `2024-H1`, `2024-Q2` or `2024-06`.",
            examples=["2024-H1"],
        ),
    ],
    payload: IndicatorValuePut,
    area: Annotated[AreaCode | None, Query(description="Omit for the province.")] = None,
) -> Response:
    """The value of a manual indicator (e.g. the trained-labour ratio from a survey) for a
    period, province-wide or for one unit. Sending it again replaces it; the audit trail keeps
    the earlier value."""
    value, created = await service.put_value(session, principal, indicator, period, area, payload)
    return Response(
        value.model_dump_json().encode(),
        status_code=201 if created else 200,
        media_type="application/json",
    )


@router.get(
    "/indicators/{indicator}/values",
    response_model=list[IndicatorValueRead],
    responses=ERRORS,
    summary="Values entered for an indicator",
)
async def list_indicator_values(
    session: SessionDep,
    _principal: StaffPrincipal,
    indicator: Annotated[str, Path(max_length=48)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[IndicatorValueRead]:
    """Every value entered, by period."""
    return await service.values(session, indicator, year)
