"""The Grafana dashboard in docs/ has the shape Grafana loads (schema-level checks) and shows
only series the service exports, every one of them. (test_prometheus.py has a real
Prometheus parse each query.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from app.config import PROJECT_ROOT
from app.metrics import series

DASHBOARD = PROJECT_ROOT / "docs" / "grafana-dashboard.json"
PANEL_TYPES = {"timeseries", "stat", "gauge", "bargauge", "table", "text"}
GRID_WIDTH = 24  # Grafana's grid has 24 columns


def dashboard(path: Path = DASHBOARD) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def queries(board: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in board["panels"] for target in panel["targets"]]


def exported_names() -> dict[str, set[str]]:
    """Each series of app/metrics/series.py with the sample names a scrape shows for it."""
    names: dict[str, set[str]] = {}
    for metric in vars(series).values():
        name = str(getattr(metric, "_name", ""))
        if isinstance(metric, Counter):
            names[name] = {f"{name}_total"}
        elif isinstance(metric, Histogram):
            names[name] = {f"{name}_{suffix}" for suffix in ("bucket", "sum", "count")}
        elif isinstance(metric, Gauge):
            names[name] = {name}
    return names


def test_the_dashboard_has_grafanas_shape() -> None:
    board = dashboard()
    assert isinstance(board["title"], str)
    assert board["title"]
    assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"])
    assert isinstance(board["schemaVersion"], int)
    variables = {variable["name"] for variable in board["templating"]["list"]}
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in board["panels"]:
        assert panel["type"] in PANEL_TYPES, panel["title"]
        assert panel["title"]
        grid = panel["gridPos"]
        assert all(isinstance(grid[key], int) for key in ("h", "w", "x", "y"))
        assert grid["h"] > 0
        assert grid["w"] > 0
        assert grid["x"] + grid["w"] <= GRID_WIDTH
        assert panel["datasource"]["uid"].strip("${}") in variables
        refs = [target["refId"] for target in panel["targets"]]
        assert refs, panel["title"]
        assert len(refs) == len(set(refs)), panel["title"]
        assert all(target["expr"].strip() for target in panel["targets"])


def test_the_dashboard_shows_every_series_and_no_other() -> None:
    exported = exported_names()
    samples = set().union(*exported.values())
    used = {name for query in queries(dashboard()) for name in re.findall(r"\bjobmap_\w+", query)}
    assert used <= samples, f"not exported: {sorted(used - samples)}"
    shown = {name for name, names in exported.items() if names & used}
    assert shown == set(exported), f"no panel: {sorted(set(exported) - shown)}"
