"""Progress of long commands (demo loads, imports, sweeps): a bar with counts, rate and time
left on a terminal; one line per stage when the output is not a terminal (CI, logs, cron), so
logs get what happened and how long it took, not bar redraws.

    with stage("vacancies", total=n) as advance:
        ...
        advance(batch_rows)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

Advance = Callable[[int], None]


def _rate(done: int, seconds: float) -> str:
    return f"{done / seconds:,.0f}/s" if seconds > 0 and done else "-"


class _RateColumn(ProgressColumn):
    """Units a second, as rich measures them over the last moments."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "-/s")


@contextmanager
def stage(
    name: str, total: int | None = None, *, file: TextIO | None = None, unit: str = "rows"
) -> Iterator[Advance]:
    """Report one stage of a command on `file` (stderr by default: stdout keeps the command's
    result). Yields `advance(n)`: n more units done. On a terminal a live bar (a spinner when
    the total is unknown); otherwise a line when the stage ends, or fails."""
    out = file if file is not None else sys.stderr
    done = 0
    started = time.perf_counter()
    if not out.isatty():

        def count(n: int) -> None:
            nonlocal done
            done += n

        try:
            yield count
        except BaseException:
            seconds = time.perf_counter() - started
            print(f"{name}: failed after {done:,} {unit} in {seconds:.1f} s", file=out, flush=True)
            raise
        seconds = time.perf_counter() - started
        of_total = f" of {total:,}" if total is not None and total != done else ""
        print(
            f"{name}: {done:,}{of_total} {unit} in {seconds:.1f} s ({_rate(done, seconds)})",
            file=out,
            flush=True,
        )
        return

    columns = (
        (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
        if total is None
        else (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
        )
    )
    with Progress(
        *columns,
        _RateColumn(),
        TimeElapsedColumn(),
        *(() if total is None else (TimeRemainingColumn(),)),
        console=Console(file=out),
        transient=False,
    ) as bar:
        task = bar.add_task(name, total=total)
        yield lambda n: bar.advance(task, n)
