"""Isochrones drawn from cells (issue 16).

An isochrone was a 50 m buffer of every road reached: GEOS nodes and unions every buffered
segment, 3 s for the 15,626 roads of a 20-minute area on the benchmark's province-sized grid,
9 s at 45 minutes (over the 5 s statement timeout). The roads are now burnt into a raster of
50 m cells and the cells traced (`ST_AsRaster`, `ST_Polygon`), which needs PostGIS's raster
functions: the `postgis_raster` extension, shipped in the same Debian package as PostGIS.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis_raster"))


def downgrade() -> None:
    op.execute(sa.text("DROP EXTENSION IF EXISTS postgis_raster"))
