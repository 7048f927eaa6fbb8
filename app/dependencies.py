"""Dependencies shared by every domain."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BeforeValidator

from app.config import Settings


async def get_app_settings(request: Request) -> Settings:
    """The settings the running app was created with. (Dependencies are `async def` even
    without awaits: FastAPI runs a plain `def` dependency in a worker thread, a thread hop per
    request.)"""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def local_today(settings: SettingsDep) -> date:
    """Today's date where the service's users are (Asia/Ho_Chi_Minh by default)."""
    return datetime.now(settings.tz).date()


TodayDep = Annotated[date, Depends(local_today)]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    # Pydantic's lax mode would also take "0" or "1700000000" as a Unix time: refuse.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
