"""`jobmap` admin commands: database migrations, data loading, serving."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from alembic import command
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.loader import AreaDataError
from app.areas.service import load_areas
from app.auth import service as key_service
from app.classifications.service import ClassificationDataError, load_classifications
from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.demo import cli as demo_commands
from app.demo.cli import demo_cli
from app.employers import service as employer_service
from app.employers.schemas import EmployerCreate
from app.errors import ConflictError
from app.metrics.exposition import workers_metrics_dir
from app.metrics.tasks import task
from app.migrations_info import alembic_config
from app.models import Role
from app.osm.cli import osm_cli
from app.progress import stage
from app.vacancies.sweep import SweepReport, record_expired, unlist_expired

T = TypeVar("T")

cli = typer.Typer(help="Vĩnh Long job map: administration commands.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
areas_cli = typer.Typer(help="Administrative areas.", no_args_is_help=True)
classifications_cli = typer.Typer(help="Occupation and industry codes.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(areas_cli, name="areas")
cli.add_typer(classifications_cli, name="classifications")
keys_cli = typer.Typer(help="API keys.", no_args_is_help=True)
employers_cli = typer.Typer(help="Employers.", no_args_is_help=True)
vacancies_cli = typer.Typer(help="Vacancies.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(employers_cli, name="employers")
cli.add_typer(vacancies_cli, name="vacancies")
cli.add_typer(demo_cli, name="demo")
cli.add_typer(osm_cli, name="osm")


def _run_in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on a short-lived engine."""

    async def run() -> T:
        engine = create_engine(get_settings(), statement_timeout_ms=0)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    settings = get_settings()
    command.upgrade(alembic_config(settings.alembic_ini, settings.database_url), revision)


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Migrate the database down to REVISION ('base' drops everything)."""
    settings = get_settings()
    command.downgrade(alembic_config(settings.alembic_ini, settings.database_url), revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    settings = get_settings()
    command.current(alembic_config(settings.alembic_ini, settings.database_url))


@areas_cli.command("load")
def areas_load(
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder of area files (default: data/admin).")
    ] = None,
) -> None:
    """Load (or refresh) administrative units from the shipped files. Idempotent."""
    directory = data_dir or get_settings().data_dir / "admin"
    try:
        with task("areas_load") as run, stage("areas", unit="areas") as advance:
            report = _run_in_transaction(lambda session: load_areas(session, directory))
            run.rows(report.inserted + report.updated)
            advance(report.inserted + report.updated + report.unchanged)
    except AreaDataError as exc:
        typer.echo(f"areas not loaded: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"areas from {directory}: {report.inserted} inserted, {report.updated} updated, "
        f"{report.unchanged} unchanged; {report.successions} communes follow an ended unit"
    )


@classifications_cli.command("load")
def classifications_load(
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder of code lists (default: data/classifications).")
    ] = None,
) -> None:
    """Load (or refresh) the ISCO-08, VSIC 2018 and VSIC 2025 code lists. Idempotent."""
    directory = data_dir or get_settings().data_dir / "classifications"
    try:
        with task("classifications_load") as run:
            report = _run_in_transaction(lambda session: load_classifications(session, directory))
            run.rows(report.occupations + report.industries)
    except ClassificationDataError as exc:
        typer.echo(f"classifications not loaded: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{report.occupations} occupation and {report.industries} industry codes loaded")


@keys_cli.command("create")
def keys_create(
    role: Annotated[
        Role, typer.Option(help="admin or department (employer keys: employers create).")
    ],
    label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
) -> None:
    """Print a new admin or department key. It is shown only this once."""
    if role is Role.employer:
        typer.echo("Employer keys belong to an employer: use `jobmap employers create`.", err=True)
        raise typer.Exit(2)

    async def create(session: AsyncSession) -> tuple[str, str]:
        row, key = await key_service.issue(session, role, label=label)
        return row.prefix, key

    prefix, key = _run_in_transaction(create)
    typer.echo(f"prefix: {prefix}")
    typer.echo(f"key:    {key}")


@employers_cli.command("create")
def employers_create(
    name: Annotated[str, typer.Option(help="Registered name.")],
    tax_code: Annotated[str, typer.Option(help="10 digits, or 10 digits-3 digits for a branch.")],
    verified: Annotated[bool, typer.Option(help="Vetted already.")] = False,
) -> None:
    """Register an employer and print its id and a new employer key."""
    try:
        payload = EmployerCreate(name=name, tax_code=tax_code, verified=verified)
    except ValidationError as exc:
        typer.echo(f"invalid: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(2) from exc

    async def create(session: AsyncSession) -> tuple[str, str]:
        employer = await employer_service.create(session, payload)
        _, key = await key_service.issue(
            session, Role.employer, label="created with the employer", employer_id=employer.id
        )
        return str(employer.id), key

    try:
        employer_id, key = _run_in_transaction(create)
    except ConflictError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"employer: {employer_id}")
    typer.echo(f"key:      {key}")


@vacancies_cli.command("sweep")
def vacancies_sweep() -> None:
    """Take expired sites off the map, record expired vacancies and purge old idempotency
    keys, in committed batches (safe to run any time, also beside the service)."""

    async def run() -> SweepReport:
        engine = create_engine(get_settings(), statement_timeout_ms=0)
        sessions = create_sessionmaker(engine)
        try:
            with stage("sites taken off the map", unit="sites") as advance:
                unlisted = await unlist_expired(sessions, advance)
            with stage("vacancies recorded as expired", unit="vacancies") as advance:
                expired, purged = await record_expired(sessions, advance)
            return SweepReport(expired=expired, idempotency_keys_purged=purged, unlisted=unlisted)
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    typer.echo(
        f"{report.unlisted} sites taken off the map, "
        f"{report.expired} vacancies recorded as expired, "
        f"{report.idempotency_keys_purged} idempotency keys purged"
    )


DEMO_SEED = 86


@cli.command("setup")
def setup(
    demo_vacancies: Annotated[
        int, typer.Option(min=0, help="Demo vacancies, loaded only into a database with none.")
    ] = 0,
    demo_placements: Annotated[
        int,
        typer.Option(min=0, help="Demo placements and plans, only into a database with none."),
    ] = 0,
) -> None:
    """Everything a database needs to serve, each step idempotent: migrations, administrative
    areas, occupation and industry codes, and demo data when asked. `make run` and the
    container set-up (compose.yaml) both run it."""
    stages: list[tuple[str, Callable[[], None]]] = [
        ("migrations", lambda: db_upgrade("head")),
        ("areas", lambda: areas_load(None)),
        ("classifications", lambda: classifications_load(None)),
    ]
    if demo_vacancies:
        stages.append(
            ("demo vacancies", lambda: demo_commands.demo_load(demo_vacancies, DEMO_SEED, True))
        )
    if demo_placements:
        stages.append(
            (
                "demo placements",
                lambda: demo_commands.demo_placements(demo_placements, DEMO_SEED, True),
            )
        )
    began = time.perf_counter()
    for name, step in stages:
        typer.echo(f"setup: {name} ...")
        started = time.perf_counter()
        step()
        typer.echo(f"setup: {name} done in {time.perf_counter() - started:.1f} s")
    typer.echo(f"setup: ready in {time.perf_counter() - began:.1f} s")


def invoked_as() -> str:
    """This program as the user can type it again: `.venv/bin/jobmap` when it was run so from
    here, `jobmap` when that is the one on PATH, else its full path."""
    program = os.path.abspath(sys.argv[0])
    on_path = shutil.which("jobmap")
    if on_path and os.path.abspath(on_path) == program:
        return "jobmap"
    relative = os.path.relpath(program)
    return relative if not relative.startswith("..") else program


def banner(host: str, port: int, program: str) -> list[str]:
    """What `serve` prints first: the pages, and the command that makes a department key."""
    base = f"http://{host}:{port}"
    return [
        f"Job map:   {base}/",
        f"Dashboard: {base}/dashboard, with a department key from:",
        f'           {program} keys create --role department --label "dashboard"',
        f"API docs:  {base}/docs",
    ]


@cli.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Serve the API with uvicorn (metrics: docs/operations.md, "Metrics")."""
    for line in banner(host, port, invoked_as()):
        typer.echo(line)
    with workers_metrics_dir(workers, port):
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            access_log=False,  # app.access logs each request with its request id
            proxy_headers=True,
        )


def main() -> None:
    cli()


if __name__ == "__main__":  # `python -m app.cli`, as the tests start `jobmap serve`
    main()
