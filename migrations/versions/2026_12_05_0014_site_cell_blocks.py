"""site_cell is found by blocks of 8 x 8 cells instead of by tiles of 64 x 64 (issue 17).

A tile of zoom z now draws one cluster per cell of the grid of zoom z - 3, 8 x 8 to a tile: at
zooms 11 and deeper exactly one block of 8 x 8 kept cells, which ix_site_cell_tile could only
find by reading the 64 x 64 cells of its whole tile (up to 64 times as many rows: cold z14
tiles fell to 87% of their speed before this index). Blocks of 8 nest in tiles, so windows of
lower zooms (several blocks) are found as exactly.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("CREATE INDEX ix_site_cell_block ON site_cell (zoom, (cx >> 3), (cy >> 3))"))
    op.execute(sa.text("DROP INDEX ix_site_cell_tile"))


def downgrade() -> None:
    op.execute(sa.text("CREATE INDEX ix_site_cell_tile ON site_cell (zoom, (cx >> 6), (cy >> 6))"))
    op.execute(sa.text("DROP INDEX ix_site_cell_block"))
