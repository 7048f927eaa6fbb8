"""What other domains may ask of the street network: the edges pgRouting routes over, per mode
(defined with the rest of the graph's description in app/models/street_network.py)."""

from __future__ import annotations

from app.models.street_network import edges_sql

__all__ = ["edges_sql"]
