"""Rate-limit windows are aligned to the clock: a test that counts requests against a limit
waits for a fresh window when the current one may end before its requests do (on a loaded
machine a few requests can take seconds, and a minute rolling over in between resets the
count)."""

from __future__ import annotations

import asyncio
import time


async def fresh_window(window_s: int, needed_s: float) -> None:
    """Wait for the next clock-aligned window when fewer than `needed_s` are left in this one."""
    left_s = window_s - time.time() % window_s
    if left_s < needed_s:
        await asyncio.sleep(left_s + 0.05)
