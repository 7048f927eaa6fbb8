"""SQL of the street network: the routing graph built from the imported ways, its costs, its
counts, and the swap of a freshly loaded schema into `osm`.

Schema names are never user input: they are made by `app.osm.service` and checked against
SCHEMA_NAME before being put into SQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.models.street_network import NETWORK_GONE

LIVE = "osm"
SCHEMA_NAME = re.compile(r"^osm(_(load|old)_[0-9a-f]{8})?$")
# Held for a whole load: one load at a time (a second one is refused, not queued).
LOAD_LOCK_KEY = 0x6F736D  # "osm"


def _schema(name: str) -> str:
    if not SCHEMA_NAME.match(name):
        raise ValueError(f"not a schema of the street network: {name!r}")
    return name


# Ways become edges between the nodes they share with other ways (and their end nodes): the
# graph's topology is OSM's own, so a bridge meets no road it passes over and a ferry meets the
# roads at its landings only. Vertex ids are OSM node ids. A way whose geometry lost points
# (two consecutive nodes at one position) cannot be cut by node index and is left out and
# counted. `share` is the edge's part of its way's length (a ferry's duration and wait are
# shared out by it, so a ferry way cut into pieces costs one crossing and one wait in all).
#
# Each way is read once: its node ids and its points are unnested side by side (ROWS FROM),
# numbered into pieces by a running count of cut points, and a cut point is also the last
# point of the piece before it. (Reading points with ST_PointN per edge detoasted the whole
# way for each point: 4 minutes instead of seconds on 319,200 edges.)
_EDGES = """
CREATE TABLE {s}.edge AS
WITH way AS (
    SELECT *, ST_Length(geom::geography) AS way_length_m FROM {s}.road
    WHERE (motorbike OR bicycle OR foot) AND cardinality(nodes) = ST_NPoints(geom)
), point AS (
    SELECT w.way_id, z.idx::int AS idx, z.node, z.pt, cardinality(w.nodes) AS n
    FROM way AS w,
         ROWS FROM (unnest(w.nodes), ST_DumpPoints(w.geom)) WITH ORDINALITY
             AS z(node, path, pt, idx)
), shared AS (
    SELECT node FROM point GROUP BY node HAVING count(*) > 1
), numbered AS (
    SELECT p.*, count(*) FILTER (WHERE p.cut) OVER (PARTITION BY p.way_id ORDER BY p.idx)
               AS piece
    FROM (SELECT point.*, (idx = 1 OR idx = n OR shared.node IS NOT NULL) AS cut
          FROM point LEFT JOIN shared USING (node)) AS p
), piece AS (
    SELECT way_id, piece, idx, node, pt FROM numbered
    UNION ALL
    SELECT way_id, piece - 1, idx, node, pt FROM numbered WHERE cut AND idx > 1
), span AS (
    SELECT way_id, piece, ST_MakeLine(pt ORDER BY idx) AS geom, count(*) AS points,
           (array_agg(node ORDER BY idx))[1] AS source,
           (array_agg(node ORDER BY idx DESC))[1] AS target
    FROM piece GROUP BY way_id, piece
)
SELECT (row_number() OVER (ORDER BY s.way_id, s.piece))::bigint AS id,
       s.way_id, s.source, s.target, w.class, w.name, w.ref, w.oneway, w.oneway_bicycle,
       w.bridge, w.tunnel, w.maxspeed, w.motorbike, w.bicycle, w.foot, w.duration_s,
       s.geom::geometry(LineString, 4326) AS geom,
       ST_Length(s.geom::geography) AS length_m,
       ST_Length(s.geom::geography) / NULLIF(w.way_length_m, 0) AS share,
       NULL::float8 AS cost_motorbike, NULL::float8 AS reverse_cost_motorbike,
       NULL::float8 AS cost_bicycle, NULL::float8 AS reverse_cost_bicycle,
       NULL::float8 AS cost_walk
