"""The `jobmap` console script, against the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from tests.conftest import database_url


@pytest.fixture
def test_env(
    monkeypatch: pytest.MonkeyPatch,
    engine: AsyncEngine,  # noqa: ARG001  (creates, migrates and loads the database)
) -> Iterator[None]:
    """APP_DATABASE_URL pointing at the migrated and loaded test database."""
    monkeypatch.setenv("APP_DATABASE_URL", database_url())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("test_env")
def test_areas_load_twice_changes_nothing() -> None:
    result = CliRunner().invoke(cli, ["areas", "load"])
    assert result.exit_code == 0, result.output
    assert "0 inserted, 0 updated, 236 unchanged" in result.output


@pytest.mark.usefixtures("test_env")
def test_areas_load_from_a_missing_folder_fails() -> None:
    result = CliRunner().invoke(cli, ["areas", "load", "--data-dir", "/nonexistent"])
    assert result.exit_code == 1
    assert "is not a folder" in result.output


@pytest.mark.usefixtures("test_env")
def test_db_current_names_the_head() -> None:
    result = CliRunner().invoke(cli, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert "(head)" in result.output


@pytest.mark.usefixtures("test_env")
def test_vacancies_sweep_reports_what_it_did() -> None:
    result = CliRunner().invoke(cli, ["vacancies", "sweep"])
    assert result.exit_code == 0, result.output
    assert "sites taken off the map, " in result.output
    assert "vacancies recorded as expired, " in result.output
    assert "idempotency keys purged" in result.output


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("db", "areas", "serve"):
        assert name in result.output
