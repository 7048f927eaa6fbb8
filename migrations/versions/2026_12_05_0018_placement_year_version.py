"""A version per calendar year of placements, moved by triggers (issue 20).

The year-end projection counts each past year's people by the same day and in the whole year:
about 1.5 s on 1,000,000 placements, on every /v1/stats/indicators request. Past years rarely
change, so each worker keeps those counts (app/stats/reached_cache.py) while the versions of
their years stay as they were. Existing years get a version here; a year first written later
gets one from its first statement.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {
    "jobmap_bump_placement_years": "a337e0a68802",
    "triggers": "a1f7a393623d",
}


def upgrade() -> None:
    op.create_table(
        "placement_year_version",
        sa.Column("year", sa.Integer(), autoincrement=False, primary_key=True),
        sa.Column("version", sa.Uuid(), nullable=False),
    )
    op.execute(
        sa.text(
            "INSERT INTO placement_year_version (year, version) "
            "SELECT DISTINCT date_part('year', placed_on)::integer, gen_random_uuid() "
            "FROM placement"
        )
    )
    sqlfiles.apply(SQL_FILES)


def downgrade() -> None:
    for operation in ("insert", "update", "delete", "truncate"):
        op.execute(sa.text(f"DROP TRIGGER placement_years_{operation} ON placement"))
    op.execute(sa.text("DROP TRIGGER area_placement_years ON area"))
    op.execute(sa.text("DROP FUNCTION jobmap_bump_placement_years()"))
    op.drop_table("placement_year_version")
    sqlfiles.restore(revision, "triggers")
