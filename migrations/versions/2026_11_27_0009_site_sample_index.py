"""A fixed sample of public work sites (id a multiple of 64) for facet estimates: counting
every match of a common query took 2-3 s on 1,000,000 vacancies; the sample answers the
whole province in 9 ms from the index alone (app/search/facets.py, bench/README.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # INCLUDE: what facets group by and what the search filters on most (no heap reads).
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_sample ON vacancy_site (id) "
            "INCLUDE (vacancy_id, occupation_code, employment_type, area_id, "
            "salary_monthly_min, salary_monthly_max, valid_through) "
            "WHERE public AND id % 64 = 0"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DROP INDEX ix_vacancy_site_public_sample"))
