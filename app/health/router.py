"""`/healthz` (the process answers) and `/readyz` (it can serve: database up and migrated)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.dependencies import SettingsDep
from app.errors import Problem, ServiceUnavailableError

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    migration: str


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
    """The database answers and its schema is at the migration head this code expects."""
    engine: AsyncEngine = request.app.state.engine
    heads: frozenset[str] = request.app.state.migration_heads
    try:
        async with asyncio.timeout(settings.db_connect_timeout_s + 1):
            async with engine.connect() as connection:
                revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except ProgrammingError as exc:
        raise ServiceUnavailableError(
            "The database has no schema yet: run `jobmap db upgrade`."
        ) from exc
    except (DBAPIError, OSError) as exc:
        # TimeoutError is an OSError too.
        logger.warning("readiness: database unreachable (%s)", type(exc).__name__)
        raise ServiceUnavailableError("The database is unreachable.") from exc
    if revision not in heads:
        raise ServiceUnavailableError(
            f"The database schema is at {revision}, the code expects {', '.join(sorted(heads))}: "
            "run `jobmap db upgrade`."
        )
    return Readiness(status="ready", migration=str(revision))
