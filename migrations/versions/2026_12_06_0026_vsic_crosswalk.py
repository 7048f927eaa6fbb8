"""VSIC 2018 -> VSIC 2025 correspondence, so that a period spanning 2025-11-15 can be reported
in one version (issue 20).

`industry_correspondence` holds the division pairs (many to many, no shares) that
`jobmap classifications load` reads from data/classifications/vsic2018_vsic2025_divisions.csv;
`industry.successor_section` is derived from them for each code of a replaced version: the
VSIC 2025 section(s) its activities fall in ("G+T" when they are split). Both stay empty until
the lists are loaded.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("industry", sa.Column("successor_section", sa.String(16), nullable=True))
    op.create_table(
        "industry_correspondence",
        sa.Column("from_version", sa.String(4), nullable=False),
        sa.Column("from_code", sa.String(8), nullable=False),
        sa.Column("to_version", sa.String(4), nullable=False),
        sa.Column("to_code", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.CheckConstraint(
            "from_version < to_version", name=op.f("ck_industry_correspondence_forward")
        ),
        sa.ForeignKeyConstraint(
            ["from_version", "from_code"],
            ["industry.version", "industry.code"],
            name=op.f("fk_industry_correspondence_from_version_industry"),
        ),
        sa.ForeignKeyConstraint(
            ["to_version", "to_code"],
            ["industry.version", "industry.code"],
            name=op.f("fk_industry_correspondence_to_version_industry"),
        ),
        sa.PrimaryKeyConstraint(
            "from_version",
            "from_code",
            "to_version",
            "to_code",
            name=op.f("pk_industry_correspondence"),
        ),
    )


def downgrade() -> None:
    op.drop_table("industry_correspondence")
    op.drop_column("industry", "successor_section")
