"""The one error of the street network's import."""

from __future__ import annotations


class OsmLoadError(Exception):
    """The import failed; the previous network (if any) is still in place."""
