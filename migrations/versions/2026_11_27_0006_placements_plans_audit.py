"""Placements (people placed into jobs, persons as keyed hashes), annual plans with every
revision, indicator values measured elsewhere, and the audit trail.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 22:15:11.892886+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_key_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_key_prefix", sa.String(length=16), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_employer_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(
        "ix_audit_event_entity", "audit_event", ["entity_type", "entity_id", "id"], unique=False
    )
    op.create_index(
        "ix_audit_event_occurred_at_id", "audit_event", ["occurred_at", "id"], unique=False
    )
    op.create_table(
        "plan_revision",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by_key_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_plan_revision_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revision")),
        sa.UniqueConstraint("year", "revision", name=op.f("uq_plan_revision_year_revision")),
    )
    op.create_table(
        "indicator_value",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("area_id", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by_key_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_indicator_value_period")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_indicator_value_area_id_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
        sa.UniqueConstraint(
            "indicator",
            "period",
            "area_id",
            name=op.f("uq_indicator_value_indicator_period_area_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        "ix_indicator_value_indicator_period_end",
        "indicator_value",
        ["indicator", "period_end"],
        unique=False,
    )
    op.create_table(
        "plan_target",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("revision_id", sa.BigInteger(), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("area_id", sa.BigInteger(), nullable=True),
        sa.Column("target", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.CheckConstraint("target >= 0", name=op.f("ck_plan_target_target")),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_plan_target_area_id_area")),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["plan_revision.id"],
            name=op.f("fk_plan_target_revision_id_plan_revision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_target")),
        sa.UniqueConstraint(
            "revision_id",
            "indicator",
            "area_id",
            name=op.f("uq_plan_target_revision_id_indicator_area_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_table(
        "placement",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=True),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("employer_name", sa.Text(), nullable=True),
        sa.Column("person_hash", sa.LargeBinary(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column(
            "age",
            sa.SmallInteger(),
            sa.Computed("(extract(year FROM placed_on)::int - birth_year)", persisted=True),
            nullable=False,
        ),
        sa.Column("trained", sa.Boolean(), nullable=False),
        sa.Column("residence_area_id", sa.BigInteger(), nullable=True),
        sa.Column("work_area_id", sa.BigInteger(), nullable=True),
        sa.Column("destination", sa.String(length=8), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column("occupation_code", sa.String(length=8), nullable=True),
        sa.Column("industry_code", sa.String(length=8), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("import_batch_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_key_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(destination = 'abroad') = (destination_country IS NOT NULL)",
            name=op.f("ck_placement_destination_country"),
        ),
        sa.CheckConstraint(
            "channel IN ('job_map', 'job_fair', 'service_centre', 'labour_export', 'direct', "
            "'other')",
            name=op.f("ck_placement_channel"),
        ),
        sa.CheckConstraint(
            "destination IN ('domestic', 'abroad')", name=op.f("ck_placement_destination")
        ),
        sa.CheckConstraint(
            "destination_country ~ '^[A-Z]{2}$'", name=op.f("ck_placement_country_format")
        ),
        sa.CheckConstraint("sex IN ('male', 'female')", name=op.f("ck_placement_sex")),
        sa.CheckConstraint(
            "(voided_at IS NULL) = (void_reason IS NULL)", name=op.f("ck_placement_void_reason")
        ),
        sa.CheckConstraint(
            "birth_year BETWEEN 1900 AND 2200", name=op.f("ck_placement_birth_year")
        ),
        sa.CheckConstraint("octet_length(person_hash) = 32", name=op.f("ck_placement_person_hash")),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_placement_employer_id_employer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["industry_code"], ["industry.code"], name=op.f("fk_placement_industry_code_industry")
        ),
        sa.ForeignKeyConstraint(
            ["occupation_code"],
            ["occupation.code"],
            name=op.f("fk_placement_occupation_code_occupation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_key_id"],
            ["api_key.id"],
            name=op.f("fk_placement_recorded_by_key_id_api_key"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["residence_area_id"], ["area.id"], name=op.f("fk_placement_residence_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancy.id"],
            name=op.f("fk_placement_vacancy_id_vacancy"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["work_area_id"], ["area.id"], name=op.f("fk_placement_work_area_id_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement")),
    )
    op.create_index(
        "ix_placement_active_placed_on",
        "placement",
        ["placed_on"],
        unique=False,
        postgresql_include=["person_hash", "destination", "residence_area_id"],
        postgresql_where=sa.text("voided_at IS NULL"),
    )
    op.create_index(
        "ix_placement_active_vacancy_id",
        "placement",
        ["vacancy_id"],
        unique=False,
        postgresql_where=sa.text("voided_at IS NULL AND vacancy_id IS NOT NULL"),
    )
    op.create_index("ix_placement_created_at_id", "placement", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_placement_employer_id_created_at",
        "placement",
        ["employer_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_placement_import_batch_id", "placement", ["import_batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_placement_import_batch_id", table_name="placement")
    op.drop_index("ix_placement_employer_id_created_at", table_name="placement")
    op.drop_index("ix_placement_created_at_id", table_name="placement")
    op.drop_index(
        "ix_placement_active_vacancy_id",
        table_name="placement",
        postgresql_where=sa.text("voided_at IS NULL AND vacancy_id IS NOT NULL"),
    )
    op.drop_index(
        "ix_placement_active_placed_on",
        table_name="placement",
        postgresql_include=["person_hash", "destination", "residence_area_id"],
        postgresql_where=sa.text("voided_at IS NULL"),
    )
    op.drop_table("placement")
    op.drop_table("plan_target")
    op.drop_index("ix_indicator_value_indicator_period_end", table_name="indicator_value")
    op.drop_table("indicator_value")
    op.drop_table("plan_revision")
    op.drop_index("ix_audit_event_occurred_at_id", table_name="audit_event")
    op.drop_index("ix_audit_event_entity", table_name="audit_event")
    op.drop_table("audit_event")
