"""Readiness: the database answers and its schema is at the migration head the code expects."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import ServiceUnavailableError

logger = logging.getLogger(__name__)


async def migration(engine: AsyncEngine, heads: frozenset[str], *, timeout_s: float) -> str:
    """The database's migration revision; ServiceUnavailableError (503) when the database is
    unreachable, has no schema, or is at another revision than `heads`."""
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as connection:
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
    return str(revision)
