"""Every series the service exports, in one place (docs/operations.md lists them).

With several worker processes prometheus_client's multiprocess mode keeps each process's
values in files under PROMETHEUS_MULTIPROC_DIR (set before Python starts, by `jobmap serve`
or the operator), and a scrape adds them up. Gauges say how: `livesum` adds the processes
alive now, `max` keeps the largest value any process ever wrote."""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram

# In multiprocess mode the first series below opens a file in that folder: one named but not
# made yet (a fresh container's /tmp, where the image points it) failed every `jobmap` command
# and the service's start, at import.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Latency buckets for requests: most answers take milliseconds, statement timeouts are 5-120 s.
_LATENCY_S = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120)
# Imports and sweeps run for seconds to many minutes.
_TASK_S = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)

HTTP_REQUESTS = Counter(
    "jobmap_http_requests",
    "HTTP requests answered, by route template (never the raw path), method, status and "
    "request class.",
    ["route", "method", "status", "request_class"],
)
HTTP_DURATION = Histogram(
    "jobmap_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response body.",
    ["route", "method", "request_class"],
    buckets=_LATENCY_S,
)
TILE_CACHE = Counter(
    "jobmap_tile_cache_lookups",
    "Vector tiles looked up in a worker's memory: result hit or miss (drawn), by zoom band.",
    ["zoom_band", "result"],
)
SEARCH_FAST_PATH = Counter(
    "jobmap_search_fast_path",
    "Plain searches by who answered: answered (the fast path), or why the route did: other "
    "(not a plain search), unbuilt (its statement not yet built in this worker), tie (equal "
    "distances at the candidates' end), database. search: nearest (GET /v1/vacancies) or "
    "viewport (GET /v1/vacancies.geojson).",
    ["search", "result"],
)
PROJECTION_CACHE = Counter(
    "jobmap_projection_cache_lookups",
    "Past years' people counts of the year-end projection looked up in a worker's memory: "
    "result hit or miss (counted).",
    ["result"],
)
DB_POOL_IN_USE = Gauge(
    "jobmap_db_pool_connections_in_use",
    "Connections of the request pools checked out now (all live workers).",
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "jobmap_db_pool_waiting",
    "Requests waiting now for a connection from a request pool (all live workers).",
    multiprocess_mode="livesum",
)
STATEMENT_TIMEOUTS = Counter(
    "jobmap_db_statement_timeouts",
    "Statements PostgreSQL cancelled at their statement timeout (answered 503).",
)
RATE_LIMITED = Counter(
    "jobmap_rate_limit_rejections",
    "Requests refused with 429 by the rate limits, by request class.",
    ["request_class"],
)
DB_REQUESTS = Counter(
    "jobmap_db_requests",
    "Requests answered from each database server (primary, or a replica by its place in "
    "APP_DATABASE_REPLICA_URLS): reads by server. retried counts reads a failing replica "
    "handed to the primary.",
    ["server", "retried"],
)
REPLICA_LAG = Gauge(
    "jobmap_replica_lag_seconds",
    "How far each replica is behind the primary at the last check (-1: down), the largest "
    "any live worker saw.",
    ["replica"],
    multiprocess_mode="livemax",
)
TASK_DURATION = Histogram(
    "jobmap_task_duration_seconds",
    "Duration of imports, loads and sweeps (successful or not), by task.",
    ["task"],
    buckets=_TASK_S,
)
TASK_ROWS = Counter(
    "jobmap_task_rows",
    "Rows imports, loads and sweeps wrote, by task.",
    ["task"],
)
TASK_FAILURES = Counter(
    "jobmap_task_failures",
    "Imports, loads and sweeps that ended in an error, by task.",
    ["task"],
)
TASK_LAST_SUCCESS = Gauge(
    "jobmap_task_last_success_timestamp_seconds",
    "When a task last ended without error (Unix time), by task.",
    ["task"],
    multiprocess_mode="max",
)
CHANGES_FEED_DELAY = Gauge(
    "jobmap_changes_feed_delay_seconds",
    "Age of the oldest committed change the changes feed still holds back behind a running "
    "transaction, as the last poll of any live worker saw it (0: none held back).",
    multiprocess_mode="livemax",
)
