"""API keys: issuing and revoking them, with who may revoke which."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth.principal import Principal
from app.errors import ForbiddenError, NotFoundError
from app.models import ApiKey, Role


async def issue(
    session: AsyncSession, role: Role, *, label: str | None, employer_id: uuid.UUID | None = None
) -> tuple[ApiKey, str]:
    """A new key row and the key itself (the only time it exists in clear)."""
    return await repository.create(session, role, label=label, employer_id=employer_id)


async def revoke(session: AsyncSession, principal: Principal, prefix: str) -> None:
    """Revoke a key by its prefix: employers their own keys, the department any employer or
    department key, admins any key. A key the principal may not see is a 404 (no probing);
    twice is harmless."""
    row = await repository.by_prefix(session, prefix)
    if row is None or not _may_revoke(principal, row):
        raise NotFoundError(f"No key {prefix}.")
    if row.role == Role.admin and principal.role != Role.admin:
        raise ForbiddenError("Only an admin can revoke an admin key.")
    await repository.revoke(session, row)


def _may_revoke(principal: Principal, row: ApiKey) -> bool:
    if principal.is_staff:
        return True
    return row.employer_id is not None and row.employer_id == principal.employer_id
