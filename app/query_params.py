"""Query parameters an operation does not declare are refused with 400, naming them and the
ones it takes: a misspelt filter (`radius` for `radius_m`) would otherwise be ignored and the
answer would look right. The accepted names are read from the route's dependant (its own
parameters and those of its dependencies), so every operation is covered without a list to
keep per route. Used on `/v1` and `/ogc`; the pages (`/`, `/dashboard`) are not checked."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.errors import BadRequestError, FieldError
from app.openapi import strict_params

# Added by the sites a link is shared through (Facebook, Zalo, Google and Microsoft ads,
# newsletters), never by our clients and never a misspelling of ours: they pass (and are
# ignored) on GET operations of /v1, whose URLs can be shared as links (a public CSV, a
# vacancy). /ogc refuses them too: OGC API - Features requires 400 for any unknown parameter.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "msclkid", "zarsrc"})
TRACKING_PREFIXES = ("utm_",)
# How many unknown names a problem repeats, and how much of each (a name can be 1 MB long).
_SHOWN_NAMES = 20
_SHOWN_CHARS = 50


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameters (by the name clients send) of an operation and its dependencies."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= declared_query_names(sub)
    return frozenset(names)


def accepted_names(route: APIRoute) -> frozenset[str]:
    # Read once per route: the dependant does not change after the app is built.
    names: frozenset[str] | None = getattr(route, "_jobmap_query_names", None)
    if names is None:
        names = declared_query_names(route.dependant)
        route._jobmap_query_names = names  # type: ignore[attr-defined]
    return names


def is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _refuse_unknown(request: Request, *, let_tracking_pass: bool) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = accepted_names(route)
    unknown = sorted(
        name
        for name in set(request.query_params) - declared
        if not (let_tracking_pass and is_tracking(name))
    )
    if not unknown:
        return
    shown = [name[:_SHOWN_CHARS] for name in unknown[:_SHOWN_NAMES]]
    takes = ", ".join(sorted(declared)) if declared else "no query parameters"
    raise BadRequestError(
        f"Unknown parameter: {', '.join(shown)}. This operation takes: {takes}.",
        errors=[
            FieldError(field=f"query.{name}", message="not a parameter", type="unknown")
            for name in shown
        ],
        extra={"accepted": sorted(declared)},
    )


@strict_params
async def only_declared_params(request: Request) -> None:
    """/v1: 400 for a query parameter the operation does not take; tracking parameters pass
    on GET."""
    _refuse_unknown(request, let_tracking_pass=request.method == "GET")


@strict_params
async def only_standard_params(request: Request) -> None:
    """/ogc: 400 for any query parameter the operation does not take."""
    _refuse_unknown(request, let_tracking_pass=False)
