"""The service against its own OpenAPI document (schemathesis): every operation, anonymous and
with each role's key, with data that fits the schema and data that does not. No 5xx; status
codes, content types, headers and bodies as declared; data that breaks the schema rejected;
methods and Allow as declared; keys checked.

One built-in check is replaced: `positive_data_acceptance` expects every schema-valid request
to succeed, but some rules cannot be written in OpenAPI (a cursor must be one the service
issued, `near`/`bbox`/`area` exclude each other, a commune code must exist in the period, an
Idempotency-Key may not be reused with another body). `rejections_explain_themselves` holds
those answers to something stronger than a status: a schema-valid request may be refused only
as a 4xx problem naming the parameter or field at fault.

Strict parameters: every /v1 and /ogc operation, given schema-valid data plus one query
parameter the document does not declare, answers 400 naming that parameter and listing the
declared ones (app/query_params.py), whoever calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from app.config import Settings
from app.main import create_app
from tests.factories import Actors
from tests.servers import running_server, seeded_database

pytestmark = pytest.mark.contract

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLES = ["anonymous", "employer", "department", "admin"]
EXAMPLES = 20


@dataclass(frozen=True)
class Service:
    base: str
    actors: Actors


@pytest.fixture(scope="session")
async def fuzzed_service() -> AsyncIterator[Service]:
    # Without rate limits: thousands of requests from one address in a minute or two would
    # turn most answers into 429s (tests/limits covers them).
    async with (
        seeded_database("_contract") as (url, actors),
        running_server(url, rate_limits_enabled="false") as base,
    ):
        yield Service(base, actors)


# The document the service serves, built without a server or a database (as /openapi.json).
SPEC = create_app(Settings()).openapi()
schema = schemathesis.openapi.from_dict(SPEC)
# The API's operations with valid data only, for the unknown-parameter test.
strict_schema = schemathesis.openapi.from_dict(SPEC).include(path_regex=r"^/(v1|ogc)(/|$)")
strict_schema.config.generation.update(modes=[GenerationMode.POSITIVE])
UNKNOWN = "radius"  # the misspelling issue 21 found (`radius_m` is the parameter)


def headers_for(service: Service, role: str) -> dict[str, str]:
    actors = service.actors
    return {"anonymous": actors.anonymous, "employer": actors.a,
            "department": actors.department, "admin": actors.admin}[role]  # fmt: skip


# XLSX bodies are declared as binary strings: sent as generated. (NDJSON is left out: any
# generated value would serialise to a valid line, so its negative cases would not be; the
# bulk tests cover it.)
@schemathesis.serializer(XLSX)
def as_bytes(ctx: schemathesis.SerializationContext, value: object) -> bytes:  # noqa: ARG001
    return value if isinstance(value, bytes) else str(value).encode()


@schemathesis.check
def rejections_explain_themselves(
    ctx: schemathesis.CheckContext,  # noqa: ARG001 (the signature schemathesis calls)
    response: schemathesis.Response,
    case: schemathesis.Case[Any],  # noqa: ARG001
) -> bool | None:
    if response.status_code not in (400, 422):
        return None
    body = response.json()
    fields = [error["field"] for error in body.get("errors") or []]
    if response.headers.get("content-type", [""])[0] != "application/problem+json" or not fields:
        raise AssertionError(f"{response.status_code} without the fields at fault: {body}")
    return True


@pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_keeps_its_contract(
    case: schemathesis.Case[Any], fuzzed_service: Service
) -> None:
    # Each generated request is sent as every kind of caller: the same input reaches the
    # anonymous path, the employer's, the department's and the admin's.
    for role in ROLES:
        headers = {**dict(case.headers or {}), **headers_for(fuzzed_service, role)}
        case.call_and_validate(
            base_url=fuzzed_service.base,
            headers=headers,
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
            additional_checks=[rejections_explain_themselves],
        )


def declared_query(case: schemathesis.Case[Any]) -> set[str]:
    operation = SPEC["paths"][case.operation.path][case.method.lower()]
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")
@strict_schema.parametrize()
@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_an_undeclared_parameter_is_400_naming_it(
    case: schemathesis.Case[Any], fuzzed_service: Service
) -> None:
    declared = declared_query(case)
    assert UNKNOWN not in declared
    case.query = {**(case.query or {}), UNKNOWN: "5000"}
    # Keys are checked first (a generated one is a 401): each caller sends its own or none.
    if case.headers:
        case.headers.pop("Authorization", None)
    for role in ROLES:
        response = case.call(
            base_url=fuzzed_service.base, headers=headers_for(fuzzed_service, role)
        )
        if response.status_code == 404 and response.json()["detail"].startswith("No route"):
            continue  # a generated path value no route matches: no operation was reached
        assert response.status_code == 400, (role, response.text)
        assert response.headers["content-type"] == ["application/problem+json"]
        body = response.json()
        assert [error["field"] for error in body["errors"]] == [f"query.{UNKNOWN}"], body
        assert set(body["accepted"]) == declared, body
