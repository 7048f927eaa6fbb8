"""Who is calling: `Authorization: Bearer <key>` resolved to a principal with a role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import keys
from app.auth import repository as key_repo
from app.auth.principal import Principal as Principal  # the routers take it from here
from app.db import SessionDep, on_replica, primary_sessions
from app.errors import ForbiddenError, UnauthorizedError
from app.models import Role
from app.openapi import reads_keys, requires_key

# Declares the scheme in OpenAPI (the "Authorize" button of /docs); the header is parsed below,
# so that a malformed one is a 401 rather than silently anonymous.
_bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="`Authorization: Bearer jm_<prefix>_<secret>`. Issued by the department.",
)


@reads_keys
async def optional_principal(
    request: Request,
    session: SessionDep,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Principal | None:
    """The caller, None when anonymous; 401 for a malformed, unknown or revoked key."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise UnauthorizedError("Use 'Authorization: Bearer <key>'.")
    key = key.strip()
    prefix = keys.prefix_of(key)
    row = await key_repo.by_prefix(session, prefix) if prefix else None
    replica = on_replica(session)
    if row is None and prefix and replica:  # a key made moments ago: the primary knows it
        async with primary_sessions(request)() as primary:
            row = await key_repo.by_prefix(primary, prefix)
    if row is None or not keys.matches(key, row.key_hash):
        raise UnauthorizedError("The API key is not valid.")
    if row.revoked_at is not None:
        raise UnauthorizedError("The API key has been revoked.")
    if not replica:
        await key_repo.touch(session, row.id)
    elif key_repo.due_for_touch(row.last_used_at):  # a replica is read only: a write of its own
        async with primary_sessions(request)() as primary, primary.begin():
            await key_repo.touch(primary, row.id)
    return Principal(row.id, row.prefix, Role(row.role), row.employer_id)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require(*roles: Role) -> Callable[[Principal | None], Awaitable[Principal]]:
    """A dependency admitting only callers with one of `roles`."""

    @requires_key
    async def dependency(principal: OptionalPrincipal) -> Principal:
        if principal is None:
            raise UnauthorizedError("This needs an API key: 'Authorization: Bearer <key>'.")
        if principal.role not in roles:
            allowed = " or ".join(role.value for role in roles)
            raise ForbiddenError(f"This needs a key of role {allowed}.")
        return principal

    return dependency


AnyPrincipal = Annotated[Principal, Depends(require(Role.admin, Role.department, Role.employer))]
StaffPrincipal = Annotated[Principal, Depends(require(Role.admin, Role.department))]
EmployerPrincipal = Annotated[Principal, Depends(require(Role.employer))]
