"""An index of active placements by residence commune and date, covering what programme
progress counts (issue 20): for a programme on an old district or a few communes,
`people_by_year` read the whole placement table (on 1,000,000 placements the district's 85,618
rows were a sequential scan, 451-532 ms); through this index it is an index-only scan
(bench/README.md, "Programme progress: the residence index").

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_placement_active_residence_placed_on",
        "placement",
        ["residence_area_id", "placed_on"],
        postgresql_include=["person_hash", "destination"],
        postgresql_where=sa.text("voided_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_placement_active_residence_placed_on", table_name="placement")
