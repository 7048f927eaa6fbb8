"""Single sites coloured by occupation group at every zoom (issue 17).

Below the zoom where sites are drawn one by one, the map drew a lone site as a count-1 cluster
in one colour: site_cell knew only counts and positions. It now also keeps `group_sum`, the sum
of ascii(occupation_code) over a cell's public sites (0 for a site without one). Like the other
sums it adds and subtracts exactly, so the triggers keep it in the same statements, and in a
cell of one site it is that site's occupation group (app/tiles/cells.py). Filled here from the
public sites, under the lock the new column takes, so no trigger writes in between.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {"jobmap_site_cells": "6c72cf072ada"}


def upgrade() -> None:
    op.execute(sa.text("ALTER TABLE site_cell ADD COLUMN group_sum bigint NOT NULL DEFAULT 0"))
    sqlfiles.apply(SQL_FILES)
    op.execute(
        sa.text(
            "UPDATE site_cell AS c SET group_sum = g.group_sum "
            "FROM (SELECT z AS zoom, jobmap_cell_x(s.geom, z) AS cx, "
            "jobmap_cell_y(s.geom, z) AS cy, "
            "sum(coalesce(ascii(s.occupation_code), 0)) AS group_sum "
            "FROM vacancy_site AS s CROSS JOIN generate_series(8, 15) AS z "
            "WHERE s.public GROUP BY 1, 2, 3) AS g "
            "WHERE c.zoom = g.zoom AND c.cx = g.cx AND c.cy = g.cy AND g.group_sum <> 0"
        )
    )


def downgrade() -> None:
    sqlfiles.restore(revision, *SQL_FILES)
    op.execute(sa.text("ALTER TABLE site_cell DROP COLUMN group_sum"))
