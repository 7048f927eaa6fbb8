"""`jobmap osm load|status|recost` against the test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from tests.conftest import database_url
from tests.osm.osm_files import osm_xml, write


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, no_network: AsyncEngine) -> Iterator[None]:
    del no_network
    monkeypatch.setenv("APP_DATABASE_URL", database_url())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("env")
def test_load_prints_counts_and_status_repeats_them(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["osm", "status"]).exit_code == 1
    assert runner.invoke(cli, ["osm", "recost"]).exit_code == 1

    result = runner.invoke(cli, ["osm", "load", str(write(tmp_path, "town.osm", osm_xml()))])
    assert result.exit_code == 0, result.output
    counts = "ways: 12 (0 left out), edges: 12 (motorbike 11, bicycle 11, walk 12, ferry 1), "
    assert counts + "nodes: 12, isolated parts: 1" in result.output
    assert "first network loaded" in result.output

    result = runner.invoke(cli, ["osm", "status"])
    assert result.exit_code == 0, result.output
    assert "source: town.osm" in result.output
    assert counts in result.output

    result = runner.invoke(cli, ["osm", "recost"])
    assert result.exit_code == 0, result.output
    assert "12 edges costed from travel_speed" in result.output


@pytest.mark.usefixtures("env")
def test_a_bad_file_exits_1_with_the_reason(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["osm", "load", str(write(tmp_path, "x.osm", "garbage"))])
    assert result.exit_code == 1
    assert "street network not loaded: osm2pgsql failed" in result.output
