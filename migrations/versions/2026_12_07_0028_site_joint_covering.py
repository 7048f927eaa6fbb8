"""The sites on a travel-time search's ring read from the edge index alone (issue 16).

A search's ring reads the stored joints of its roads (`osm.site_joint` by `edge_id`): at a
dense centre of the benchmark 2,441 of them, on 2,181 heap pages. The index now carries the
columns the search reads (site, fraction, walk, mode), so the read is an index-only scan
(3.7 ms to 1.8 ms there). `jobmap osm load` builds it so; a network loaded before this
revision gets it here.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERING = "CREATE INDEX ON osm.site_joint (edge_id) INCLUDE (site_id, fraction, access_m, mode)"
COVERING_NAME = "osm.site_joint_edge_id_site_id_fraction_access_m_mode_idx"  # PostgreSQL's own


def _with_network() -> bool:
    return bool(op.get_bind().scalar(sa.text("SELECT to_regclass('osm.site_joint') IS NOT NULL")))


def upgrade() -> None:
    if _with_network():
        op.execute(sa.text(COVERING))
        op.execute(sa.text("DROP INDEX IF EXISTS osm.site_joint_edge_id_idx"))


def downgrade() -> None:
    if _with_network():
        op.execute(sa.text("CREATE INDEX ON osm.site_joint (edge_id)"))
        op.execute(
            sa.text(
                "DROP INDEX IF EXISTS osm.site_joint_edge_id_site_id_fraction_access_m_mode_idx"
            )
        )
