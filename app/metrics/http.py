"""Requests counted and timed by route template, method, status and request class."""

from __future__ import annotations

import time
from typing import Any

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics.series import HTTP_DURATION, HTTP_REQUESTS
from app.request_classes import classify

# Requests no route matches share one label: raw paths would make a series per typo or scan.
UNMATCHED = "unmatched"
# Set by a middleware that answers a route's requests before routing (the kept-tile path).
ROUTE_TEMPLATE_KEY = "route_template"
# What routes match a request on.
_MATCHED_ON = ("type", "path", "root_path", "method", "app")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope, arrived: Scope) -> str:
    """The template of the route that answered (`/v1/vacancies/{vacancy_id}`), or UNMATCHED.
    `scope` is as the app left it, `arrived` a copy of it as the request arrived."""
    template = scope.get(ROUTE_TEMPLATE_KEY)
    if template is not None:
        return str(template)
    app = scope.get("app")
    if app is None:
        return UNMATCHED
    by_route, in_order = _templates(app)
    route = scope.get("route")
    if route is not None and id(route) in by_route:
        return by_route[id(route)]
    # Answered before routing (413, a malformed query) or by a mount: the route it was meant
    # for, matched on the request as it arrived (mounts rewrite the path in the scope).
    for context, template in in_order:
        match, _ = context.matches(arrived)
        if match is not Match.NONE:
            return template
    return UNMATCHED


Templates = tuple[dict[int, str], list[tuple[RouteContext, str]]]


def _templates(app: Any) -> Templates:
    """The app's route templates, worked out once: by route object, for the objects routing
    leaves in `scope["route"]` (the route an included router holds keeps its path without
    the router's prefix), and in routing order, for matching a path."""
    known: Templates | None = getattr(app.state, "route_templates", None)
    if known is None:
        by_route: dict[int, str] = {}
        in_order = []
        for context in iter_route_contexts(app.routes):
            template = _template(context)
            in_order.append((context, template))
            for route in (context.route, context.original_route):
                by_route.setdefault(id(route), template)
        known = app.state.route_templates = (by_route, in_order)
    return known


def _template(context: RouteContext) -> str:
    path = context.path or UNMATCHED
    return f"{path}/{{path}}" if isinstance(context.route, Mount) else path


class MetricsMiddleware:
    """Outermost, so it sees every answer, the early ones (413, 400) included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        arrived = {key: scope[key] for key in _MATCHED_ON if key in scope}
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "other"
            route = route_template(scope, arrived)
            kind = classify(arrived["method"], arrived["path"]).value
            HTTP_REQUESTS.labels(route, method, str(status), kind).inc()
            HTTP_DURATION.labels(route, method, kind).observe(time.perf_counter() - started)
