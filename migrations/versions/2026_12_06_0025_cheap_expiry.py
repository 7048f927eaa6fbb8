"""The expiry sweep without the search indexes' work (issue 21, fast bulk paths).

Recording a vacancy as expired writes a new version of its row (`status` is indexed, so the
UPDATE cannot be HOT), and every new version got entries in every index of `vacancy`: three
GIN indexes over the search documents and the title's trigrams, about 80 entries a vacancy,
were most of the sweep's time. Those indexes, and the one the sweep walks, are now partial
on `status = 'open'`: a closed version gets no entries in them. Text search asks only for open
vacancies (the sites it reads are public), and says so in every statement with the literal
predicate (app/search/repository.matching_sites), so the planner can use the partial indexes,
in generic plans too; jobmap_any_has_words already did. `ix_vacancy_status_valid_through`
becomes `ix_vacancy_open_valid_through` (valid_through) WHERE status = 'open': the sweep and
jobmap_has_words read only open rows.

Triggers (triggers.sql): vacancy_before_write runs on INSERT, and on UPDATE only WHEN an input
of the search documents changed (vacancy_before_update); vacancy_words_update is a row trigger
WHEN the title changed (jobmap_remember_row_words) instead of a statement trigger reading the
OLD and NEW transition tables, which made every UPDATE of vacancy keep a copy of its old rows.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {"jobmap_remember_row_words": "a1a80f107d64", "triggers": "897b4526089e"}

OPEN = sa.text("status = 'open'")
# name: (columns, method, operator classes)
SEARCH_INDEXES: dict[str, tuple[list[str], str, dict[str, str]]] = {
    "ix_vacancy_search_doc": (["search_doc"], "gin", {}),
    "ix_vacancy_title_doc": (["title_doc"], "gin", {}),
    "ix_vacancy_title_folded_trgm": (["title_folded"], "gin", {"title_folded": "gin_trgm_ops"}),
}


def _search_indexes(*, partial: bool) -> None:
    for name, (columns, method, ops) in SEARCH_INDEXES.items():
        op.drop_index(name, table_name="vacancy")
        op.create_index(
            name,
            "vacancy",
            columns,
            postgresql_using=method,
            postgresql_ops=ops,
            postgresql_where=OPEN if partial else None,
        )


def upgrade() -> None:
    _search_indexes(partial=True)
    op.create_index(
        "ix_vacancy_open_valid_through", "vacancy", ["valid_through"], postgresql_where=OPEN
    )
    op.drop_index("ix_vacancy_status_valid_through", table_name="vacancy")
    # A statement trigger cannot be replaced by a row trigger of the same name.
    op.execute(sa.text("DROP TRIGGER vacancy_words_update ON vacancy"))
    sqlfiles.apply(SQL_FILES)


def downgrade() -> None:
    op.execute(sa.text("DROP TRIGGER vacancy_words_update ON vacancy"))
    op.execute(sa.text("DROP TRIGGER vacancy_before_update ON vacancy"))
    op.execute(sa.text("DROP FUNCTION jobmap_remember_row_words()"))
    sqlfiles.restore(revision, "triggers")
    op.create_index("ix_vacancy_status_valid_through", "vacancy", ["status", "valid_through"])
    op.drop_index("ix_vacancy_open_valid_through", table_name="vacancy")
    _search_indexes(partial=False)
