"""The statistics index covers what grouped totals read most (sex, age, trained, the work
commune): on 1,000,000 placements a month x commune x sex report read the whole table
(bench/README.md, placement statistics).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _index(columns: list[str]) -> None:
    op.drop_index("ix_placement_active_placed_on", table_name="placement")
    op.create_index(
        "ix_placement_active_placed_on",
        "placement",
        ["placed_on"],
        postgresql_include=columns,
        postgresql_where=sa.text("voided_at IS NULL"),
    )


def upgrade() -> None:
    _index(
        [
            "person_hash",
            "destination",
            "residence_area_id",
            "work_area_id",
            "sex",
            "age",
            "trained",
        ]
    )


def downgrade() -> None:
    _index(["person_hash", "destination", "residence_area_id"])
