"""The caching headers of every response, from the table in app/http_cache.py, so that a CDN
in front of the service keeps only what it may:

- CacheHeadersMiddleware (outside CORS and GZip, so it sees their Vary): an error is
  `no-store`; an answer to a request with a key (Authorization) is `private, no-store` unless
  its route made it private already; an anonymous GET answer gets its route's policy, with
  `Vary: Accept-Encoding` (and `Origin` when CORS is on) on the 200 and the 304 alike.
- ConditionalGetMiddleware (inside GZip, so it sees the bytes before compression): an
  anonymous 200 a shared cache may keep gets a weak ETag of its bytes when its route gave it
  none, and becomes a 304 when If-None-Match names its ETag."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http_cache import NO_STORE, PRIVATE, CachePolicy, chosen_policy, etag_for, etag_matches
from app.http_cache import route_policy as policy_of_template
from app.metrics.http import route_template

# What routes match a request on (as app.metrics.http keeps it).
_MATCHED_ON = ("type", "path", "root_path", "method", "app")
_READS = frozenset({"GET", "HEAD"})
# Headers of a 200 that a 304 does not carry (RFC 9110 §15.4.5 keeps ETag, Cache-Control,
# Vary, Content-Location, Date, Expires).
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})


def _keyed(scope: Scope) -> bool:
    return any(name == b"authorization" for name, _ in scope.get("headers", ()))


def response_policy(scope: Scope, arrived: Scope) -> CachePolicy | None:
    """The policy of the response to this request: the one its route chose (use_policy), else
    its route's; None outside the API."""
    chosen = chosen_policy(scope.get("state") or {})
    return chosen or policy_of_template(route_template(scope, arrived))


def _vary(headers: MutableHeaders, *extra: str) -> None:
    """Vary as one list without repeats (GZip adds Accept-Encoding to what is there)."""
    seen: dict[str, str] = {}
    for value in [*headers.getlist("vary"), *extra]:
        for token in value.split(","):
            if token.strip():
                seen.setdefault(token.strip().lower(), token.strip())
    if seen:
        headers["Vary"] = ", ".join(seen.values())


class CacheHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, vary_origin: bool = False) -> None:
        self.app = app
        # With CORS on, the answer depends on Origin (Access-Control-Allow-Origin is sent only
        # to some): a shared cache must keep one per Origin.
        self.extra_vary = ("Accept-Encoding", "Origin") if vary_origin else ("Accept-Encoding",)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = {key: scope[key] for key in _MATCHED_ON if key in scope}
        keyed = _keyed(scope)

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._apply(scope, arrived, keyed, message)
            await send(message)

        await self.app(scope, receive, send_with_policy)

    def _apply(self, scope: Scope, arrived: Scope, keyed: bool, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        if message["status"] >= 400:
            headers["Cache-Control"] = NO_STORE.cache_control
            return
        read = arrived.get("method") in _READS
        policy = response_policy(scope, arrived) if read else None
        if keyed:
            given = headers.get("cache-control", "").lower()
            shared = "public" in given or "s-maxage" in given
            if shared or not ("private" in given or "no-store" in given):
                headers["Cache-Control"] = PRIVATE.cache_control
        elif policy is not None:
            headers["Cache-Control"] = policy.cache_control
        elif read and "cache-control" not in headers:  # a page or a file sets its own
            headers["Cache-Control"] = NO_STORE.cache_control
        if policy is not None:  # the same Vary on the 200 and the 304, keyed or not
            _vary(headers, *self.extra_vary, *policy.vary)


class ConditionalGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _READS or _keyed(scope):
            await self.app(scope, receive, send)
            return
        arrived = {key: scope[key] for key in _MATCHED_ON if key in scope}
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_conditionally(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                policy = response_policy(scope, arrived)
                if message["status"] == 200 and policy is not None and policy.shared:
                    start = message  # held until the body is whole
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._finish(start, b"".join(chunks), if_none_match, send)
                return
            await send(message)

        await self.app(scope, receive, send_conditionally)

    @staticmethod
    async def _finish(start: Message, body: bytes, if_none_match: str | None, send: Send) -> None:
        headers = MutableHeaders(scope=start)
        etag = headers.get("etag")
        if etag is None:
            etag = headers["ETag"] = etag_for(body)
        if etag_matches(if_none_match, etag):
            kept = [
                (name, value)
                for name, value in start["headers"]
                if name.decode("latin-1").lower() not in _BODY_HEADERS
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(start)
        await send({"type": "http.response.body", "body": body})
