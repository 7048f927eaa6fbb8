"""Imports, loads and sweeps record their duration, rows and failures (series.TASK_*)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.metrics.series import TASK_DURATION, TASK_FAILURES, TASK_LAST_SUCCESS, TASK_ROWS


@dataclass
class TaskRun:
    name: str

    def rows(self, count: int) -> None:
        """Count rows the task wrote (may be called once per batch)."""
        if count > 0:
            TASK_ROWS.labels(self.name).inc(count)


@contextmanager
def task(name: str) -> Iterator[TaskRun]:
    """Time the block as one run of `name`; an exception out of it counts as a failure."""
    started = time.perf_counter()
    try:
        yield TaskRun(name)
    except BaseException:
        TASK_FAILURES.labels(name).inc()
        raise
    else:
        TASK_LAST_SUCCESS.labels(name).set(time.time())
    finally:
        TASK_DURATION.labels(name).observe(time.perf_counter() - started)
