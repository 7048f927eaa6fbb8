"""Fixtures of the search tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.conftest import app_on_session


@pytest.fixture
async def route_client(settings: Settings, session: AsyncSession) -> AsyncIterator[AsyncClient]:
    """The same service with the fast path off (APP_SEARCH_FAST_PATH=false), on the test's
    transaction like the `app` fixture: every search answered by the route."""
    off = settings.model_copy(update={"search_fast_path": False})
    async with app_on_session(off, session) as app:
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
