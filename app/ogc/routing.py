"""How OGC API - Features answers bad parameters: 400, for invalid values and for parameters
the operation does not define (OGC 17-069r4, /req/core/query-param-invalid and -unknown),
in the service's one problem format."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.errors import BadRequestError, InvalidInputError, validation_errors


class OgcRoute(APIRoute):
    """A route whose 422s (framework validation, cursors) leave as 400s. Unknown parameters
    are refused by app.query_params.only_standard_params, as on /v1."""

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
