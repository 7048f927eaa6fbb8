"""HTTP route for the year-end projection's backtest: how far it would have been off, by the
month it was made in."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from app.auth.dependencies import StaffPrincipal
from app.db import SessionDep
from app.dependencies import SettingsDep
from app.stats import forecast
from app.stats.export import REPORT_ERRORS
from app.stats.schemas import ProjectionAccuracy

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats/projection-accuracy",
    response_model=ProjectionAccuracy,
    responses={401: REPORT_ERRORS[401], 403: REPORT_ERRORS[403]},
    summary="Backtest of the year-end projection (department, admin)",
)
async def projection_accuracy(
    session: SessionDep, _principal: StaffPrincipal, settings: SettingsDep
) -> ProjectionAccuracy:
    """Every complete year of the records projected from the end of each month, with the
    past years the projection would have had then, and compared with the year's actual total:
    the mean absolute percentage error by month, and how often the range held the actual."""
    return await forecast.accuracy(session, datetime.now(settings.tz))
