"""Industries in two VSIC versions with validity dates, and each posting's version (issue 20).

VSIC 2025 (Quyết định 36/2025/QĐ-TTg) replaced VSIC 2018 (Quyết định 27/2018/QĐ-TTg) on
2025-11-15 and reuses codes with other meanings (section K: finance in 2018, telecoms and IT in
2025; division 45 is gone). `industry` rows become (version, code) with the version's
[valid_from, valid_to); vacancies and placements keep the version their code was given in
(`industry_version`), and (industry_version, industry_code) references industry. Existing rows
were all checked against VSIC 2018, so they get version 2018 whatever their date.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USERS = ("vacancy", "placement")


def _rows(table: str) -> sa.TableClause:
    return sa.table(table, sa.column("industry_code"), sa.column("industry_version"))


def upgrade() -> None:
    for table in _USERS:
        op.drop_constraint(f"fk_{table}_industry_code_industry", table, type_="foreignkey")
    op.add_column(
        "industry", sa.Column("version", sa.String(4), nullable=False, server_default="2018")
    )
    op.alter_column("industry", "version", server_default=None)
    op.add_column("industry", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("industry", sa.Column("valid_to", sa.Date(), nullable=True))
    op.execute(sa.text("UPDATE industry SET valid_to = DATE '2025-11-15'"))
    op.create_check_constraint(
        "validity", "industry", "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to"
    )
    op.drop_constraint("pk_industry", "industry", type_="primary")
    op.create_primary_key("pk_industry", "industry", ["version", "code"])
    for table in _USERS:
        op.add_column(table, sa.Column("industry_version", sa.String(4), nullable=True))
        rows = _rows(table)
        op.execute(
            rows.update().where(rows.c.industry_code.is_not(None)).values(industry_version="2018")
        )
        op.create_check_constraint(
            "industry_version", table, "(industry_code IS NULL) = (industry_version IS NULL)"
        )
        op.create_foreign_key(
            f"fk_{table}_industry_version_industry",
            table,
            "industry",
            ["industry_version", "industry_code"],
            ["version", "code"],
        )


def downgrade() -> None:
    # Rows coded in VSIC 2025 cannot go back to a table of 2018 codes: their codes are cleared.
    for table in _USERS:
        op.drop_constraint(f"fk_{table}_industry_version_industry", table, type_="foreignkey")
        op.drop_constraint(op.f(f"ck_{table}_industry_version"), table, type_="check")
        rows = _rows(table)
        op.execute(
            rows.update().where(rows.c.industry_version != "2018").values(industry_code=None)
        )
        op.drop_column(table, "industry_version")
    op.execute(sa.text("DELETE FROM industry WHERE version <> '2018'"))
    op.drop_constraint("pk_industry", "industry", type_="primary")
    op.create_primary_key("pk_industry", "industry", ["code"])
    op.drop_constraint(op.f("ck_industry_validity"), "industry", type_="check")
    for column in ("valid_to", "valid_from", "version"):
        op.drop_column("industry", column)
    for table in _USERS:
        op.create_foreign_key(
            f"fk_{table}_industry_code_industry", table, "industry", ["industry_code"], ["code"]
        )
