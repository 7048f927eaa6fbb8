"""HTTP caching in one place: the Cache-Control each GET route sends (for browsers and for a
CDN or other shared cache in front of the service), weak ETags of bodies built in full, and
304s. `app/cache_headers.py` applies the table to every response; docs/api.md, "Caching and
CDNs", explains the values."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from fastapi import Request, Response


# Weak: the same data leaves gzip-encoded or not (the GZip middleware, or a CDN compressing
# again), and a strong ETag promises the same bytes (RFC 9110 §8.8.1). If-None-Match compares
# weakly, so weak ETags revalidate as well as strong ones.
def etag_for(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def etag_matches(header: str | None, etag: str, *, weak: bool = True) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Match (strong) header names `etag`."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags = {tag.strip() for tag in header.split(",")}
    if weak:
        return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}
    return not etag.startswith("W/") and etag in tags


def cached_response(
    request: Request, body: bytes, *, media_type: str, etag: str | None = None
) -> Response:
    """The body with its ETag (of the bytes unless given), or an empty 304 when the client has
    it already. Cache-Control and Vary come from the route's policy (ROUTE_POLICIES)."""
    etag = etag or etag_for(body)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(content=body, media_type=media_type, headers={"ETag": etag})


@dataclass(frozen=True)
class CachePolicy:
    """What a response may be kept as. `shared`: a CDN may keep it (then it carries an ETag,
    and `vary` names the request headers besides Accept-Encoding it depends on)."""

    name: str
    cache_control: str
    shared: bool = False
    vary: tuple[str, ...] = ()

    def varying(self, *headers: str) -> CachePolicy:
        return replace(self, vary=(*self.vary, *headers))


# Browsers revalidate data (max-age=0: a 304 from the CDN is cheap); the CDN keeps it for
# s-maxage, then serves it stale for stale-while-revalidate while it asks again in the
# background, and for stale-if-error while the service answers errors. Worst staleness after
# a write: s-maxage + stale-while-revalidate.
# Changes only with a deployment: the OGC documents, the indicator definitions.
STATIC = CachePolicy(
    "static",
    "public, max-age=3600, s-maxage=3600, stale-while-revalidate=86400, stale-if-error=86400",
    shared=True,
)
# Changes a few times a year: boundaries (area loads), the street basemap (network loads),
# the TileJSON documents.
REFERENCE = CachePolicy(
    "reference",
    "public, max-age=300, s-maxage=3600, stale-while-revalidate=86400, stale-if-error=86400",
    shared=True,
)
# Changes with every posting: vacancy tiles, clusters, a vacancy, areas with their counts.
MAP = CachePolicy(
    "map",
    "public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=600",
    shared=True,
)
# Search results and routing: many distinct URLs, popular ones repeated (the map's first view,
# common words); short, so that a CDN absorbs bursts without showing old results for long.
SEARCH = CachePolicy(
    "search", "public, max-age=0, s-maxage=30, stale-while-revalidate=30", shared=True
)
# The changes feed: partners that are caught up poll the same cursor; a few seconds late is
# harmless (nothing is skipped: the cursor goes on from the last event seen).
FEED = CachePolicy("feed", "public, max-age=0, s-maxage=5, stale-while-revalidate=5", shared=True)
# Public statistics: aggregates that take seconds; figures of the last minutes may wait.
STATS = CachePolicy(
    "stats",
    "public, max-age=0, s-maxage=300, stale-while-revalidate=300, stale-if-error=86400",
    shared=True,
)
# Keyed answers: the caller's own data, never kept by a shared cache (nor on the caller's disk).
PRIVATE = CachePolicy("private", "private, no-store")
# Errors, health probes, and a response that says nothing of its own.
NO_STORE = CachePolicy("no-store", "no-store")

# Every GET route (the OpenAPI path) and its policy for anonymous requests. A request with a
# key (Authorization) is answered PRIVATE whatever the route; an error is NO_STORE.
# tests/test_cache_headers.py fails for a GET route missing here.
ROUTE_POLICIES: dict[str, CachePolicy] = {
    "/healthz": NO_STORE,
    "/readyz": NO_STORE,
    "/v1/areas": REFERENCE,  # MAP with ?with=vacancies (counts)
    "/v1/areas/lookup": REFERENCE,
    "/v1/areas/{code}": REFERENCE,
    "/v1/employers/{employer_id}": PRIVATE,
    "/v1/employers/{employer_id}/keys": PRIVATE,
    "/v1/vacancies": SEARCH.varying("Accept"),  # JSON, or GeoJSON by Accept
    "/v1/vacancies.geojson": SEARCH,
    "/v1/isochrones": SEARCH,
    "/v1/vacancies/{vacancy_id}/route": SEARCH,
    "/v1/tiles/vacancies/{z}/{x}/{y}.mvt": MAP,
    "/v1/vacancies/clusters": MAP,
    "/v1/tiles/vacancies.json": REFERENCE,
    "/v1/tiles/basemap/{z}/{x}/{y}.mvt": REFERENCE,
    "/v1/tiles/basemap.json": REFERENCE,
    "/v1/vacancies/changes": FEED,
    # JSON or JSON-LD by Accept; owners see more (with a key, so PRIVATE anyway).
    "/v1/vacancies/{vacancy_id}": MAP.varying("Accept", "Authorization"),
    "/v1/placements": PRIVATE,
    "/v1/placements/{placement_id}": PRIVATE,
    "/v1/indicators": STATIC,
    "/v1/plans/{year}": PRIVATE,
    "/v1/indicators/{indicator}/values": PRIVATE,
    "/v1/stats/placements": PRIVATE,
    "/v1/public/stats/placements": STATS,
    "/v1/stats/indicators": PRIVATE,
    "/v1/stats/projection-accuracy": PRIVATE,
    "/v1/stats/vacancies": PRIVATE,
    "/v1/audit": PRIVATE,
    "/v1/programmes": PRIVATE,
    "/v1/programmes/{code}": PRIVATE,
    "/v1/stats/programmes/{code}": PRIVATE,
    "/v1/stats/areas/attention": PRIVATE,
    "/v1/stats/demand": PRIVATE,
    "/ogc": STATIC,
    "/ogc/conformance": STATIC,
    "/ogc/api": STATIC.varying("Accept"),  # OpenAPI 3.1's media type to clients that ask
    "/ogc/collections": SEARCH,  # extents move with the data
    "/ogc/collections/{collection_id}": SEARCH,
    "/ogc/collections/{collection_id}/queryables": STATIC,
    "/ogc/collections/vacancies/items": SEARCH,
    "/ogc/collections/areas/items": SEARCH,
    "/ogc/collections/{collection_id}/items/{feature_id}": SEARCH,
}

_CONVERTOR = re.compile(r":[a-z]+}")
_STATE_KEY = "cache_policy"


def route_policy(template: str) -> CachePolicy | None:
    """The policy of a route template (`{vacancy_id:uuid}` as `{vacancy_id}`); None for a
    route outside the API (the pages and their files set their own)."""
    return ROUTE_POLICIES.get(_CONVERTOR.sub("}", template))


def use_policy(request: Request, policy: CachePolicy) -> None:
    """This response's policy instead of its route's (e.g. areas with live counts)."""
    setattr(request.state, _STATE_KEY, policy)


def chosen_policy(state: dict[str, object]) -> CachePolicy | None:
    """The policy a route chose for its response (use_policy), from the scope's state."""
    chosen = state.get(_STATE_KEY)
    return chosen if isinstance(chosen, CachePolicy) else None
