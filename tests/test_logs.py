"""Structured logs: one JSON object per line, tagged with the request id."""

from __future__ import annotations

import json
import logging

import pytest
from httpx import AsyncClient

from app.logs import JsonFormatter, request_id_var


def test_json_line_carries_request_id_and_extras() -> None:
    record = logging.LogRecord(
        "app.test", logging.INFO, __file__, 1, "hello %s", ("Vĩnh Long",), None
    )
    record.status = 200
    token = request_id_var.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["msg"] == "hello Vĩnh Long"
    assert entry["request_id"] == "req-1"
    assert entry["status"] == 200
    assert entry["level"] == "INFO"
    assert entry["ts"].endswith("+00:00")


def test_exceptions_are_logged_as_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exc"]


async def test_access_log_has_status_and_path_but_not_the_query(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        response = await client.get(
            "/v1/areas/lookup",
            params={"lon": 105.9723, "lat": 10.2537},
            headers={"X-Request-ID": "trace-me"},
        )
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    assert record.__dict__["status"] == 200
    assert record.__dict__["path"] == "/v1/areas/lookup"
    assert "105.97" not in record.getMessage()
    assert "105.97" not in JsonFormatter().format(record)
