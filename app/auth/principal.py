"""Who is acting: the holder of an API key, as the services see it (no FastAPI here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.models import Role


@dataclass(frozen=True)
class Principal:
    key_id: int
    prefix: str
    role: Role
    employer_id: uuid.UUID | None

    @property
    def is_staff(self) -> bool:
        """The department or an admin: may act on any employer."""
        return self.role in (Role.admin, Role.department)

    @property
    def scope(self) -> str:
        """Whose idempotency keys these are: an employer's keys share its scope."""
        return f"employer:{self.employer_id}" if self.employer_id else f"key:{self.key_id}"
