"""Every error leaves in the one problem format, with a request id, never leaking internals."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request
from httpx import AsyncClient
from sqlalchemy import text

from app.db import SessionDep
from tests.problems import assert_problem


async def test_unknown_route_is_404(client: AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/nothing-here"), 404)
    assert body["instance"] == "/v1/nothing-here"


async def test_wrong_method_is_405(client: AsyncClient) -> None:
    response = await client.delete("/v1/areas")
    body = assert_problem(response, 405)
    assert "DELETE" in body["detail"]
    assert "GET" in response.headers["allow"]


async def test_request_id_is_echoed_or_made(client: AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "abc-123.x_y"})
    assert mine.headers["x-request-id"] == "abc-123.x_y"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    # An id that could forge log lines or headers is replaced, not echoed.
    hostile = await client.get("/healthz", headers={"X-Request-ID": "a b\tc" + "x" * 80})
    assert hostile.headers["x-request-id"] != "a b\tc" + "x" * 80
    assert len(hostile.headers["x-request-id"]) == 32


@pytest.fixture
def echo_app(app: FastAPI) -> FastAPI:
    """The app plus routes that exist only in tests, to reach error paths on purpose."""

    @app.post("/test/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string postgres://u:p@db")

    @app.get("/test/slow")
    async def slow(session: SessionDep) -> None:
        await session.execute(text("SET LOCAL statement_timeout = 50"))
        await session.execute(text("SELECT pg_sleep(2)"))

    @app.get("/test/deadlock")
    async def deadlock(session: SessionDep) -> None:
        await session.execute(
            text("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
        )

    @app.get("/test/duplicate")
    async def duplicate(session: SessionDep) -> None:
        await session.execute(
            text(
                "INSERT INTO area (code, level, name, full_name, name_ascii, type, source, "
                "valid_from) SELECT code, level, name, full_name, name_ascii, type, source, "
                "valid_from FROM area WHERE code = '29557' AND valid_to IS NULL"
            )
        )

    return app


async def test_declared_oversized_body_is_413(client: AsyncClient, echo_app: FastAPI) -> None:
    limit = echo_app.state.settings.max_body_bytes
    response = await client.post("/test/echo", content=b"x" * (limit + 1))
    body = assert_problem(response, 413)
    assert str(limit) in body["detail"]
    ok = await client.post("/test/echo", content=b"x" * limit)
    assert ok.json() == {"bytes": limit}


async def test_streamed_oversized_body_is_413(client: AsyncClient, echo_app: FastAPI) -> None:
    limit = echo_app.state.settings.max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    assert_problem(await client.post("/test/echo", content=chunks()), 413)


@pytest.mark.usefixtures("echo_app")
async def test_unexpected_error_is_a_generic_500(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = await client.get("/test/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert body["detail"] == "An unexpected error occurred."
    assert any(record.exc_info for record in caplog.records)  # the traceback is in the log


@pytest.mark.usefixtures("echo_app")
async def test_statement_timeout_is_503(client: AsyncClient) -> None:
    response = await client.get("/test/slow")
    assert_problem(response, 503)
    assert response.headers["retry-after"]


@pytest.mark.usefixtures("echo_app")
async def test_deadlock_is_503_to_retry(client: AsyncClient) -> None:
    # PostgreSQL aborted one of two transactions waiting on each other: a retry succeeds.
    response = await client.get("/test/deadlock")
    assert_problem(response, 503)
    assert response.headers["retry-after"]


@pytest.mark.usefixtures("echo_app")
async def test_unique_violation_is_409(client: AsyncClient) -> None:
    body = assert_problem(await client.get("/test/duplicate"), 409)
    assert "area" not in body["detail"]  # no table or constraint names leak


def test_a_connection_broken_under_a_statement_is_503_not_a_bug() -> None:
    """asyncpg reports a connection that died mid-statement (a database restart) as an
    InternalClientError; the fault test met it as a 500."""
    from asyncpg.exceptions import InternalClientError
    from sqlalchemy.exc import InternalError

    from app.errors import ServiceUnavailableError, translate_db_error

    broken = InternalError(
        "SELECT 1", {}, InternalClientError("cannot switch to state 12; another operation")
    )
    translated = translate_db_error(broken)
    assert isinstance(translated, ServiceUnavailableError)
    assert translated.headers["Retry-After"]
    assert translate_db_error(InternalError("SELECT 1", {}, RuntimeError("a bug"))) is None
