"""The street network's routing graph as other domains query it (the `osm` schema that
`jobmap osm load` builds and swaps in, app/osm): the edges pgRouting routes over, per mode.

Costs are seconds; a negative cost closes that direction (pgRouting's convention), so one-way
streets bind motorbikes and bicycles, and walkers go both ways on every way open to them."""

from __future__ import annotations

import math

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Column, ColumnElement, Float, MetaData, Table, Text

from app.models.travel_speed import TravelMode

# What PostgreSQL says when the network was dropped under a statement (`DROP SCHEMA osm`
# between two of them): its tables are missing (42P01) or its schema is (3F000).
NETWORK_GONE = frozenset({"42P01", "3F000"})

_EDGES = {
    TravelMode.motorbike: (
        "SELECT id, source, target, cost_motorbike AS cost, reverse_cost_motorbike AS reverse_cost"
        " FROM osm.edge WHERE (cost_motorbike >= 0 OR reverse_cost_motorbike >= 0)"
    ),
    TravelMode.bicycle: (
        "SELECT id, source, target, cost_bicycle AS cost, reverse_cost_bicycle AS reverse_cost"
        " FROM osm.edge WHERE (cost_bicycle >= 0 OR reverse_cost_bicycle >= 0)"
    ),
    TravelMode.walk: (
        "SELECT id, source, target, cost_walk AS cost, cost_walk AS reverse_cost"
        " FROM osm.edge WHERE cost_walk >= 0"
    ),
}


def edges_sql(mode: TravelMode) -> str:
    """The edges query of pgRouting functions (pgr_dijkstra, pgr_drivingDistance, ...)."""
    return _EDGES[mode]


# Travel-time search (app/search/travel.py) joins points to the network: a point farther
# than this from every road a mode may use is not on the network (not reachable, and no
# search starts there).
ACCESS_MAX_M = 500.0
# The walk between a point (the search's origin, a work site) and its nearest road is counted
# at this speed, whatever the mode: one pushes a motorbike down an alley too.
ACCESS_KMH = 5.0

_COST_COLUMNS = {
    TravelMode.motorbike: ("cost_motorbike", "reverse_cost_motorbike"),
    TravelMode.bicycle: ("cost_bicycle", "reverse_cost_bicycle"),
    TravelMode.walk: ("cost_walk", "cost_walk"),
}

# Its own MetaData: the schema is made by the import, not by migrations.
_NETWORK = MetaData()
edge = Table(
    "edge",
    _NETWORK,
    Column("id", BigInteger, primary_key=True),
    Column("source", BigInteger),
    Column("target", BigInteger),
    Column("length_m", Float),
    Column("geom", Geometry("LINESTRING", srid=4326)),
    *(Column(name, Float) for name in sorted({c for pair in _COST_COLUMNS.values() for c in pair})),
    schema="osm",
)


# Each work site's nearest road per mode (NULL edge: the mode has no road), written by
# jobmap_join_sites (migrations/sql) at each load and recost and by the site triggers. How far
# a site may be from it (ACCESS_MAX_M) is applied by the reader.
site_joint = Table(
    "site_joint",
    _NETWORK,
    Column("site_id", BigInteger, primary_key=True),
    Column("mode", Text, primary_key=True),
    Column("edge_id", BigInteger),
    Column("fraction", Float),
    Column("access_m", Float),
    schema="osm",
)


def cost_columns(mode: TravelMode) -> tuple[ColumnElement[float], ColumnElement[float]]:
    """osm.edge's (cost, reverse_cost) for `mode`, as columns of `edge`."""
    forward, backward = _COST_COLUMNS[mode]
    return edge.c[forward], edge.c[backward]


def bounded_edges_sql(mode: TravelMode, lon: float, lat: float, radius_deg: float) -> str:
    """edges_sql(mode) within `radius_deg` of a point (ST_DWithin on the edge geometry, by
    its GiST index): a search of T minutes never needs roads beyond top speed x T. The values
    are floats checked here, written into the text pgRouting runs."""
    for value in (lon, lat, radius_deg):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
    # Constant text and checked floats. One scan of osm.edge by its GiST index: a join of
    # the table to itself here was planned, under pgRouting's cursor, as a nested loop over
    # every edge for each edge in reach (17 s for a 15-minute search on a 28,560-edge grid,
    # against 45 ms for the same graph unbounded; bench/README.md, "Travel time").
    return (
        f"{_EDGES[mode]} AND ST_DWithin(geom,"
        f" ST_SetSRID(ST_MakePoint({lon!r}, {lat!r}), 4326), {radius_deg!r})"
    )
