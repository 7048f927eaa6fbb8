"""Draws from one `random.Random(seed)`, cheap enough for a million rows.

Every demo row comes from this one stream, so the order of the draws is the data: reorder them
and a seed no longer gives the same rows."""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from asyncpg.pgproto import pgproto

DAY = 86_400  # seconds
# A random UUID's version (4) and variant (RFC 4122) bits, as uuid.UUID(int=..., version=4)
# sets them.
_UUID_KEEP = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_V4 = (4 << 76) | (0x8000 << 48)

T = TypeVar("T")


class Draws:
    """`random()` and `int(random() * n)` rather than `choice()`/`randrange()`: 5-10x cheaper,
    and the hot loop draws about 40 numbers per vacancy."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
        self.random = self.rng.random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def of(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def pick(self, cum: Sequence[float]) -> int:
        """An index drawn by weight, from the running totals of the weights."""
        return bisect(cum, self.random() * cum[-1])

    def uuid(self) -> uuid.UUID:
        """A version 4 UUID, as the driver's own type (a uuid.UUID, equal and hashing alike):
        4x cheaper to make than uuid.UUID(int=..., version=4), and COPY encodes it without
        calling back into Python."""
        value = (self.rng.getrandbits(128) & _UUID_KEEP) | _UUID_V4
        return pgproto.UUID(value.to_bytes(16, "big"))  # type: ignore[no-any-return]

    def seconds(self, low_days: float, high_days: float) -> timedelta:
        return timedelta(seconds=int((low_days + (high_days - low_days) * self.random()) * DAY))
