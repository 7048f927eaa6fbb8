"""Search statements built once per shape of request and run again with each request's
values. Building a SQLAlchemy statement and computing its cache key cost more CPU than
PostgreSQL spends answering a nearest or viewport query (bench/README.md, run 9)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import BindParameter
from sqlalchemy.sql import visitors
from sqlalchemy.sql.base import Executable

from app.search.params import SearchParams

logger = logging.getLogger(__name__)
StatementT = TypeVar("StatementT", bound=Executable)

# Shapes are few (which filters are present, the order, the endpoint), so this stays small;
# the bound only guards against a bug that would make every request a new shape.
MAX_STATEMENTS = 1024
_statements: dict[tuple[Any, ...], Any] = {}


def shape(params: SearchParams, total_bound: int) -> tuple[Any, ...] | None:
    """What decides a statement's structure (not its values). None for text queries: their
    statement depends on what the database says about the words."""
    if params.q is not None:
        return None
    return (
        params.near is not None,
        params.sort,
        params.bbox is not None,
        params.area is not None,
        len(params.occupation),
        bool(params.industry),
        bool(params.employment_type),
        params.salary_min is not None,
        params.include_unspecified,
        params.posted_within_days is not None,
        params.employer_id is not None,
        total_bound,
    )


def named_parameters(statement: Executable) -> set[str]:
    return {
        element.key
        for element in visitors.iterate(statement)  # type: ignore[arg-type]
        if isinstance(element, BindParameter) and not element.unique
    }


def statement(
    key: tuple[Any, ...] | None, values: dict[str, Any], make: Callable[[], StatementT]
) -> StatementT:
    """The statement kept for `key`, or a new one from `make`, kept when every value in it is
    one of `values` (so no later request can run with a value left over from this one)."""
    if key is None:
        return make()
    found: StatementT | None = _statements.get(key)
    if found is not None:
        return found
    made = make()
    if len(_statements) < MAX_STATEMENTS:
        if named_parameters(made) == set(values):
            _statements[key] = made
        else:
            logger.error(
                "search statement not reusable: parameters %s, values %s",
                sorted(named_parameters(made)),
                sorted(values),
            )
    return made


def kept(key: tuple[Any, ...]) -> Any | None:
    """The statement kept for `key`, if any."""
    return _statements.get(key)


def clear() -> None:
    """Forget every kept statement (tests)."""
    _statements.clear()
