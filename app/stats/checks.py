"""Checks shared by the statistics endpoints: the period and the area codes asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import FieldError, InvalidInputError
from app.models import Area
from app.stats.definitions import REORGANISATION, TIME_DIMENSIONS, AreaLevel, Dimension

MAX_SPAN_DAYS = 366 * 10
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def invalid(field: str, message: str, kind: str = "value_error") -> InvalidInputError:
    return InvalidInputError(
        f"Invalid {field.split('.')[-1]}: {message}.",
        errors=[FieldError(field=field, message=message, type=kind)],
    )


def parse_dimensions(raw: Sequence[str], allowed: Sequence[Dimension]) -> tuple[Dimension, ...]:
    """`group_by`, repeated or comma-separated: known dimensions, each once, at most one of
    them a period."""
    names = [part.strip() for item in raw for part in item.split(",") if part.strip()]
    by_name = {dimension.value: dimension for dimension in allowed}
    dims: list[Dimension] = []
    for name in names:
        dimension = by_name.get(name)
        if dimension is None:
            raise invalid("query.group_by", f"{name!r} is not one of {', '.join(by_name)}")
        if dimension in dims:
            raise invalid("query.group_by", f"{name} given twice")
        dims.append(dimension)
    if sum(d in TIME_DIMENSIONS for d in dims) > 1:
        raise invalid("query.group_by", "at most one of month, quarter, half, year")
    return tuple(dims)


def check_period(start: date, end: date, level: AreaLevel) -> None:
    """[start, end] within the years statistics cover, at most 10 years, and no districts
    after they were abolished."""
    if start < EARLIEST or end > LATEST:
        raise invalid(
            "query.from" if start < EARLIEST else "query.to",
            f"statistics cover {EARLIEST} to {LATEST}",
        )
    if end < start:
        raise invalid("query.to", "before from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise invalid("query.to", "the period is longer than 10 years")
    if level is AreaLevel.district and end >= date.fromisoformat(REORGANISATION):
        raise invalid(
            "query.area_level",
            f"districts were abolished on {REORGANISATION}: end the period before it, "
            "or use communes",
        )


async def check_area_codes(
    session: AsyncSession, codes: Sequence[str], level: AreaLevel, start: date, end: date
) -> None:
    """Every code names a unit of `level` that existed during the period: an unknown code
    is a mistake to report, not an empty row to return."""
    if not codes:
        return
    period = func.daterange(start, end + timedelta(days=1), "[)")
    known = set(
        await session.scalars(
            select(Area.code).where(
                Area.level == level.value,
                Area.code.in_(codes),
                Area.validity.op("&&")(period),
            )
        )
    )
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInputError(
            f"No {level.value} with code {', '.join(unknown)} between {start} and {end}.",
            errors=[
                FieldError(
                    field=f"query.area.{codes.index(code)}",
                    message=f"no {level.value} {code} in the period",
                    type="unknown_code",
                )
                for code in unknown
            ],
        )
