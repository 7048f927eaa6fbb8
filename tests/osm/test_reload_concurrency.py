"""A reload while others read the network: each read sees the old network or the new one,
whole, and never an error or nothing (real commits on separate connections)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.osm import service
from app.osm.service import LoadReport
from tests.osm.osm_files import WAYS, osm_xml, write

# The source and the edge count, read in one statement from two tables of the schema.
READ = text("SELECT i.source, (SELECT count(*) FROM osm.edge) FROM osm.info AS i")
READERS = 3


async def test_readers_see_the_old_or_the_new_network_never_neither(
    town: LoadReport, engine: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    smaller = {key: WAYS[key] for key in (100, 101, 170)}
    path = write(tmp_path, "small.osm", osm_xml(ways=smaller))
    loading = asyncio.create_task(service.load(osm_settings, path))

    async def read_until_loaded() -> list[tuple[str, int]]:
        seen: list[tuple[str, int]] = []
        async with engine.connect() as connection:
            while True:
                done = loading.done()
                row = (await connection.execute(READ)).one()
                await connection.commit()
                seen.append((row[0], row[1]))
                if done:
                    return seen

    results = await asyncio.gather(*(read_until_loaded() for _ in range(READERS)))
    report = await loading
    assert report.replaced
    old, new = ("town.osm", town.counts.edges), ("small.osm", 3)
    for seen in results:
        assert set(seen) <= {old, new}
        assert seen[0] == old
        assert seen[-1] == new
        assert len(seen) > 2
