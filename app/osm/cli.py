"""`jobmap osm`: load an OpenStreetMap extract as the street network, recompute its costs."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.config import get_settings
from app.osm import service
from app.osm.errors import OsmLoadError
from app.osm.repository import NetworkCounts

osm_cli = typer.Typer(help="Streets from OpenStreetMap (basemap and travel time).")


@osm_cli.callback()
def osm() -> None:
    """Streets from OpenStreetMap: the import and the routing graph."""


def _progress_to_stderr() -> None:
    """The import's progress lines on stderr (the service logs JSON; this is a terminal)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s osm: %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("app.osm")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _echo_counts(counts: NetworkCounts) -> None:
    typer.echo(
        f"ways: {counts.ways} ({counts.skipped_ways} left out), edges: {counts.edges} "
        f"(motorbike {counts.motorbike_edges}, bicycle {counts.bicycle_edges}, "
        f"walk {counts.walk_edges}, ferry {counts.ferry_edges}), nodes: {counts.vertices}, "
        f"isolated parts: {counts.isolated_parts}"
    )


@osm_cli.command("load")
def osm_load(
    file: Annotated[Path, typer.Argument(help="An .osm.pbf or .osm extract.")],
    clip_to_province: Annotated[
        bool,
        typer.Option(
            "--clip-to-province", help="Cut the extract to the province boundary (osmium)."
        ),
    ] = False,
) -> None:
    """Import FILE and make it the street network, replacing the previous one atomically.

    A failed import changes nothing: the previous network stays in place.
    """
    _progress_to_stderr()
    try:
        report = asyncio.run(service.load(get_settings(), file, clip_to_province=clip_to_province))
    except OsmLoadError as exc:
        typer.echo(f"street network not loaded: {exc}", err=True)
        raise typer.Exit(1) from exc
    _echo_counts(report.counts)
    what = "replaced the previous network" if report.replaced else "first network loaded"
    typer.echo(f"{what} in {report.seconds:.1f} s")


@osm_cli.command("recost")
def osm_recost() -> None:
    """Recompute the network's travel times after editing the table travel_speed."""
    try:
        edges = asyncio.run(service.recost(get_settings()))
    except OsmLoadError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{edges} edges costed from travel_speed")


@osm_cli.command("status")
def osm_status() -> None:
    """Print the loaded network's source and counts."""
    counts = asyncio.run(service.status(get_settings()))
    if counts is None:
        typer.echo("no street network is loaded: run `jobmap osm load FILE`")
        raise typer.Exit(1)
    typer.echo(f"source: {counts.source}")
    _echo_counts(counts)
