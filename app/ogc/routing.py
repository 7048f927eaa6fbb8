"""How OGC API - Features answers bad parameters: 400, for invalid values and for parameters
the operation does not define (OGC 17-069r4, /req/core/query-param-invalid and -unknown),
in the service's one problem format."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.errors import BadRequestError, FieldError, InvalidInputError, validation_errors


class OgcRoute(APIRoute):
    """A route whose 422s (framework validation, cursors) leave as 400s."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query_names = frozenset(_query_names(self.dependant))

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = validation_errors(exc.errors())
                fields = ", ".join(error.field for error in errors)
                raise BadRequestError(f"Invalid parameter: {fields}.", errors=errors) from exc
            except InvalidInputError as exc:
                raise BadRequestError(exc.detail, errors=exc.errors) from exc

        return handle


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def only_declared_params(request: Request) -> None:
    """400 for a query parameter the operation does not define: a misspelt filter would
    otherwise be ignored and return everything."""
    route = request.scope.get("route")
    if not isinstance(route, OgcRoute):
        return
    declared = route.query_names
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise BadRequestError(
            f"Unknown parameter: {', '.join(name[:50] for name in unknown[:20])}. "
            f"This operation takes: "
            f"{', '.join(sorted(declared))}.",
            errors=[
                FieldError(field=f"query.{name[:50]}", message="not a parameter", type="unknown")
                for name in unknown[:20]
            ],
        )
