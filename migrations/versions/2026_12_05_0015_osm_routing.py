"""Streets and travel time (issue 16): the pgRouting extension and the speed table.

`travel_speed` holds the average speed of each road class for each travel mode, with the wait
added to each ferry crossing. `jobmap osm load` computes edge costs from it, and
`jobmap osm recost` again after an operator edits it; it lives in `public`, outside the `osm`
schema that every load replaces, so edits survive reloads. docs/operations.md explains the
defaults below.

pgRouting, like PostGIS, is not a trusted extension: the role that migrates must be a
superuser, as for 0001 (scripts/db.sh makes the project's role one).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Average speeds in km/h, below the legal limits of Thông tư 38/2024/TT-BGTVT (motorbikes at
# most 50-60 km/h in built-up areas, 60-70 outside; no expressways for motorbikes).
MOTORBIKE = {
    "trunk": 50,
    "trunk_link": 40,
    "primary": 40,
    "primary_link": 35,
    "secondary": 35,
    "secondary_link": 30,
    "tertiary": 30,
    "tertiary_link": 25,
    "unclassified": 25,
    "road": 25,
    "residential": 20,
    "living_street": 10,
    "service": 15,
    "track": 15,
}
BICYCLE = {
    **dict.fromkeys(
        (
            "trunk",
            "trunk_link",
            "primary",
            "primary_link",
            "secondary",
            "secondary_link",
            "tertiary",
            "tertiary_link",
            "unclassified",
            "road",
            "residential",
            "cycleway",
        ),
        15,
    ),
    "living_street": 10,
    "service": 12,
    "track": 10,
    "path": 10,
    "pedestrian": 8,
}
WALK = {
    **dict.fromkeys(
        (
            "trunk",
            "trunk_link",
            "primary",
            "primary_link",
            "secondary",
            "secondary_link",
            "tertiary",
            "tertiary_link",
            "unclassified",
            "road",
            "residential",
            "living_street",
            "service",
            "pedestrian",
            "footway",
            "cycleway",
        ),
        5,
    ),
    "track": 4.5,
    "path": 4.5,
    "steps": 2,
}
# River ferries cross at about 10 km/h (a tagged duration= replaces that) and leave every
# 15-30 minutes by day: half of a 20-minute headway is the average wait.
FERRY_KMH = 10
FERRY_WAIT_S = 600


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for mode, speeds in (("motorbike", MOTORBIKE), ("bicycle", BICYCLE), ("walk", WALK)):
        rows += [
            {"road_class": road_class, "mode": mode, "kmh": kmh, "wait_s": 0, "note": None}
            for road_class, kmh in speeds.items()
        ]
        rows.append(
            {
                "road_class": "ferry",
                "mode": mode,
                "kmh": FERRY_KMH,
                "wait_s": FERRY_WAIT_S,
                "note": "crossing speed; wait_s: half of a 20-minute headway",
            }
        )
    return rows


def upgrade() -> None:
    op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pgrouting"))
    table = op.create_table(
        "travel_speed",
        sa.Column("road_class", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("kmh", sa.REAL(), nullable=False),
        sa.Column("wait_s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("mode IN ('motorbike', 'bicycle', 'walk')", name="ck_travel_speed_mode"),
        sa.CheckConstraint("kmh > 0 AND kmh <= 130", name="ck_travel_speed_kmh"),
        sa.CheckConstraint("wait_s >= 0", name="ck_travel_speed_wait_s"),
        sa.PrimaryKeyConstraint("road_class", "mode", name="pk_travel_speed"),
    )
    op.bulk_insert(table, _rows())


def downgrade() -> None:
    op.drop_table("travel_speed")
    # The loaded network depends on nothing else; it goes with the extension it was built for.
    op.execute(sa.text("DROP SCHEMA IF EXISTS osm CASCADE"))
    op.execute(sa.text("DROP EXTENSION IF EXISTS pgrouting"))
