"""Each work site's joint with the street network (`site_joint`, one partition per travel
mode): the SQL that builds it in a schema a load makes, joins the sites a load missed, and
joins every site again after a recost. The rows are written by jobmap_join_sites
(migrations/sql), which the site triggers call too."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models.travel_speed import TravelMode
from app.osm.repository import run_in_schema

# Each work site's nearest usable road per mode (jobmap_join_sites, migrations/sql): travel-time
# search reads it instead of probing every candidate site's road at query time.
_SITE_JOINTS = (
    # One partition per mode: a search reads one mode's rows (a hash of them, or lookups).
    """
    CREATE TABLE {s}.site_joint (
        site_id bigint NOT NULL,
        mode text NOT NULL,
        edge_id bigint,
        fraction float8,
        access_m float8,
        PRIMARY KEY (site_id, mode)
    ) PARTITION BY LIST (mode)
    """,
    *(
        f"CREATE TABLE {{s}}.site_joint_{mode} PARTITION OF {{s}}.site_joint"
        f" FOR VALUES IN ('{mode}')"
        for mode in TravelMode
    ),
    "SELECT jobmap_join_sites('{s}')",
    # The sites on given roads: a travel-time search's first look (app/search/travel.py),
    # read from the index alone (migration 0028).
    "CREATE INDEX ON {s}.site_joint (edge_id) INCLUDE (site_id, fraction, access_m, mode)",
    "ANALYZE {s}.site_joint",
)

# Sites written while a load built its schema joined the network it replaced: joined again,
# once that schema is live (every site written after the swap is joined by its trigger).
_JOIN_MISSED_SITES = """
SELECT jobmap_join_sites('osm', ARRAY(
    SELECT s.id FROM vacancy_site AS s
    WHERE NOT EXISTS (SELECT FROM osm.site_joint AS j WHERE j.site_id = s.id)))
"""


async def join_sites(connection: AsyncConnection, schema: str) -> None:
    """Every work site's joint with the schema's network (its table, built here)."""
    await run_in_schema(connection, schema, *_SITE_JOINTS)


async def join_missed_sites(connection: AsyncConnection) -> int:
    """Join the sites the live network has no joint for; rows written."""
    return int(await connection.scalar(text(_JOIN_MISSED_SITES)) or 0)


async def rejoin_sites(connection: AsyncConnection) -> int:
    """Join every site again to the live network (its usable roads changed); rows written."""
    return int(await connection.scalar(text("SELECT jobmap_join_sites('osm')")) or 0)


__all__ = ["join_missed_sites", "join_sites", "rejoin_sites"]
