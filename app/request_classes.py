"""Requests fall into classes by what they cost: each class has its rate limit per client and
its statement timeout, so one slow or busy kind of request cannot starve the others. The class
also says which database server may answer (`server_for`): the one routing rule."""

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


class Server(StrEnum):
    primary = "primary"
    replica = "replica"  # a healthy replica that has replayed the client's last write


# Where each class reads when APP_DATABASE_REPLICA_URLS names replicas (docs/scaling.md).
# Writes, and everything a write request reads, run on the primary.
SERVER_OF_CLASS = {
    RequestClass.read: Server.replica,
    RequestClass.search: Server.replica,
    RequestClass.map: Server.replica,
    RequestClass.report: Server.replica,
    RequestClass.write: Server.primary,
    RequestClass.bulk: Server.primary,
}
# Reads that stay on the primary whatever their class: the changes feed lists events once
# every older transaction has finished, which only the primary knows without a gap.
_ON_PRIMARY = re.compile(r"^/v1/vacancies/changes$")


def server_for(method: str, path: str) -> Server:
    if _ON_PRIMARY.match(path):
        return Server.primary
    return SERVER_OF_CLASS[classify(method, path)]
