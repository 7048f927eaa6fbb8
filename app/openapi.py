"""The OpenAPI document as the service really answers, so that clients (and schemathesis) can
hold it to its word:

- every error is `application/problem+json` with the Problem schema (FastAPI would declare
  its own `application/json` validation error);
- a key is optional on public operations (`security: [{}, {apiKey: []}]`) and required where a
  role is; any key sent is checked, so every operation that reads keys may answer 401, and
  those that need a role 403;
- 400 on /v1 and /ogc for a query parameter the operation does not take (app.query_params);
- what an operation may answer whatever its parameters: 503 when it needs the database and
  the database is away, the transaction must be retried or the statement ran out of time,
  413 for a body over the limit, 429 when its request class is rate-limited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.config import Settings
from app.db import get_session
from app.errors import PROBLEM_MEDIA_TYPE
from app.http_cache import ROUTE_POLICIES
from app.request_classes import classify

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SCHEME = "apiKey"
_READS_KEYS = "_jobmap_reads_keys"
_REQUIRES_KEY = "_jobmap_requires_key"
_RATE_LIMITED = "_jobmap_rate_limited"
_STRICT_PARAMS = "_jobmap_strict_params"

F = TypeVar("F", bound=Callable[..., Any])

UNAVAILABLE = "The database is unavailable or the request must be retried (`Retry-After`)."


def reads_keys(dependency: F) -> F:
    """Mark the dependency that checks any key sent (401 when it is not valid)."""
    setattr(dependency, _READS_KEYS, True)
    return dependency


def requires_key(dependency: F) -> F:
    """Mark a dependency that admits only some roles (401 without a key, 403 for others)."""
    setattr(dependency, _REQUIRES_KEY, True)
    return dependency


def rate_limited(dependency: F) -> F:
    """Mark the dependency that enforces the rate limits (429 for limited classes)."""
    setattr(dependency, _RATE_LIMITED, True)
    return dependency


def strict_params(dependency: F) -> F:
    """Mark the dependency that refuses query parameters the operation does not take (400)."""
    setattr(dependency, _STRICT_PARAMS, True)
    return dependency


def _marked(dependant: Dependant, mark: str) -> bool:
    if getattr(dependant.call, mark, False):
        return True
    return any(_marked(sub, mark) for sub in dependant.dependencies)


def _uses(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return dependant.call is call or any(_uses(sub, call) for sub in dependant.dependencies)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def _document_operation(
    route: RouteContext, method: str, operation: dict[str, Any], settings: Settings
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
    # Checked before routing (app.middleware), whatever the operation's parameters.
    malformed = "a query parameter that is not UTF-8 once percent-decoded, or has no name"
    if _marked(route.dependant, _STRICT_PARAMS):
        malformed = (
            "A query parameter this operation does not take (`errors` names it, `accepted` "
            f"lists those it takes), or {malformed}"
        )
    responses.setdefault("400", _error(malformed[0].upper() + malformed[1:] + "."))
    needs_key = _marked(route.dependant, _REQUIRES_KEY)
    if _marked(route.dependant, _READS_KEYS) or needs_key:
        operation["security"] = [{SCHEME: []}] if needs_key else [{}, {SCHEME: []}]
        responses.setdefault(
            "401", _error("The key sent is malformed, unknown or revoked, or a key is needed.")
        )
    else:
        operation.pop("security", None)
    if needs_key:
        responses.setdefault("403", _error("The key's role may not do this."))
    if "requestBody" in operation:
        responses.setdefault("413", _error("The body is over the size limit."))
    if _uses(route.dependant, get_session):
        responses.setdefault("503", _error(UNAVAILABLE))
    kind = classify(method, route.path_format or "")
    limit = settings.rate_limits.get(kind.value, 0) if settings.rate_limits_enabled else 0
    if limit > 0 and _marked(route.dependant, _RATE_LIMITED):
        window = settings.rate_limit_window_s
        sustained = settings.rate_limits_sustained.get(kind.value, 0)
        longer = (
            f", or more than {sustained} in {settings.rate_limit_sustained_window_s} s,"
            if sustained > 0
            else ""
        )
        responses.setdefault(
            "429",
            _error(
                f"More than {limit} {kind.value} requests in {window} s{longer} from this key "
                "(or address, without a key): wait `Retry-After` seconds."
            ),
        )


def _string_header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


ETAG = _string_header(
    "Changes whenever the data shown does. Weak (`W/`, the same for the gzip and identity "
    "answers), but strong for a vacancy (for If-Match). Send it in `If-None-Match`: a 304 "
    "with the same ETag, Cache-Control and Vary while nothing changed."
)


def _document_caching(path: str, operation: dict[str, Any], headers: dict[str, Any]) -> None:
    """The caching headers of a GET operation's answers (app/http_cache.py), as references
    to `components.headers` (collected in `headers`); a 304 wherever a CDN may revalidate."""
    policy = ROUTE_POLICIES.get(path)
    if policy is None:
        return
    control = f"CacheControl-{policy.name}"
    headers[control] = _string_header(
        f"`{policy.cache_control}` without a key; `private, no-store` with one. Errors: `no-store`."
        if policy.shared
        else f"`{policy.cache_control}`."
    )
    named = {"Cache-Control": _ref(control)}
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if policy.shared:
        vary = ("Accept-Encoding", *policy.vary)
        vary_name = "-".join(("Vary", *vary))
        headers[vary_name] = _string_header(
            f"`{', '.join(vary)}`, and `Origin` when CORS is on: a shared cache keeps one "
            "answer per value."
        )
        headers["ETag"] = ETAG
        named |= {"ETag": _ref("ETag"), "Vary": _ref(vary_name)}
        responses.setdefault("304", {"description": "Not modified: If-None-Match named the ETag."})
    for status in ("200", "204", "304"):
        if status in responses:
            # An empty tile (204) has no ETag: there is nothing to revalidate.
            given = {k: v for k, v in named.items() if status != "204" or k != "ETag"}
            responses[status].setdefault("headers", {}).update(given)


def document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    headers: dict[str, Any] = {}
    # Routers are included lazily: their routes, with the prefix and the router's dependencies,
    # are known only through their contexts.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _document_operation(route, method, operation, app.state.settings)
                if method == "GET":
                    _document_caching(route.path_format or "", operation, headers)
    schema.setdefault("components", {})["headers"] = dict(sorted(headers.items()))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's own validation error is never sent: ours is a Problem.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: document(app)  # type: ignore[method-assign]
