"""The one error format (RFC 9457 problem details) and the handlers that produce it."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.metrics.series import STATEMENT_TIMEOUTS

logger = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://jobmap.vinhlong.gov.vn/problems/"


class FieldError(BaseModel):
    """One invalid input value."""

    field: str = Field(description="Where the value was: `query.lon`, `path.code`, `body.title`.")
    message: str
    type: str = Field(description="A stable machine-readable reason, e.g. `greater_than_equal`.")


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error response. Some problems add
    members, e.g. `existing` on a 409 (a link to the resource it conflicts with)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[PROBLEM_TYPE_BASE + "not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["No area with code 99999 at 2026-01-01."])
    instance: str | None = Field(default=None, examples=["/v1/areas/99999"])
    request_id: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    """An error the client can act on. Subclasses fix the status and problem type."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        field: str | None = None,
        reason: str = "invalid",
        extra: dict[str, Any] | None = None,
    ) -> None:
        """`field` (with `reason`) names the one input at fault, as `errors` does for several:
        a client can point at it without reading `detail`."""
        super().__init__(detail)
        self.detail = detail
        if field is not None:
            errors = [*(errors or ()), FieldError(field=field, message=detail, type=reason)]
        self.errors = list(errors) if errors else None
        # RFC 9457 extension members, e.g. `existing` (a link to the conflicting resource).
        self.extra = extra or {}
        self.headers: dict[str, str] = {}


class BadRequestError(AppError):
    """A parameter the standard an endpoint follows answers with 400 (OGC API Features),
    where the rest of the API says 422."""

    status = 400
    slug = "bad-request"


class NotFoundError(AppError):
    status = 404
    slug = "not-found"


class UnauthorizedError(AppError):
    status = 401
    slug = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = 'Bearer realm="jobmap"'


class ForbiddenError(AppError):
    status = 403
    slug = "forbidden"


class GoneError(AppError):
    status = 410
    slug = "gone"


class PreconditionFailedError(AppError):
    status = 412
    slug = "precondition-failed"


class ConflictError(AppError):
    status = 409
    slug = "conflict"


class InvalidInputError(AppError):
    status = 422
    slug = "validation-error"


class UnsupportedMediaTypeError(AppError):
    status = 415
    slug = "unsupported-media-type"


class ServiceUnavailableError(AppError):
    status = 503
    slug = "service-unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 5) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after_s)


class TooManyRequestsError(AppError):
    status = 429
    slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after_s)


# PostgreSQL SQLSTATE classes and codes that are the client's doing or a passing outage.
_CONFLICT_CODES = {
    "23505": "A record with these values already exists.",
    "23P01": "The record overlaps an existing one.",  # exclusion constraint
}
_INPUT_CLASSES = {"22", "23"}  # data exception, integrity constraint violation
# connection, transaction rollback (deadlock, serialization: retrying succeeds), resources,
# operator intervention/timeout
_UNAVAILABLE_CLASSES = {"08", "40", "53", "57"}


def problem_response(
    request: Request,
    status: int,
    *,
    slug: str,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        **(extra or {}),
        type=PROBLEM_TYPE_BASE + slug,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=list(errors) if errors else None,
    )
    headers = dict(headers or {})
    # No cache keeps an error, a 429 included: the next request may well succeed. (Also set by
    # app/cache_headers.py, but the catch-all 500 is sent outside every middleware.)
    headers["Cache-Control"] = "no-store"
    if body.request_id:
        # The catch-all 500 is sent outside the request-id middleware: set it here too.
        headers["X-Request-ID"] = body.request_id
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _field_name(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    errors = []
    for item in raw:
        message = str(item.get("msg", "Invalid value"))
        # Some pydantic messages embed the offending input; keep them short and printable.
        errors.append(
            FieldError(
                field=_field_name(item.get("loc", ())),
                message=message[:300],
                type=str(item.get("type", "invalid")),
            )
        )
    return errors


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a database error, from the driver's exception or its cause."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is None and orig is not None:
        # SQLAlchemy's asyncpg adapter keeps the driver exception one level down.
        code = getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return str(code) if code else None


def _broken_connection(exc: DBAPIError) -> bool:
    """asyncpg's "another operation is in progress" (InternalClientError): the connection
    died under a statement (a database restart, found by the fault test), not a bug."""
    orig = exc.orig
    causes = (orig, getattr(orig, "__cause__", None))
    return any(type(cause).__name__ == "InternalClientError" for cause in causes if cause)


def translate_db_error(exc: DBAPIError) -> AppError | None:
    """Map a database error to what the client should see, or None for a real bug."""
    code = sqlstate(exc)
    if code in _CONFLICT_CODES:
        return ConflictError(_CONFLICT_CODES[code])
    if code == "57014":  # query_canceled: the statement timeout fired
        STATEMENT_TIMEOUTS.inc()
        return ServiceUnavailableError("The query took too long. Narrow it or try again later.")
    if code and code[:2] in _UNAVAILABLE_CLASSES:
        return ServiceUnavailableError("The database is unavailable. Try again shortly.")
    if code and code[:2] in _INPUT_CLASSES:
        return InvalidInputError(
            "The request contains a value the database cannot accept.",
            field="request",
            reason="out_of_range",
        )
    if code is None and (
        isinstance(exc, OperationalError | InterfaceError)
        or exc.connection_invalidated
        or _broken_connection(exc)
    ):
        return ServiceUnavailableError("The database is unavailable. Try again shortly.")
    return None


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods of every route whose path matches `path`, sorted."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "route_methods", None)
    if table is None:
        table = [
            (compile_path(context.path)[0], set(context.methods or ()))
            for context in iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute) and context.path
        ]
        app.state.route_methods = table
    matching = (methods for pattern, methods in table if pattern.match(path))
    return sorted(set().union(*matching))


