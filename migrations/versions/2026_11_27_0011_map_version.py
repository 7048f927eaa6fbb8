"""A counter of the writes that can change what the map shows (vacancies, their sites,
employers), kept in the writing transaction: the tile cache (app/tiles/cache.py) serves a
tile only while the counter and the next expiry are those it was drawn under.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("vacancy", "vacancy_site", "employer")

# A statement trigger (one call for a whole COPY). Statements that touch no row (the vacancy
# trigger's site sync runs one per vacancy) leave the counter, and its lock, alone.
BUMP = r"""
CREATE FUNCTION jobmap_bump_map_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;
    END IF;
    UPDATE map_version SET version = version + 1;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.execute(
        sa.text(
            "CREATE TABLE map_version (one boolean PRIMARY KEY DEFAULT true "
            "CONSTRAINT ck_map_version_one CHECK (one), "
            "version bigint NOT NULL)"
        )
    )
    op.execute(sa.text("INSERT INTO map_version (version) VALUES (0)"))
    op.execute(sa.text(BUMP))
    for table in TABLES:
        for operation, transition in (
            ("insert", "NEW TABLE AS new_rows"),
            ("update", "NEW TABLE AS new_rows"),
            ("delete", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                sa.text(
                    f"CREATE TRIGGER {table}_map_version_{operation} AFTER {operation.upper()} "
                    f"ON {table} REFERENCING {transition} FOR EACH STATEMENT "
                    "EXECUTE FUNCTION jobmap_bump_map_version()"
                )
            )


def downgrade() -> None:
    for table in TABLES:
        for operation in ("insert", "update", "delete"):
            op.execute(sa.text(f"DROP TRIGGER {table}_map_version_{operation} ON {table}"))
    op.execute(sa.text("DROP FUNCTION jobmap_bump_map_version()"))
    op.execute(sa.text("DROP TABLE map_version"))
