"""The programs the import runs: osm2pgsql (Debian `osm2pgsql`) and osmium (`osmium-tool`)."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url

from app.osm.errors import OsmLoadError

logger = logging.getLogger(__name__)

STYLE = Path(__file__).with_name("style.lua")
# Lines of a failed program's output kept in the error.
TAIL_LINES = 8


@contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="jobmap-osm-") as name:
        yield Path(name)


def _program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OsmLoadError(f"{name} is not installed. Run: sudo apt-get install {package}")
    return found


async def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    """Run a program, logging its output; OsmLoadError with the output's tail if it fails."""
    completed = await asyncio.to_thread(
        subprocess.run,
        args,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (completed.stdout + completed.stderr).strip().splitlines()
    for line in output:
        logger.debug("%s: %s", Path(args[0]).name, line)
    if completed.returncode != 0:
        tail = "\n".join(output[-TAIL_LINES:])
        raise OsmLoadError(
            f"{Path(args[0]).name} failed (exit {completed.returncode}); "
            f"the previous network is unchanged:\n{tail}"
        )


async def osm2pgsql(database_url: str, schema: str, source: Path) -> None:
    """Import `source` into `schema` (which must exist) with the flex style."""
    url = make_url(database_url)
    args = [_program("osm2pgsql", "osm2pgsql"), "--create", "--output=flex", f"--style={STYLE}"]
    args += ["--database", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ, "JOBMAP_OSM_SCHEMA": schema}
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, which others can read
    await _run([*args, str(source)], env)


async def clip(source: Path, boundary: Path, scratch: Path) -> Path:
    """`source` cut to the polygon of the GeoJSON file `boundary`, keeping whole the ways that
    cross it (osmium's default complete_ways strategy: roads leaving the province still
    end at a junction)."""
    target = scratch / "clipped.osm.pbf"
    await _run(
        [
            _program("osmium", "osmium-tool"),
            "extract",
            "--polygon",
            str(boundary),
            "--overwrite",
            "--output",
            str(target),
            str(source),
        ]
    )
    return target
