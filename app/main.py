"""The application factory: `uvicorn app.main:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from app.areas.router import router as areas_router
from app.audit.router import router as audit_router
from app.auth.dependencies import optional_principal
from app.cache_headers import CacheHeadersMiddleware, ConditionalGetMiddleware
from app.config import Settings, get_settings
from app.employers.router import router as employers_router
from app.errors import install_error_handlers
from app.health.router import router as health_router
from app.limits.counters import create_counter
from app.limits.dependencies import enforce_rate_limit
from app.logs import configure_logging
from app.metrics.exposition import MetricsServer, mark_process_dead, metrics_endpoint
from app.metrics.http import MetricsMiddleware
from app.metrics.pool import track_in_use
from app.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from app.migrations_info import migration_heads
from app.ogc.router import router as ogc_router
from app.openapi import install as install_openapi
from app.osm.router import router as osm_router
from app.placements.router import router as placements_router
from app.plans.report_router import router as plan_report_router
from app.plans.router import router as plans_router
from app.programmes.report_router import router as programme_report_router
from app.programmes.router import router as programmes_router
from app.query_params import only_declared_params
from app.replicas.lsn import LSN_HEADER
from app.replicas.middleware import ReplicaRoutingMiddleware
from app.replicas.routing import Database
from app.search.fast_path import SearchFastPathMiddleware
from app.search.router import router as search_router
from app.stats.attention_router import router as attention_router
from app.stats.demand_router import router as demand_router
from app.stats.projection_router import router as projection_router
from app.stats.public_router import router as public_stats_router
from app.stats.router import router as stats_router
from app.stats.vacancies_router import router as vacancy_stats_router
from app.tiles.cache import MapConnection, MapStateReader, TileCache
from app.tiles.fast_path import KeptTileMiddleware
from app.tiles.router import router as tiles_router
from app.vacancies.router import router as vacancies_router
from app.vacancies.sweep import sweep_periodically, unlist_periodically
from app.web.router import router as web_router
from app.web.router import static_files

DESCRIPTION = """
Vacancies on a map for the Vĩnh Long job exchange (Sàn giao dịch việc làm trực tuyến trên
Bản đồ việc làm): administrative areas with validity dates, vacancies and their employers,
search, vector tiles, OGC API - Features, placements, plans and statistics.

Coordinates are WGS84 longitude, latitude. Every error is RFC 9457
`application/problem+json`.

Where reads are served by replicas, a write answers with `X-Commit-LSN`; send it back on reads
(or read with the same key) to see the write at once. Anonymous reads may otherwise be up to
`APP_REPLICA_MAX_LAG_S` seconds behind.
"""


def _open_database(app: FastAPI, settings: Settings) -> tuple[Database, list[MapConnection]]:
    """The servers (the primary, any replicas) and the map's own connection to each."""
    database = Database(settings)
    app.state.database = database
    app.state.engine = database.primary.engine
    app.state.sessionmaker = database.primary.sessions
    for server in (database.primary, *database.replicas):
        track_in_use(server.engine)
    map_connection = MapConnection(settings)
    app.state.map_queries = map_connection
    app.state.map_states = MapStateReader(map_connection.read)
    # The fast path's tiles on each replica: the map state read where the tile is drawn.
    replica_maps = {r.name: MapConnection(settings, url=r.url) for r in database.replicas}
    app.state.replica_maps = {
        name: (MapStateReader(queries.read), queries) for name, queries in replica_maps.items()
    }
    # The search fast path's own, several statements at once (app/search/fast_path.py).
    size = settings.search_fast_path_connections
    app.state.search_queries = MapConnection(settings, connections=size)
    app.state.replica_searches = {
        r.name: MapConnection(settings, url=r.url, connections=size) for r in database.replicas
    }
    searches = [app.state.search_queries, *app.state.replica_searches.values()]
    return database, [map_connection, *replica_maps.values(), *searches]


