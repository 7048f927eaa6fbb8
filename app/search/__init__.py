"""Job-seeker search: near a point, in a viewport, by commune, in Vietnamese."""
