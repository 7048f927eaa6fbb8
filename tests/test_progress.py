"""Progress of long commands: one line per stage when not on a terminal (CI, logs), a live
bar with counts on one."""

from __future__ import annotations

import io
import re

import pytest

from app.progress import stage


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_on_a_terminal_a_stage_is_one_line_with_count_time_and_rate() -> None:
    out = io.StringIO()
    with stage("vacancies", 5000, file=out, unit="vacancies") as advance:
        for _ in range(5):
            advance(1000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"vacancies: 5,000 vacancies in \d+\.\d s \(([\d,]+/s|-)\)", lines[0])


def test_a_stage_that_ends_short_of_its_total_says_of_how_many() -> None:
    out = io.StringIO()
    with stage("sites taken off the map", 10, file=out, unit="sites") as advance:
        advance(7)
    assert out.getvalue().startswith("sites taken off the map: 7 of 10 sites in ")


def test_a_failing_stage_says_so_and_lets_the_error_through() -> None:
    out = io.StringIO()

    def load() -> None:
        with stage("placements", file=out) as advance:
            advance(3)
            raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        load()
    assert out.getvalue().startswith("placements: failed after 3 rows in ")


def test_on_a_terminal_the_bar_shows_counts_of_the_total() -> None:
    out = Terminal()
    with stage("vacancies", 2000, file=out, unit="vacancies") as advance:
        advance(500)
        advance(1500)
    shown = out.getvalue()
    assert "vacancies" in shown
    assert "2000/2000" in shown
    assert "\x1b[" in shown  # drawn in place, not printed line by line
