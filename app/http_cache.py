"""Conditional GET for bodies built in full: a weak ETag of the bytes, 304 on a match."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response


# Weak: the same data may leave gzip-encoded or not (RFC 9110 §8.8.1).
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


def cached_response(request: Request, body: bytes, *, media_type: str, max_age_s: int) -> Response:
    """The body with ETag and Cache-Control, or an empty 304 when the client has it already."""
    etag = etag_for(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age_s}"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)
