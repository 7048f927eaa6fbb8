"""Two indexes of public sites, found slow on 1,000,000 vacancies:
- by commune: the choropleth (`/v1/areas?with=vacancies`) counted each commune's sites by
  reading the whole site table, 124 times (15 s);
- by monthly pay: `sort=salary` sorted every match (3 s within 100 km).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # INCLUDE: count(DISTINCT vacancy_id), sum(positions) and the expiry test need no heap.
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_area ON vacancy_site (area_id, vacancy_id) "
            "INCLUDE (positions, valid_through) WHERE public"
        )
    )

    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_salary ON vacancy_site "
            "(COALESCE(salary_monthly_max, salary_monthly_min, -1) DESC, id DESC) WHERE public"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DROP INDEX ix_vacancy_site_public_salary"))
    op.execute(sa.text("DROP INDEX ix_vacancy_site_public_area"))
