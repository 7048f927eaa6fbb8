"""Idempotency-Key for POSTs that create: the first response is stored with the rows it created
(same transaction) and replayed for every retry with the same key and body."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Response
from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInputError
from app.models import IdempotencyRecord

KEY_TTL = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("location", "etag", "content-type", "cache-control")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description="Any unique printable ASCII string (a UUID is good). Retrying with the same "
        "key and body returns the first response without creating anything again; keys are "
        "remembered for 24 hours.",
        examples=["5f0c1d2e-8a4b-4c3d-9e2f-1a2b3c4d5e6f"],
    ),
]


def fingerprint(payload: Any) -> bytes:
    """The request as data: the same JSON with other spacing or key order is the same request."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: JSON may spell a lone surrogate (\ud800), which has no UTF-8 form; the
    # request is refused for it afterwards, but fingerprinting it must not fail first.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).digest()


async def run_once(
    session: AsyncSession,
    *,
    scope: str,
    endpoint: str,
    key: str | None,
    request_hash: bytes,
    create: Callable[[], Awaitable[Response]],
) -> Response:
    """Run `create` once per (scope, endpoint, key); replay its response afterwards.

    Concurrent requests with one key serialise on the record's primary key: the second waits
    for the first transaction and then replays what it committed (or, if it rolled back, runs).
    Errors are not stored: their transaction rolls back with the claim, so a retry runs again.
    """
    if key is None:
        return await create()
    insert = pg_insert(IdempotencyRecord).values(
        principal=scope, endpoint=endpoint, key=key, request_hash=request_hash
    )
    claim = insert.on_conflict_do_update(
        index_elements=["principal", "endpoint", "key"],
        set_={
            "request_hash": insert.excluded.request_hash,
            "status_code": None,
            "headers": None,
            "body": None,
            "created_at": func.now(),
        },
        where=IdempotencyRecord.created_at < func.now() - KEY_TTL,  # an expired key is free
    ).returning(literal(True))
    if (await session.execute(claim)).scalar_one_or_none():
        response = await create()
        await session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.principal == scope,
                IdempotencyRecord.endpoint == endpoint,
                IdempotencyRecord.key == key,
            )
            .values(
                status_code=response.status_code,
                headers={
                    name: value
                    for name, value in response.headers.items()
                    if name.lower() in _KEPT_HEADERS
                },
                body=bytes(response.body),
            )
        )
        return response

    stored = (
        await session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.principal == scope,
                IdempotencyRecord.endpoint == endpoint,
                IdempotencyRecord.key == key,
            )
        )
    ).scalar_one()
    if stored.request_hash != request_hash:
        raise InvalidInputError(
            "This Idempotency-Key was used with a different request body. "
            "Use a new key for a new request.",
            field="header.Idempotency-Key",
            reason="reused_key",
        )
    headers = dict(stored.headers or {})
    headers[REPLAYED_HEADER] = "true"
    return Response(
        content=stored.body or b"", status_code=stored.status_code or 200, headers=headers
    )


async def purge_expired(session: AsyncSession) -> int:
    """Delete records past their lifetime; returns how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < func.now() - KEY_TTL)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
