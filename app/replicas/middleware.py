"""Around every request when replicas are configured: the routing note the session reads and
writes (app/replicas/routing.py), the write's position in the `X-Commit-LSN` header, and a
second run on the primary for a GET or HEAD whose replica failed before its answer began."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.replicas.lsn import LSN_HEADER, format_lsn
from app.replicas.routing import NOTE_KEY, RoutingNote

_SAFE = {"GET", "HEAD"}  # answering them twice changes nothing


class ReplicaRoutingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        note = RoutingNote()
        scope[NOTE_KEY] = note
        retryable = scope["method"] in _SAFE
        body: list[Message] = []  # what the first run read, for the second
        dropped = False

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message)
            return message

        async def first_send(message: Message) -> None:
            nonlocal dropped
            if message["type"] == "http.response.start":
                dropped = retryable and note.replica_failed and message["status"] >= 500
            if not dropped:
                await _send_with_lsn(note, send, message)

        try:
            await self.app(scope, recording_receive, first_send)
        except Exception:
            if not (retryable and note.replica_failed):
                raise
            dropped = True
        if not dropped:
            return
        note.replica_failed, note.retrying = False, True

        async def replaying_receive() -> Message:
            return body.pop(0) if body else await receive()

        await self.app(
            scope, replaying_receive, lambda message: _send_with_lsn(note, send, message)
        )


async def _send_with_lsn(note: RoutingNote, send: Send, message: Message) -> None:
    if message["type"] == "http.response.start" and note.commit_lsn is not None:
        headers = list(message.get("headers", []))
        headers.append((LSN_HEADER.lower().encode(), format_lsn(note.commit_lsn).encode()))
        message = {**message, "headers": headers}
    await send(message)