async def handle_app_error(request: Request, exc: AppError) -> JSONResponse:
    return problem_response(
        request,
        exc.status,
        slug=exc.slug,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers or None,
        extra=exc.extra,
    )


async def handle_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = validation_errors(exc.errors())
    fields = ", ".join(e.field for e in errors)
    return problem_response(
        request,
        422,
        slug="validation-error",
        detail=f"Invalid input: {fields}." if fields else "Invalid input.",
        errors=errors,
    )


async def handle_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else None
    if status == 404 and detail == "Not Found":
        detail = f"No route matches {request.url.path}."
    headers = dict(exc.headers or {})
    if status == 405:
        # Starlette names the methods of the first route that matched the path; the
        # resource's are those of every route on it.
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        if detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}."
    if status == 400 and detail == "There was an error parsing the body":
        # FastAPI's answer to a body that is not UTF-8: the same 422 as malformed JSON.
        return problem_response(
            request,
            422,
            slug="validation-error",
            detail="The body is not valid UTF-8 JSON.",
            errors=[FieldError(field="body", message="not UTF-8 JSON", type="json_invalid")],
        )
    slug = HTTPStatus(status).phrase.lower().replace(" ", "-")
    return problem_response(request, status, slug=slug, detail=detail, headers=headers or None)


async def handle_db_error(request: Request, exc: DBAPIError) -> JSONResponse:
    translated = translate_db_error(exc)
    if translated is None:
        return await handle_unexpected(request, exc)
    logger.warning(
        "database error answered as %s", translated.status, extra={"sqlstate": sqlstate(exc)}
    )
    return await handle_app_error(request, translated)


async def handle_stale(request: Request, _exc: StaleDataError) -> JSONResponse:
    # Another request changed the row between our read and our write.
    return await handle_app_error(
        request, PreconditionFailedError("The resource changed meanwhile: read it again.")
    )


async def handle_pool_timeout(request: Request, _exc: PoolTimeoutError) -> JSONResponse:
    return await handle_app_error(request, ServiceUnavailableError("The service is busy."))


async def handle_connection_error(request: Request, exc: Exception) -> JSONResponse:
    # Refused, reset or timed-out connections to the database surface as OSError subclasses.
    logger.warning("connection error: %s", type(exc).__name__)
    return await handle_app_error(
        request, ServiceUnavailableError("The database is unavailable. Try again shortly.")
    )


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log, never to the client.
    logger.error("unhandled error", exc_info=exc)
    return problem_response(
        request, 500, slug="internal-error", detail="An unexpected error occurred."
    )


# Which handler answers which error (the most specific class wins, whatever the order).
_HANDLERS: tuple[tuple[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]], ...] = (
    (AppError, handle_app_error),
    (RequestValidationError, handle_validation),
    (StarletteHTTPException, handle_http),
    (DBAPIError, handle_db_error),
    (StaleDataError, handle_stale),
    (PoolTimeoutError, handle_pool_timeout),
    (ConnectionError, handle_connection_error),
    (TimeoutError, handle_connection_error),
    (Exception, handle_unexpected),
)


def install_error_handlers(app: FastAPI) -> None:
    """Every error, framework or ours, leaves in the one problem format."""
    for exc_class, handler in _HANDLERS:
        app.add_exception_handler(exc_class, handler)
