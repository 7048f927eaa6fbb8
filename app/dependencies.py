"""Dependencies shared by every domain."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from pydantic import AwareDatetime, BeforeValidator

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
    # Pydantic's lax mode would also take 0 or 1700000000 (a JSON number, or as text) as a
    # Unix time: refuse everything but a date object and YYYY-MM-DD text.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]

# An RFC 3339 instant with its offset; never a number (lax mode's Unix time).
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})$"
)


def _iso_datetime_text(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value):
        raise ValueError("must be a date and time with its offset, e.g. 2026-03-01T08:00:00+07:00")
    return value


IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime_text)]
