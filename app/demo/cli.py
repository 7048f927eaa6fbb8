"""`jobmap demo load`: fill the database with realistic demo employers and vacancies."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Annotated

import typer

from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.demo import loader, placements
from app.demo.loader import DemoError, DemoReport
from app.metrics.tasks import task
from app.progress import stage

demo_cli = typer.Typer(help="Demo data.", no_args_is_help=True)


@demo_cli.callback()
def demo() -> None:
    """Realistic, reproducible demo data."""


async def _load(vacancies: int, seed: int, if_empty: bool) -> DemoReport | None:
    """One committed transaction on a short-lived engine; None when skipped by `if_empty`."""
    engine = create_engine(get_settings(), statement_timeout_ms=0)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await loader.lock(session)
            if if_empty and await loader.has_vacancies(session):
                return None
            with stage("vacancies", vacancies, unit="vacancies") as advance:
                # Statistics: VACUUM (ANALYZE) below, once the load is committed.
                report = await loader.load_demo(session, vacancies, seed, advance, analyze=False)
        # Outside the transaction (VACUUM cannot run in one): set hint bits and the visibility
        # map now, so the first queries do not pay for it (index-only scans, fewer heap reads).
        tables = ("employer", "vacancy", "vacancy_site")
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            with stage("vacuum and analyze", len(tables), unit="tables") as advance:
                # After the fast path the indexes are new (no pending GIN entries, nothing to
                # clean up): only the tables are read.
                options = "ANALYZE, INDEX_CLEANUP OFF" if report.bulk else "ANALYZE"
                for table in tables:
                    await autocommit.exec_driver_sql(f"VACUUM ({options}) {table}")
                    advance(1)
        return report
    finally:
        await engine.dispose()


@demo_cli.command("load")
def demo_load(
    vacancies: Annotated[int, typer.Option(min=1, help="Number of vacancies.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 86,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when vacancies already exist.")
    ] = False,
) -> None:
    """Load employers, vacancies and work sites in one transaction (all or nothing).

    About one employer per 20 vacancies; sites lie inside the current communes.
    """
    started = time.perf_counter()
    try:
        with task("demo_load") as run:
            report = asyncio.run(_load(vacancies, seed, if_empty))
            run.rows(report.vacancies if report else 0)
    except DemoError as exc:
        typer.echo(f"demo data not loaded: {exc}", err=True)
        raise typer.Exit(1) from exc
    if report is None:
        typer.echo("vacancy table already has rows: demo data not loaded (--if-empty)")
        return
    seconds = time.perf_counter() - started
    typer.echo(
        f"demo data loaded: {report.employers} employers, {report.vacancies} vacancies, "
        f"{report.sites} sites in {seconds:.1f} s"
        + (" (into empty tables: indexes built at the end)" if report.bulk else "")
    )


async def _load_placements(
    count: int, seed: int, if_empty: bool, years: int
) -> placements.PlacementsReport | None:
    settings = get_settings()
    engine = create_engine(settings, statement_timeout_ms=0)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await loader.lock(session)
            if if_empty and await placements.has_placements(session):
                return None
            today = datetime.now(settings.tz).date()
            # One statement: a spinner while it runs, then the count.
            with stage("placements", unit="placements") as advance:
                report = await placements.load_placements(session, count, seed, today, years)
                advance(report.placements)
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            with stage("vacuum and analyze", 1, unit="tables") as advance:
                await autocommit.exec_driver_sql("VACUUM (ANALYZE) placement")
                advance(1)
        return report
    finally:
        await engine.dispose()


@demo_cli.command("placements")
def demo_placements(
    count: Annotated[int, typer.Option(min=1, max=5_000_000, help="Number of placements.")] = 20000,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data.")] = 86,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when placements already exist.")
    ] = False,
    years: Annotated[
        int,
        typer.Option(
            min=1, max=20, help="Years of history (the projection's backtest needs 3 or more)."
        ),
    ] = placements.YEARS,
) -> None:
    """Load placements over the last three years (or --years), and plans with survey values
    for the years that have none, in one transaction."""
    started = time.perf_counter()
    with task("demo_placements") as run:
        report = asyncio.run(_load_placements(count, seed, if_empty, years))
        run.rows(report.placements if report else 0)
    if report is None:
        typer.echo("placement table already has rows: demo placements not loaded (--if-empty)")
        return
    typer.echo(
        f"demo placements loaded: {report.placements} from {report.first_day} to "
        f"{report.last_day}, plans for {report.plans or 'no new year'} "
        f"in {time.perf_counter() - started:.1f} s"
    )
