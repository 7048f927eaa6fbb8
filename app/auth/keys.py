"""Key material: `jm_<prefix>_<secret>`. The prefix identifies a key in lists and logs; only a
SHA-256 of the whole key is stored (the secret has 256 random bits, so no slow hash is needed)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: prefixes get read aloud
_KEY_RE = re.compile(r"^jm_([a-z2-9]{8})_([A-Za-z0-9_-]{43})$")
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    prefix: str
    key: str
    key_hash: bytes


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def generate() -> NewKey:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    key = f"jm_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewKey(prefix=prefix, key=key, key_hash=hash_key(key))


def prefix_of(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    match = _KEY_RE.match(key)
    return match.group(1) if match else None


def matches(key: str, stored_hash: bytes) -> bool:
    return secrets.compare_digest(hash_key(key), stored_hash)