FROM span AS s
JOIN way AS w USING (way_id)
WHERE s.points >= 2
"""

_EDGE_INDEXES = (
    "ALTER TABLE {s}.edge ADD PRIMARY KEY (id)",
    "CREATE INDEX ON {s}.edge USING gist (geom)",
    "CREATE INDEX ON {s}.edge (source)",
    "CREATE INDEX ON {s}.edge (target)",
)

_VERTICES = (
    """
    CREATE TABLE {s}.vertex AS
    SELECT DISTINCT ON (id) id, geom::geometry(Point, 4326) AS geom, NULL::bigint AS component
    FROM (SELECT source AS id, ST_StartPoint(geom) AS geom FROM {s}.edge
          UNION ALL
          SELECT target, ST_EndPoint(geom) FROM {s}.edge) AS ends
    ORDER BY id
    """,
    "ALTER TABLE {s}.vertex ADD PRIMARY KEY (id)",
    "CREATE INDEX ON {s}.vertex USING gist (geom)",
    # Connected parts of the network, whatever the mode and direction: an island with no
    # bridge or ferry is its own part.
    """
    UPDATE {s}.vertex AS v SET component = c.component
    FROM pgr_connectedComponents(
        'SELECT id, source, target, 1.0::float8 AS cost, 1.0::float8 AS reverse_cost
         FROM {s}.edge') AS c
    WHERE c.node = v.id
    """,
)

# Seconds to travel one edge by a mode, from public.travel_speed (joined as sp): NULL when the
# mode may not use the edge (access tags, or no speed for its class). Motorbikes keep to a
# lower maxspeed.
_SECONDS = """CASE WHEN e.{allowed} THEN
    CASE WHEN e.class = 'ferry' AND e.duration_s IS NOT NULL THEN e.duration_s * e.share
         ELSE e.length_m / ({speed} / 3.6) END
    + {sp}.wait_s * coalesce(e.share, 1)
END"""

_COSTS = """
WITH t AS (
    SELECT e.id, {motorbike} AS motorbike, {bicycle} AS bicycle, {walk} AS walk
    FROM {s}.edge AS e
    LEFT JOIN public.travel_speed AS m ON m.road_class = e.class AND m.mode = 'motorbike'
    LEFT JOIN public.travel_speed AS b ON b.road_class = e.class AND b.mode = 'bicycle'
    LEFT JOIN public.travel_speed AS f ON f.road_class = e.class AND f.mode = 'walk'
)
UPDATE {s}.edge AS e SET
    cost_motorbike = CASE WHEN e.oneway = -1 THEN -1 ELSE coalesce(t.motorbike, -1) END,
    reverse_cost_motorbike = CASE WHEN e.oneway = 1 THEN -1 ELSE coalesce(t.motorbike, -1) END,
    cost_bicycle = CASE WHEN e.oneway_bicycle = -1 THEN -1 ELSE coalesce(t.bicycle, -1) END,
    reverse_cost_bicycle = CASE WHEN e.oneway_bicycle = 1 THEN -1
                                ELSE coalesce(t.bicycle, -1) END,
    cost_walk = coalesce(t.walk, -1)
FROM t WHERE t.id = e.id
""".format(  # noqa: S608  (constant text; {s} becomes a checked schema name)
    s="{s}",
    motorbike=_SECONDS.format(
        allowed="motorbike", speed="least(m.kmh, coalesce(e.maxspeed, m.kmh))", sp="m"
    ),
    bicycle=_SECONDS.format(allowed="bicycle", speed="b.kmh", sp="b"),
    walk=_SECONDS.format(allowed="foot", speed="f.kmh", sp="f"),
)

_INFO = (
    """
    CREATE TABLE {s}.info AS
    SELECT CAST(:source AS text) AS source, now() AS loaded_at,
           (SELECT count(*) FROM {s}.road) AS ways,
           (SELECT count(*) FROM {s}.road
            WHERE cardinality(nodes) <> ST_NPoints(geom)) AS skipped_ways,
           (SELECT count(*) FROM {s}.edge) AS edges,
           (SELECT count(*) FROM {s}.vertex) AS vertices,
           (SELECT count(DISTINCT component) FROM {s}.vertex) AS components
    """,
)


_COUNTS = """
SELECT i.source, i.ways, i.skipped_ways, i.edges, i.vertices, i.components, e.*
FROM {s}.info AS i, LATERAL (
    SELECT count(*) FILTER (WHERE cost_motorbike >= 0 OR reverse_cost_motorbike >= 0),
           count(*) FILTER (WHERE cost_bicycle >= 0 OR reverse_cost_bicycle >= 0),
           count(*) FILTER (WHERE cost_walk >= 0),
           count(*) FILTER (WHERE class = 'ferry')
    FROM {s}.edge
) AS e
"""


@dataclass(frozen=True)
class NetworkCounts:
    source: str
    ways: int
    skipped_ways: int
    edges: int
    vertices: int
    components: int
    # Edges that each mode may use in at least one direction.
    motorbike_edges: int
    bicycle_edges: int
    walk_edges: int
    ferry_edges: int

    @property
    def isolated_parts(self) -> int:
        """Parts of the network not connected to the largest (0 when it is all one)."""
        return max(self.components - 1, 0)


async def run_in_schema(connection: AsyncConnection, schema: str, *statements: str) -> None:
    """Statements whose `{s}` is `schema` (checked against SCHEMA_NAME)."""
    for statement in statements:
        await connection.execute(text(statement.format(s=_schema(schema))))


async def create_schema(connection: AsyncConnection, schema: str) -> None:
    await run_in_schema(connection, schema, "CREATE SCHEMA {s}")


async def drop_schema(connection: AsyncConnection, schema: str) -> None:
    await run_in_schema(connection, schema, "DROP SCHEMA IF EXISTS {s} CASCADE")


async def leftover_schemas(connection: AsyncConnection) -> list[str]:
    """Schemas of loads that died before their swap or their cleanup."""
    rows = await connection.scalars(
        text(
            "SELECT nspname FROM pg_namespace "
            r"WHERE nspname ~ '^osm_(load|old)_[0-9a-f]{8}$' ORDER BY nspname"
        )
    )
    return list(rows)


async def build_edges(connection: AsyncConnection, schema: str) -> None:
    """The edges, without indexes yet (costing them first is cheaper)."""
    await run_in_schema(connection, schema, _EDGES)


async def index_edges(connection: AsyncConnection, schema: str) -> None:
    await run_in_schema(connection, schema, *_EDGE_INDEXES)


async def build_vertices(connection: AsyncConnection, schema: str) -> None:
    await run_in_schema(connection, schema, *_VERTICES)


async def apply_speeds(connection: AsyncConnection, schema: str = LIVE) -> int:
    """(Re)compute every edge's cost per mode from travel_speed; the number of edges."""
    result = await connection.execute(text(_COSTS.format(s=_schema(schema))))
    return int(result.rowcount)


async def record_recost(connection: AsyncConnection) -> None:
    """Note in the live network's info row when its costs were computed again: workers keep
    the routing graph in memory (app/search/road_graph.py) keyed by that row."""
    await run_in_schema(
        connection,
        LIVE,
        "ALTER TABLE {s}.info ADD COLUMN IF NOT EXISTS costed_at timestamptz",
        "UPDATE {s}.info SET costed_at = clock_timestamp()",
    )


async def record_info(connection: AsyncConnection, schema: str, source: str) -> None:
    for statement in _INFO:
        await connection.execute(text(statement.format(s=_schema(schema))), {"source": source})
    await run_in_schema(connection, schema, "ANALYZE {s}.edge", "ANALYZE {s}.vertex")


async def counts(connection: AsyncConnection, schema: str = LIVE) -> NetworkCounts | None:
    """The network's counts, or None when the schema holds no network."""
    s = _schema(schema)
    exists = await connection.scalar(
        text("SELECT to_regclass(:info) IS NOT NULL"), {"info": f"{s}.info"}
    )
    if not exists:
        return None
    row = (await connection.execute(text(_COUNTS.format(s=s)))).one()
    return NetworkCounts(*row)


async def swap_in(connection: AsyncConnection, schema: str, retired: str) -> bool:
    """In the caller's transaction: `osm` becomes `retired` and is dropped, `schema` becomes
    `osm`. True when an old network was replaced.

    The old tables are locked first (a short lock_timeout: a reader holding one makes this
    attempt fail and the caller retry, rather than stall readers queued behind it). A query
    that waits on a locked table looks its name up again once the swap commits, so readers
    see the old network or the new one, never neither."""
    await connection.execute(text("SET LOCAL lock_timeout = '500ms'"))
    tables = list(
        await connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
            {"s": LIVE},
        )
    )
    if tables:
        names = ", ".join(f"{LIVE}.{name}" for name in tables)
        await connection.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
    replaced = bool(
        await connection.scalar(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": LIVE}
        )
    )
    if replaced:
        await run_in_schema(connection, retired, f"ALTER SCHEMA {LIVE} RENAME TO {{s}}")
    await run_in_schema(connection, schema, f"ALTER SCHEMA {{s}} RENAME TO {LIVE}")
    if replaced:
        await drop_schema(connection, retired)
    return replaced


