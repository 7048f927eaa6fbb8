"""`/healthz` (the process answers) and `/readyz` (it can serve: database up and migrated)."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.dependencies import SettingsDep
from app.errors import Problem
from app.health import service

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    migration: str
    replicas: dict[str, float | None] = Field(
        default_factory=dict,
        description="Seconds each replica is behind the primary at its last check; null while "
        "it is down or unchecked (its reads go elsewhere). Empty without replicas.",
        examples=[{"replica-1": 0.0}],
    )


@router.get("/healthz", response_model=Health, summary="Liveness")
async def get_health() -> Health:
    """The process is up. Says nothing about the database, so a database outage does not
    get healthy workers restarted."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "Database unreachable or not migrated."}},
    summary="Readiness",
)
async def get_readiness(request: Request, settings: SettingsDep) -> Readiness:
    """The primary answers and its schema is at the migration head this code expects. A
    replica down does not make the service unready: its reads go to the others."""
    revision = await service.migration(
        request.app.state.engine,
        request.app.state.migration_heads,
        timeout_s=settings.db_connect_timeout_s + 1,
    )
    lags = request.app.state.database.replica_lag()
    replicas = {name: None if math.isinf(lag) else round(lag, 3) for name, lag in lags.items()}
    return Readiness(status="ready", migration=revision, replicas=replicas)
