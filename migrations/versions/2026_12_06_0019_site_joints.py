"""Work sites joined to the street network once, not at every travel-time search (issue 16).

A travel-time search found each candidate site's nearest usable road at query time: a KNN
walk and a spheroid distance for every site within top speed x time, about 5 s of a 15-minute
search on 100,000 vacancies. `osm.site_joint` keeps that road per site and mode
(jobmap_join_sites); `jobmap osm load` builds it in the schema it swaps in, and triggers on
vacancy_site keep it in step (jobmap_site_joints). A network loaded before this revision gets
its table here, with every site joined.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {
    "jobmap_join_sites": "958f70864705",
    "jobmap_site_joints": "4d363f54bb67",
    "triggers": "f5c8494c5008",
}


def upgrade() -> None:
    sqlfiles.apply(SQL_FILES)
    if op.get_bind().scalar(sa.text("SELECT to_regclass('osm.info') IS NOT NULL")):
        op.execute(
            sa.text(
                "CREATE TABLE osm.site_joint (site_id bigint NOT NULL, mode text NOT NULL, "
                "edge_id bigint, fraction float8, access_m float8, "
                "PRIMARY KEY (site_id, mode)) PARTITION BY LIST (mode)"
            )
        )
        for mode in ("motorbike", "bicycle", "walk"):
            op.execute(
                sa.text(
                    f"CREATE TABLE osm.site_joint_{mode} PARTITION OF osm.site_joint "
                    f"FOR VALUES IN ('{mode}')"
                )
            )
        op.execute(sa.text("SELECT jobmap_join_sites('osm')"))
        op.execute(sa.text("CREATE INDEX ON osm.site_joint (edge_id)"))
        op.execute(sa.text("ANALYZE osm.site_joint"))


def downgrade() -> None:
    for trigger in ("insert", "move", "delete"):
        op.execute(sa.text(f"DROP TRIGGER vacancy_site_joints_{trigger} ON vacancy_site"))
    op.execute(sa.text("DROP FUNCTION jobmap_site_joints()"))
    op.execute(sa.text("DROP FUNCTION jobmap_join_sites(text, bigint[])"))
    op.execute(sa.text("DROP TABLE IF EXISTS osm.site_joint"))
    sqlfiles.restore(revision, "triggers")