# The basemap: one statement draws a tile's four layers from the live network and returns the
# load time with it (the tile and its ETag come from the same network, even mid-reload).
# Geometries are stored in 4326: candidates are found by the tile's envelope in 4326 (with
# the tile buffer), then transformed to 3857 for ST_AsMVTGeom. What each zoom shows is decided
# by app.osm.basemap (classes and kinds, smallest water area); this only applies it.
_BASEMAP = """
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326) AS box
), water AS (
    SELECT ST_AsMVTGeom(ST_Transform(w.geom, 3857), b.tile, 4096, 64, true) AS geom,
           w.kind, w.name
    FROM osm.water AS w, bounds AS b
    WHERE w.geom && b.box AND ST_Area(w.geom) >= :min_water_deg2
    UNION ALL
    SELECT ST_AsMVTGeom(ST_Transform(w.geom, 3857), b.tile, 4096, 64, true), w.kind, w.name
    FROM osm.waterway AS w, bounds AS b
    WHERE w.geom && b.box AND w.kind = ANY(CAST(:waterways AS text[]))
), landuse AS (
    SELECT ST_AsMVTGeom(ST_Transform(l.geom, 3857), b.tile, 4096, 64, true) AS geom,
           l.kind, l.name
    FROM osm.landuse AS l, bounds AS b
    WHERE :landuse AND l.geom && b.box
), roads AS (
    SELECT ST_AsMVTGeom(ST_Transform(r.geom, 3857), b.tile, 4096, 64, true) AS geom,
           r.class, r.name, r.ref, r.oneway, r.bridge, r.tunnel
    FROM osm.road AS r, bounds AS b
    WHERE r.geom && b.box AND r.class = ANY(CAST(:classes AS text[]))
), places AS (
    SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.tile, 4096, 64, true) AS geom,
           p.kind, p.name
    FROM osm.place AS p, bounds AS b
    WHERE p.geom && b.box AND p.kind = ANY(CAST(:places AS text[]))
)
SELECT (SELECT loaded_at FROM osm.info),
       coalesce((SELECT ST_AsMVT(t, 'water', 4096, 'geom') FROM water AS t
                 WHERE t.geom IS NOT NULL), '')
    || coalesce((SELECT ST_AsMVT(t, 'landuse', 4096, 'geom') FROM landuse AS t
                 WHERE t.geom IS NOT NULL), '')
    || coalesce((SELECT ST_AsMVT(t, 'roads', 4096, 'geom') FROM roads AS t
                 WHERE t.geom IS NOT NULL), '')
    || coalesce((SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM places AS t
                 WHERE t.geom IS NOT NULL), '')
"""


class NetworkGoneError(Exception):
    """The network was dropped under a statement (`DROP SCHEMA osm` between two of them)."""


@asynccontextmanager
async def network_reads(session: AsyncSession) -> AsyncIterator[None]:
    """Statements that read the live network, in one savepoint: a network dropped under them
    raises NetworkGoneError, and the request's transaction goes on."""
    try:
        async with session.begin_nested():
            yield
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) in NETWORK_GONE:
            raise NetworkGoneError from error
        raise


async def network_loaded_at(connection: AsyncSession) -> datetime | None:
    """When the live network was loaded; None when there is none."""
    if not await connection.scalar(text("SELECT to_regclass('osm.info') IS NOT NULL")):
        return None
    loaded: datetime | None = await connection.scalar(text("SELECT loaded_at FROM osm.info"))
    return loaded


async def basemap_tile(
    connection: AsyncSession, z: int, x: int, y: int, content: dict[str, object]
) -> tuple[datetime, bytes]:
    """(the network's load time, the tile's bytes) for a tile of the live network."""
    row = (await connection.execute(text(_BASEMAP), {"z": z, "x": x, "y": y, **content})).one()
    return row[0], bytes(row[1])
