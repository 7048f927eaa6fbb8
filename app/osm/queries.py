"""What other domains may ask of the street network: the edges pgRouting routes over, per mode.

Costs are seconds; a negative cost closes that direction (pgRouting's convention), so one-way
streets bind motorbikes and bicycles, and walkers go both ways on every way open to them."""

from __future__ import annotations

from app.models.travel_speed import TravelMode

_EDGES = {
    TravelMode.motorbike: (
        "SELECT id, source, target, cost_motorbike AS cost, reverse_cost_motorbike AS reverse_cost"
        " FROM osm.edge WHERE cost_motorbike >= 0 OR reverse_cost_motorbike >= 0"
    ),
    TravelMode.bicycle: (
        "SELECT id, source, target, cost_bicycle AS cost, reverse_cost_bicycle AS reverse_cost"
        " FROM osm.edge WHERE cost_bicycle >= 0 OR reverse_cost_bicycle >= 0"
    ),
    TravelMode.walk: (
        "SELECT id, source, target, cost_walk AS cost, cost_walk AS reverse_cost"
        " FROM osm.edge WHERE cost_walk >= 0"
    ),
}


def edges_sql(mode: TravelMode) -> str:
    """The edges query of pgRouting functions (pgr_dijkstra, pgr_drivingDistance, ...)."""
    return _EDGES[mode]
