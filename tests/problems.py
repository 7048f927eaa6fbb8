"""Assertions on the one error format (RFC 9457 problem details)."""

from __future__ import annotations

from typing import Any

from httpx import Response


def assert_problem(response: Response, status: int, *fields: str) -> dict[str, Any]:
    """The response is a problem+json of `status`, naming each of `fields` in `errors`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    named = {error["field"] for error in body.get("errors", [])}
    for field in fields:
        assert field in named, f"{field} not in {named}"
    return body
