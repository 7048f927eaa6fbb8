"""Employers, API keys, classifications, vacancies with work sites, change events, idempotency.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 18:09:35.718821+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# Case- and accent-insensitive text for comparisons ("Kế toán" = "ke  toan"). unaccent() is only
# STABLE (its dictionary could change), so it cannot go into an index; this wrapper names the
# dictionary and is declared IMMUTABLE, the usual way to make it indexable. A word-final y after
# a consonant becomes i, so both spellings of kĩ/kỹ, lí/lý, mĩ/mỹ compare equal.
FOLD_FUNCTION = r"""
CREATE FUNCTION jobmap_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(
    lower(btrim(regexp_replace(
        public.unaccent('public.unaccent'::regdictionary, $1), '\s+', ' ', 'g'))),
    '([bcdfghjklmnpqrstvwxz])y\M', '\1i', 'g')
"""


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text(FOLD_FUNCTION))
    op.create_table(
        "employer",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tax_code", sa.String(length=14), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'", name=op.f("ck_employer_tax_code_format")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer")),
        sa.UniqueConstraint("tax_code", name=op.f("uq_employer_tax_code")),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("principal", "endpoint", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_index(
        "ix_idempotency_record_created_at", "idempotency_record", ["created_at"], unique=False
    )
    op.create_table(
        "industry",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("name_vi", sa.Text(), nullable=True),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("parent_code", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_industry")),
    )
    op.create_table(
        "occupation",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("name_vi", sa.Text(), nullable=True),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("parent_code", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_occupation")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'employer') = (employer_id IS NOT NULL)",
            name=op.f("ck_api_key_employer_binding"),
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'department', 'employer')", name=op.f("ck_api_key_role")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_api_key_employer_id_employer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_index("ix_api_key_employer_id", "api_key", ["employer_id"], unique=False)
    op.create_table(
        "vacancy",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occupation_code", sa.String(length=8), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=True),
        sa.Column("employment_type", sa.String(length=16), nullable=False),
        sa.Column("salary_min", sa.BigInteger(), nullable=True),
        sa.Column("salary_max", sa.BigInteger(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), server_default="VND", nullable=False),
        sa.Column("salary_period", sa.String(length=8), nullable=True),
        sa.Column("salary_negotiable", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("salary_monthly_min", sa.BigInteger(), nullable=True),
        sa.Column("salary_monthly_max", sa.BigInteger(), nullable=True),
        sa.Column("education_level", sa.String(length=32), nullable=True),
        sa.Column("experience_years", sa.SmallInteger(), nullable=True),
        sa.Column("age_min", sa.SmallInteger(), nullable=True),
        sa.Column("age_max", sa.SmallInteger(), nullable=True),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("close_reason", sa.String(length=16), nullable=True),
        sa.Column("valid_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("positions", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
            "(status = 'closed') = (close_reason IS NOT NULL)",
            name=op.f("ck_vacancy_closed_reason"),
        ),
        sa.CheckConstraint(
            "close_reason IN ('filled', 'withdrawn', 'expired')",
            name=op.f("ck_vacancy_close_reason"),
        ),
        sa.CheckConstraint(
            "education_level IN ('none', 'primary', 'lower_secondary', 'upper_secondary', "
            "'vocational_elementary', 'vocational_intermediate', 'college', 'university', "
            "'postgraduate')",
            name=op.f("ck_vacancy_education_level"),
        ),
        sa.CheckConstraint(
            "employment_type IN ('full_time', 'part_time', 'seasonal', 'contract', 'internship')",
            name=op.f("ck_vacancy_employment_type"),
        ),
        sa.CheckConstraint("salary_currency = 'VND'", name=op.f("ck_vacancy_salary_currency")),
        sa.CheckConstraint(
            "salary_period IN ('hour', 'day', 'month', 'year')",
            name=op.f("ck_vacancy_salary_period"),
        ),
        sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f("ck_vacancy_status")),
        sa.CheckConstraint("positions >= 1", name=op.f("ck_vacancy_positions")),
        sa.CheckConstraint(
            "salary_max IS NULL OR salary_min IS NULL OR salary_max >= salary_min",
            name=op.f("ck_vacancy_salary_range"),
        ),
        sa.CheckConstraint(
            "salary_min IS NULL OR salary_min >= 0", name=op.f("ck_vacancy_salary_min")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_vacancy_employer_id_employer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["industry_code"], ["industry.code"], name=op.f("fk_vacancy_industry_code_industry")
        ),
        sa.ForeignKeyConstraint(
            ["occupation_code"],
            ["occupation.code"],
            name=op.f("fk_vacancy_occupation_code_occupation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancy")),
        sa.UniqueConstraint(
            "employer_id", "external_ref", name=op.f("uq_vacancy_employer_id_external_ref")
        ),
    )
    op.create_index(
        "ix_vacancy_employer_id_created_at", "vacancy", ["employer_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_vacancy_status_valid_through", "vacancy", ["status", "valid_through"], unique=False
    )
    op.create_table(
        "vacancy_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("pg_current_xact_id()::text::bigint"),
            nullable=False,
        ),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('created', 'updated', 'closed', 'expired')",
            name=op.f("ck_vacancy_event_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancy.id"],
            name=op.f("fk_vacancy_event_vacancy_id_vacancy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancy_event")),
    )
    op.create_index("ix_vacancy_event_txid_id", "vacancy_event", ["txid", "id"], unique=False)
    op.create_table(
        "vacancy_site",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("positions", sa.Integer(), nullable=False),
        sa.Column(
            "geom",
            Geometry(geometry_type="POINT", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
        ),
        sa.Column("approximate", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("area_id", sa.BigInteger(), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.CheckConstraint("positions BETWEEN 1 AND 10000", name=op.f("ck_vacancy_site_positions")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_vacancy_site_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancy.id"],
            name=op.f("fk_vacancy_site_vacancy_id_vacancy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancy_site")),
    )
    op.create_index(
        "ix_vacancy_site_geom",
        "vacancy_site",
        ["geom"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index("ix_vacancy_site_vacancy_id", "vacancy_site", ["vacancy_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_vacancy_site_vacancy_id", table_name="vacancy_site")
    op.drop_index("ix_vacancy_site_geom", table_name="vacancy_site", postgresql_using="gist")
    op.drop_table("vacancy_site")
    op.drop_index("ix_vacancy_event_txid_id", table_name="vacancy_event")
    op.drop_table("vacancy_event")
    op.drop_index("ix_vacancy_status_valid_through", table_name="vacancy")
    op.drop_index("ix_vacancy_employer_id_created_at", table_name="vacancy")
    op.drop_table("vacancy")
    op.drop_index("ix_api_key_employer_id", table_name="api_key")
    op.drop_table("api_key")
    op.drop_table("occupation")
    op.drop_table("industry")
    op.drop_index("ix_idempotency_record_created_at", table_name="idempotency_record")
    op.drop_table("idempotency_record")
    op.drop_table("employer")
    op.execute(sa.text("DROP FUNCTION jobmap_fold(text)"))
