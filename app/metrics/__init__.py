"""Prometheus metrics: the series (series.py), how requests, the pool and tasks record them,
and how they are exposed (on their own port; docs/operations.md, "Metrics")."""