def _background_work(database: Database, settings: Settings) -> list[Coroutine[Any, Any, None]]:
    """What each worker runs beside the requests: replica checks, the sweeps."""
    work = []
    if database.monitor is not None:
        work.append(database.monitor.run())
    sessions = database.primary.sessions
    if settings.expiry_sweep_interval_s > 0:
        work.append(sweep_periodically(sessions, settings.expiry_sweep_interval_s))
    if settings.map_expiry_interval_s > 0:
        work.append(unlist_periodically(sessions, settings.map_expiry_interval_s))
    return work


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Without settings (the uvicorn factory path) it reads the environment
    and takes over process logging; tests pass their own settings and keep pytest's."""
    if settings is None:
        settings = get_settings()
        configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Connections open lazily, so the service starts (unready) while the database is down.
        database, map_connections = _open_database(app, settings)
        background = _background_work(database, settings)
        metrics_server = None
        if settings.metrics_port is not None:
            metrics_server = MetricsServer(settings.metrics_host, settings.metrics_port)
            metrics_server.start()
        tasks = [asyncio.create_task(work) for work in background]
        try:
            yield
        finally:
            if metrics_server is not None:
                metrics_server.stop()
            mark_process_dead()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for queries in map_connections:
                await queries.close()
            await app.state.rate_counter.close()
            await database.close()

    app = FastAPI(
        title="Vĩnh Long job map",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served by app.web from local files: the CDN FastAPI uses is unreachable on closed
        # networks. ReDoc would need one more vendored bundle for the same document.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "search", "description": "Finding open vacancies: near, viewport, text."},
            {"name": "vacancies", "description": "Posting, reading and closing vacancies."},
            {"name": "employers", "description": "Employer accounts and their API keys."},
            {"name": "placements", "description": "People placed into jobs (not public)."},
            {
                "name": "plans",
                "description": "Indicators, annual plans, programmes, values from surveys.",
            },
            {"name": "statistics", "description": "Placement totals and indicators vs plan."},
            {"name": "audit", "description": "Who changed placements, plans and values."},
            {"name": "areas", "description": "Administrative units with validity dates."},
            {"name": "health", "description": "Probes for orchestrators and load balancers."},
            {"name": "ogc", "description": "OGC API - Features (Part 1) for GIS clients."},
        ],
    )
    app.state.settings = settings
    app.state.rate_counter = create_counter(settings.redis_url)
    app.state.migration_heads = migration_heads(settings.alembic_ini)
    install_error_handlers(app)
    install_openapi(app)

    # Added innermost first: request ids wrap everything, so even a 413 carries one.
    if settings.database_replica_urls:  # a failed replica's GET answered again on the primary
        app.add_middleware(ReplicaRoutingMiddleware)
    app.state.tile_cache = TileCache(int(settings.tile_cache_mb * 1024 * 1024))
    app.add_middleware(
        KeptTileMiddleware,
        tiles=app.state.tile_cache,
        sites_from_zoom=settings.tile_sites_from_zoom,
    )
    # Beside the tile fast path, inside the caching headers, conditional GET and gzip.
    app.add_middleware(SearchFastPathMiddleware, settings=settings)
    # ETags of the bytes before compression (app/cache_headers.py).
    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_bulk_body_bytes=settings.max_bulk_body_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
                LSN_HEADER,
            ],
            expose_headers=[
                "ETag",
                "Location",
                "Idempotent-Replayed",
                "Retry-After",
                "X-Request-ID",
                LSN_HEADER,
            ],
        )
    # Outside CORS and GZip: it sees every Vary they add, and the early 400s and 413s.
    app.add_middleware(CacheHeadersMiddleware, vary_origin=bool(settings.cors_origins))
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware)  # outermost: it times and counts every answer

    app.include_router(health_router)
    # A key sent to any endpoint is checked, public ones included: a client with a revoked or
    # mistyped key learns it at once instead of silently getting the anonymous view.
    authenticated = [Depends(optional_principal), Depends(enforce_rate_limit)]
    # A misspelt parameter is a 400, not silently ignored (app/query_params.py).
    strict = [*authenticated, Depends(only_declared_params)]
    routers = (
        areas_router,
        employers_router,
        search_router,
        tiles_router,  # before vacancies: /vacancies/clusters is not a vacancy id
        osm_router,
        vacancies_router,
        placements_router,
        plans_router,
        programmes_router,
        stats_router,
        public_stats_router,
        plan_report_router,
        programme_report_router,
        projection_router,
        attention_router,
        demand_router,
        vacancy_stats_router,
        audit_router,
    )
    for router in routers:
        app.include_router(router, prefix="/v1", dependencies=strict)
    app.include_router(ogc_router, dependencies=authenticated)
    app.include_router(web_router)
    app.mount("/static", static_files(), name="static")
    if settings.metrics_public:  # else only on the metrics port: never public by accident
        app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    return app
