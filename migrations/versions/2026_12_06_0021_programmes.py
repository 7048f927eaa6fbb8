"""Programmes and the succession of areas across the 2025 reorganisation (issue 20).

`programme`, `programme_area`, `programme_target`: the department's programmes (the 2021-2025
term, a pilot such as Vũng Liêm 2024-2026), their units and targets per counted indicator,
for the whole period or per year. `area_succession`: the communes that began on the day a unit
ended and lie mostly inside it (largest share of their area, over one half), so that a
programme on an old district follows its territory after 2025-07-01; computed by PostGIS
overlay from the boundaries loaded (jobmap_area_succession, also run by `jobmap areas load`).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {"jobmap_area_succession": "859e50b431bc"}


def upgrade() -> None:
    op.create_table(
        "area_succession",
        sa.Column("predecessor_id", sa.BigInteger(), nullable=False),
        sa.Column("successor_id", sa.BigInteger(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.CheckConstraint(
            "share > 0.5 AND share <= 1.000001", name=op.f("ck_area_succession_share")
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["area.id"],
            name=op.f("fk_area_succession_predecessor_id_area"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["area.id"],
            name=op.f("fk_area_succession_successor_id_area"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("predecessor_id", "successor_id", name=op.f("pk_area_succession")),
    )
    op.create_index("ix_area_succession_successor_id", "area_succession", ["successor_id"])
    op.create_table(
        "programme",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_by_key_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("period_from <= period_to", name=op.f("ck_programme_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("code", name=op.f("uq_programme_code")),
    )
    op.create_table(
        "programme_area",
        sa.Column("programme_id", sa.BigInteger(), nullable=False),
        sa.Column("area_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_programme_area_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_area_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "area_id", name=op.f("pk_programme_area")),
    )
    op.create_table(
        "programme_target",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("programme_id", sa.BigInteger(), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("target", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.CheckConstraint("target >= 0", name=op.f("ck_programme_target_target")),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_target_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_target")),
        sa.UniqueConstraint(
            "programme_id",
            "indicator",
            "year",
            name=op.f("uq_programme_target_programme_id_indicator_year"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    sqlfiles.apply(SQL_FILES)
    # The boundaries already loaded; a database without areas yet gets its rows at the load.
    op.execute(sa.text("SELECT jobmap_area_succession()"))


def downgrade() -> None:
    op.execute(sa.text("DROP FUNCTION jobmap_area_succession()"))
    op.drop_table("programme_target")
    op.drop_table("programme_area")
    op.drop_table("programme")
    op.drop_table("area_succession")
