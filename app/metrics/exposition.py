"""Serving the metrics: on a port of their own (APP_METRICS_PORT), never on the service's
port unless APP_METRICS_PUBLIC says so.

Every worker process binds the metrics port with SO_REUSEPORT, so the kernel hands each
scrape to one of them; any worker answers for all of them, since in multiprocess mode a
scrape adds up every process's files in PROMETHEUS_MULTIPROC_DIR. This works the same under
`jobmap serve` and under a plain `uvicorn --workers N`, with no process of its own to run."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    make_wsgi_app,
    multiprocess,
)
from prometheus_client.exposition import ThreadingWSGIServer
from starlette.requests import Request
from starlette.responses import Response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The folder of the process set's values, when running in multiprocess mode."""
    return os.environ.get(MULTIPROC_ENV) or None


def registry() -> CollectorRegistry:
    """What a scrape reads: every process's files in multiprocess mode, else this process."""
    if multiprocess_dir() is None:
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
    return collected


def exposition() -> bytes:
    return generate_latest(registry())


async def metrics_endpoint(_request: Request) -> Response:
    """The metrics in Prometheus's text format (on the service's port when allowed)."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


class _SharedPortServer(ThreadingWSGIServer):
    """One of several processes listening on the same port (SO_REUSEPORT)."""

    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *_: object) -> None:
        return None  # a scrape every few seconds is not news


class MetricsServer:
    """The metrics port of this worker, served from a thread of its own."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        server_class = type("MetricsPortServer", (_SharedPortServer,), {"address_family": family})
        self._server: ThreadingWSGIServer = make_server(
            host,
            port,
            make_wsgi_app(registry()),
            server_class=server_class,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def mark_process_dead() -> None:
    """Drop this process's `live*` gauges from the sums (at its exit)."""
    folder = multiprocess_dir()
    if folder is not None:
        multiprocess.mark_process_dead(os.getpid(), folder)  # type: ignore[no-untyped-call]


@contextmanager
def workers_metrics_dir(workers: int, port: int) -> Iterator[Path | None]:
    """For `jobmap serve`: the folder the workers keep their values in, emptied first (values
    of an earlier run would be added to this one's). PROMETHEUS_MULTIPROC_DIR when set (kept
    afterwards); else, with several workers, a folder of this port's under the temporary
    directory, set in the environment the workers inherit and removed at the end; None for
    one worker without it (its values stay in memory)."""
    given = multiprocess_dir()
    if given is None and workers <= 1:
        yield None
        return
    folder = Path(given or Path(tempfile.gettempdir()) / f"jobmap-metrics-{port}")
    folder.mkdir(parents=True, exist_ok=True)
    # Not this process's own files: with one worker it serves from this very process, which
    # has them open since its metrics were defined at import.
    own = f"_{os.getpid()}.db"
    for stale in folder.glob("*.db"):
        if not stale.name.endswith(own):
            stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield folder
    finally:
        if given is None:
            del os.environ[MULTIPROC_ENV]
            shutil.rmtree(folder, ignore_errors=True)
