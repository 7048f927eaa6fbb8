"""HTTP route for progress against a programme's targets (a statistics endpoint)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import IsoDate, SettingsDep
from app.errors import Problem
from app.programmes import progress
from app.programmes.router import Code
from app.programmes.schemas import ProgrammeProgress
from app.stats.export import REPORT_ERRORS

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats/programmes/{code}",
    response_model=ProgrammeProgress,
    responses={**REPORT_ERRORS, 404: {"model": Problem, "description": "No such programme."}},
    summary="Progress against a programme's targets (department, admin)",
)
async def programme_progress(
    session: SessionDep,
    _principal: StaffPrincipal,
    settings: SettingsDep,
    code: Code,
    through: Annotated[
        IsoDate | None,
        Query(description="Counted up to this day; default today, at most the period's end."),
    ] = None,
) -> ProgrammeProgress:
    """Each target: the people placed so far in the programme's units and period (an old
    district followed by the communes that replaced it on 2025-07-01), percent of target, the
    years it covers, and the current year's year-end projection added to the years over."""
    return await progress.progress(session, code, through, datetime.now(settings.tz))
