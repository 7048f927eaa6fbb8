"""The vacancy's columns are copied onto its sites once per statement, not once per vacancy
(issue 21, fast bulk paths).

jobmap_vacancy_sync_sites ran for each updated vacancy and issued its own UPDATE of the sites,
and the site triggers (map cells, map version) fired for each of those statements: the expiry
sweep, which records thousands of vacancies per statement, spent most of its time there. As a
statement trigger it reads the transition tables and updates every affected site in one
statement; the sites end up exactly as before.

jobmap_remember_new_words splits each distinct text into words once per statement: a bulk load
repeats titles (about a hundred distinct among 1,000,000 demo vacancies).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {
    "jobmap_remember_new_words": "6752c5ce0e15",
    "jobmap_vacancy_sync_sites": "f2808d7c557e",
    "triggers": "317d11305f1b",
}


def upgrade() -> None:
    # A row trigger cannot be replaced by a statement trigger of the same name.
    op.execute(sa.text("DROP TRIGGER vacancy_sync_sites ON vacancy"))
    sqlfiles.apply(SQL_FILES)


def downgrade() -> None:
    op.execute(sa.text("DROP TRIGGER vacancy_sync_sites ON vacancy"))
    sqlfiles.restore(revision, *SQL_FILES)
