"""Requests fall into classes by what they cost: each class has its rate limit per client and
its statement timeout, so one slow or busy kind of request cannot starve the others."""

from __future__ import annotations

import re
from enum import StrEnum


class RequestClass(StrEnum):
    read = "read"  # a record, areas, plans, docs: cheap and cached
    search = "search"  # the search, GeoJSON, clusters, OGC items, routing: index scans, pgRouting
    map = "map"  # vector tiles (mostly kept in memory; a map view asks for dozens)
    report = "report"  # statistics and exports: aggregates over years
    write = "write"  # creating or changing a record
    bulk = "bulk"  # bulk posting and file imports: many rows in one request


# Routing (isochrones, a vacancy's route) costs what a search does: it counts against the
# search limit, not the cheap reads'.
_SEARCH = re.compile(
    r"^/v1/vacancies(\.geojson|/clusters)?$|^/ogc/collections/[^/]+/items$"
    r"|^/v1/isochrones$|^/v1/vacancies/[^/]+/route$"
)
_REPORT = re.compile(r"^/v1/(public/)?stats/")
_BULK = re.compile(r"/(bulk|import)$")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def classify(method: str, path: str) -> RequestClass:
    if method in _WRITES:
        return RequestClass.bulk if _BULK.search(path) else RequestClass.write
    if path.startswith("/v1/tiles/"):
        return RequestClass.map
    if _SEARCH.match(path):
        return RequestClass.search
    if _REPORT.match(path):
        return RequestClass.report
    return RequestClass.read
