"""The rate limit of every request under /v1 and /ogc, after its key has been checked: a
client is its key when it sends one (a forged key is a 401 before this), else its address."""

from __future__ import annotations

from fastapi import Request

from app.auth.dependencies import OptionalPrincipal
from app.config import Settings
from app.errors import TooManyRequestsError
from app.limits.counters import WindowCounter
from app.metrics.series import RATE_LIMITED
from app.openapi import rate_limited
from app.replicas.routing import retried_on_primary
from app.request_classes import RequestClass, classify

# Set in the ASGI scope by a path that counted the request itself and then handed it to its
# route after all (the search fast path, when the database did not answer): not counted twice.
COUNTED_KEY = "jobmap.rate_counted"


@rate_limited
async def enforce_rate_limit(request: Request, principal: OptionalPrincipal) -> None:
    settings = request.app.state.settings
    if retried_on_primary(request) or request.scope.get(COUNTED_KEY):
        return  # (a failed replica's request, run again, was counted the first time)
    kind = classify(request.method, request.url.path)
    if principal is not None:
        client = f"key:{principal.key_id}"
    else:
        # The peer, or with `--proxy-headers` the client the trusted proxy names.
        client = f"ip:{request.client.host if request.client else 'unknown'}"
    await count(settings, request.app.state.rate_counter, kind, client, keyed=principal is not None)


async def count(
    settings: Settings, counter: WindowCounter, kind: RequestClass, client: str, *, keyed: bool
) -> None:
    """Count one request of `client` (`key:<id>` or `ip:<address>`) in its class's buckets:
    the window (a burst) and, for classes that have one, the sustained window;
    TooManyRequestsError (429) past either limit."""
    if not settings.rate_limits_enabled:
        return
    windows = (
        (settings.rate_limits, settings.rate_limit_window_s, f"{kind.value}:{client}"),
        (
            settings.rate_limits_sustained,
            settings.rate_limit_sustained_window_s,
            f"{kind.value}/{settings.rate_limit_sustained_window_s}s:{client}",
        ),
    )
    for limits, window_s, bucket in windows:
        limit = limits.get(kind.value, 0)
        if limit <= 0:
            continue
        seen, left_s = await counter.hit(bucket, window_s)
        if seen > limit:
            RATE_LIMITED.labels(kind.value).inc()
            raise TooManyRequestsError(
                f"More than {limit} {kind.value} requests in {window_s} s from this "
                f"{'key' if keyed else 'address'}. Try again in {int(left_s) + 1} s.",
                retry_after_s=int(left_s) + 1,
            )
