"""Spelling corrections found as a phrase first (jobmap_has_phrase).

Among corrections with as few edits, the word commoner in titles came first, by ANALYZE's
statistics of title_doc: "cong nhna may" became "cong nha may" (a title elsewhere said "nhà")
rather than "cong nhan may", which a title holds word for word. The correction now takes the
first candidate found as a phrase in some open vacancy's title or occupation, and only failing
that the first whose words some open vacancy has.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {"jobmap_has_phrase": "293566fb8741"}


def upgrade() -> None:
    sqlfiles.apply(SQL_FILES)


def downgrade() -> None:
    op.execute(sa.text("DROP FUNCTION jobmap_has_phrase(tsquery)"))
