"""Extensions (PostGIS, unaccent, pg_trgm, btree_gist) and administrative areas.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# btree_gist lets one exclusion constraint mix equality on codes with overlap on date ranges.
EXTENSIONS = ("postgis", "unaccent", "pg_trgm", "btree_gist")


def upgrade() -> None:
    for name in EXTENSIONS:
        op.execute(sa.text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))

    op.create_table(
        "area",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("name_ascii", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(length=16), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "validity",
            postgresql.DATERANGE(),
            sa.Computed("daterange(valid_from, valid_to, '[)')", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "geom",
            geoalchemy2.Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column(
            "label_point",
            geoalchemy2.Geometry("POINT", srid=4326, spatial_index=False),
            sa.Computed("ST_PointOnSurface(geom)", persisted=True),
            nullable=True,
        ),
        sa.Column("area_km2", sa.Double(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("level IN ('province', 'district', 'commune')", name="ck_area_level"),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to",
            name="ck_area_validity",
        ),
        postgresql.ExcludeConstraint(
            (sa.column("level"), "="),
            (sa.column("code"), "="),
            (sa.column("validity"), "&&"),
            name="ex_area_versions_overlap",
            using="gist",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_area"),
        sa.UniqueConstraint(
            "level",
            "code",
            "valid_from",
            name="uq_area_level_code_valid_from",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index("ix_area_geom", "area", ["geom"], postgresql_using="gist")
    op.create_index("ix_area_parent_code", "area", ["parent_code"])


def downgrade() -> None:
    op.drop_index("ix_area_parent_code", table_name="area")
    op.drop_index("ix_area_geom", table_name="area", postgresql_using="gist")
    op.drop_table("area")
    for name in reversed(EXTENSIONS):
        op.execute(sa.text(f'DROP EXTENSION IF EXISTS "{name}"'))
