"""ASGI middleware: request ids with access logging, and the request body size limit."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from http import HTTPStatus
from urllib.parse import unquote_to_bytes

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from app.logs import request_id_var

access_log = logging.getLogger("app.access")
BULK_PATH_SUFFIXES = ("/bulk", "/import")

# A client-supplied id is reused only when it is short and harmless in logs and headers.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
# Paths are logged up to this length: a server may pass on a path of megabytes.
MAX_LOGGED_PATH = 300


class RequestIdMiddleware:
    """Tag each request with an id (client's `X-Request-ID` or a new one), echo it, log it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = _header(scope, b"x-request-id")
        request_id = supplied if supplied and _CLIENT_REQUEST_ID.match(supplied) else None
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The path only: query strings may carry search terms people typed.
            path = _loggable_path(scope["path"])
            access_log.info(
                "%s %s %s",
                scope["method"],
                path,
                status,
                extra={
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


def _loggable_path(path: str) -> str:
    if len(path) <= MAX_LOGGED_PATH:
        return path
    return f"{path[:MAX_LOGGED_PATH]}…({len(path)} characters)"


class BodySizeLimitMiddleware:
    """Refuse request bodies over the limit with 413, before the handler reads them whole; and,
    before anything reads it, a query string that is not UTF-8 once percent-decoded, with 400
    (Starlette would turn the bytes into U+FFFD, and a filter would look for that)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_bulk_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_bulk_body_bytes = max_bulk_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        malformed = _malformed_query_parameter(scope.get("query_string", b""))
        if malformed is not None:
            name, message, reason = malformed
            field = f"query.{name}"
            await _send_problem(
                scope,
                send,
                400,
                "bad-request",
                f"Invalid input: {field} {message}.",
                errors=[{"field": field, "message": message, "type": reason}],
            )
            return
        # Bulk and import endpoints take many records per request.
        bulk = str(scope.get("path", "")).endswith(BULK_PATH_SUFFIXES)
        limit = self.max_bulk_body_bytes if bulk else self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_problem(scope, send, 413, "payload-too-large", _too_large_detail(limit))
            return

        received = 0

        async def limited_receive() -> Message:
            # Chunked bodies declare no length: count as they arrive. FastAPI lets an
            # HTTPException from receive() through, so it leaves as a 413 problem.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large_detail(limit))
            return message

        await self.app(scope, limited_receive, send)


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _malformed_query_parameter(query_string: bytes) -> tuple[str, str, str] | None:
    """(name, message, reason) of the first query parameter whose name or value is not UTF-8
    once percent-decoded, or that has a value but no name (`?=1`); None when all are sound."""
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        if not name and value:
            return "", "has no name", "missing_name"
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                decoded = unquote_to_bytes(name).decode("utf-8", "replace")[:64]
                return decoded, "is not UTF-8", "unicode_decode"
    return None


async def _send_problem(
    scope: Scope,
    send: Send,
    status: int,
    slug: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
) -> None:
    """A problem answered before the app (app.errors.problem_response's format)."""
    problem = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": scope.get("path"),
        "request_id": scope.get("state", {}).get("request_id"),
    }
    if errors:
        problem["errors"] = errors
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
