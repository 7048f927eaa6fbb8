"""The fast path of a demo load into empty vacancy tables: the per-row work moved to the end.

Per row, a load pays for the trigger that builds the search documents
(jobmap_vacancy_before_write), the one that copies the vacancy onto its sites
(jobmap_site_fill), the foreign-key checks and the maintenance of 14 secondary indexes (GIN,
GiST, partial btrees, and the map cells' block index). Into empty tables, inside the load's
transaction, `Bulk.begin` drops those indexes and foreign keys and disables those two
triggers; the loader writes the documents and site columns itself (app/demo/documents.py, the
site stage); `Bulk.finish` counts the map cells once over every public site, builds each index
once, adds the foreign keys back (which checks every row, in one join each) and enables the
triggers. Definitions are taken from the
catalogue (pg_get_indexdef, pg_get_constraintdef), so the database ends as it was, with the
same names.

All of it is transactional: a failed load rolls back to the indexes and triggers it found. The
DDL takes ACCESS EXCLUSIVE locks on vacancy, vacancy_site and site_cell until the load
commits, so readers of those tables wait for the load: hence only into empty tables, where
there is nothing to read yet (a row written between the check and the lock is still
indexed, checked and counted: only the wait would be longer). The map cells' insert trigger is
off too: batch after batch it upserted every cell its sites touched (about 40% of writing a
batch, growing as the cells fill), where one aggregate at the end writes each cell once. Its
floating-point sums are then added in another order than batch by batch: equal to the last
bits or so, as the per-row path's own sums differ with its batch size. The expiry queue's
insert trigger (vacancy_due) is off as well: `finish` queues every open vacancy in one INSERT.
The other statement triggers (words, map version, joints) stay on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Tables whose secondary indexes are built at the end (site_cell: by the cells trigger, about
# three cells written per site; vacancy_due: by its queue trigger, one row per open vacancy).
TABLES = ("vacancy", "vacancy_site", "site_cell", "vacancy_due")
# The per-row triggers whose work the loader does itself.
ROW_TRIGGERS = (("vacancy", "vacancy_before_write"), ("vacancy_site", "site_fill"))
# ... and the statement triggers whose work Bulk.finish does once for all the rows: the map
# cells of the sites, and the expiry queue of the open vacancies (each row's foreign-key check
# locked its vacancy).
TRIGGERS = (
    *ROW_TRIGGERS,
    ("vacancy_site", "vacancy_site_cells_insert"),
    ("vacancy", "vacancy_due_insert"),
)
# This transaction only: memory for each CREATE INDEX (GIN builds in memory, then merges), and
# for the transition tables of the statement triggers (a batch of vacancies is about 80 MB)
# and the map cells' aggregate, which would otherwise go to disk.
MAINTENANCE_WORK_MEM = "1GB"
WORK_MEM = "256MB"

# Indexes that back no constraint (primary keys and unique constraints stay: the load needs
# their checks, and dropping them would take the foreign keys that reference them).
_INDEXES = text("""
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index AS i
    WHERE i.indrelid = ANY (CAST(:tables AS regclass[]))
      AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
    ORDER BY i.indrelid, name
""")
# What jobmap_site_cells_insert adds for the sites of a statement, for all public sites at
# once: per zoom and cell, their number, positions, sums of Web Mercator coordinates and
# squares, and the occupation groups' code points. Sites are counted into the cells of the top
# zoom, and each zoom's cells into those of the zoom above: a cell of zoom z - 1 is
# (cx >> 1, cy >> 1) of zoom z exactly (jobmap_cell_x multiplies by a power of two before it
# floors), so 1.1M sites are read once rather than once per zoom. Into the table emptied just
# before (Bulk.finish), in the key's order, which fills the primary key's btree left to right.
TOP_ZOOM, BOTTOM_ZOOM = 15, 8
_ROLLED_UP = """
    sum(sites)::integer AS sites, sum(positions)::bigint AS positions, sum(sum_x) AS sum_x,
    sum(sum_y) AS sum_y, sum(sum_xx) AS sum_xx, sum(sum_yy) AS sum_yy,
    sum(group_sum)::bigint AS group_sum"""


def _count_cells() -> str:
    # Zooms and names are constants: nothing from outside goes into the statement.
    top = f"""z{TOP_ZOOM} AS MATERIALIZED (
        SELECT jobmap_cell_x(s.geom, {TOP_ZOOM}) AS cx, jobmap_cell_y(s.geom, {TOP_ZOOM}) AS cy,
               count(*)::integer AS sites, sum(s.positions)::bigint AS positions,
               sum(m.x) AS sum_x, sum(m.y) AS sum_y, sum(m.x * m.x) AS sum_xx,
               sum(m.y * m.y) AS sum_yy,
               sum(coalesce(ascii(s.occupation_code), 0))::bigint AS group_sum
        FROM vacancy_site AS s
        CROSS JOIN LATERAL (SELECT jobmap_mercator_x(s.geom) AS x,
                                   jobmap_mercator_y(s.geom) AS y) AS m
        WHERE s.public
        GROUP BY 1, 2)"""  # noqa: S608
    below = [
        f"z{z} AS MATERIALIZED (SELECT cx >> 1 AS cx, cy >> 1 AS cy, {_ROLLED_UP} "  # noqa: S608
        f"FROM z{z + 1} GROUP BY 1, 2)"
        for z in range(TOP_ZOOM - 1, BOTTOM_ZOOM - 1, -1)
    ]
    zooms = " UNION ALL ".join(
        f"SELECT {z}, * FROM z{z}"  # noqa: S608
        for z in range(BOTTOM_ZOOM, TOP_ZOOM + 1)
    )
    return f"""
    INSERT INTO site_cell (zoom, cx, cy, sites, positions, sum_x, sum_y, sum_xx, sum_yy, group_sum)
    WITH {", ".join([top, *below])}
    SELECT * FROM ({zooms}) AS cells
    ORDER BY 1, 2, 3
    """  # noqa: S608


_COUNT_CELLS = text(_count_cells())
# What jobmap_vacancy_due_insert adds, for every open vacancy at once, in the order the sweep
# takes them (as migration 0029 does): a batch then deletes from a few pages of the queue, not
# one page every vacancy or two.
_QUEUE_OPEN = text("""
    INSERT INTO vacancy_due (vacancy_id, valid_through, employer_id)
    SELECT id, valid_through, employer_id FROM vacancy WHERE status = 'open'
    ORDER BY valid_through
""")
_FOREIGN_KEYS = text("""
    SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint
    WHERE contype = 'f' AND conrelid = ANY (CAST(:tables AS regclass[]))
    ORDER BY conrelid, conname
""")


async def empty(conn: AsyncConnection) -> bool:
    """No vacancy and no site yet: the fast path applies."""
    return not await conn.scalar(
        text("SELECT EXISTS (SELECT FROM vacancy) OR EXISTS (SELECT FROM vacancy_site)")
    )


@dataclass(frozen=True)
class Bulk:
    indexes: list[tuple[str, str]]  # name, CREATE INDEX statement
    foreign_keys: list[tuple[str, str, str]]  # table, name, definition

    @classmethod
    async def begin(cls, conn: AsyncConnection) -> Bulk:
        """Drop the secondary indexes and foreign keys, disable the triggers in TRIGGERS."""
        tables = list(TABLES)
        indexes = [(r.name, r.definition) for r in await conn.execute(_INDEXES, {"tables": tables})]
        keys = [
            (r.tab, r.conname, r.definition)
            for r in await conn.execute(_FOREIGN_KEYS, {"tables": tables})
        ]
        for table, name, _ in keys:
            await conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _ in indexes:
            await conn.execute(text(f"DROP INDEX {name}"))
        for table, trigger in TRIGGERS:
            await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        await _set(conn, "work_mem", WORK_MEM)
        return cls(indexes, keys)

    async def finish(self, conn: AsyncConnection) -> None:
        """Count the map cells, queue the open vacancies, build the indexes, add the foreign
        keys back (checking every row), enable the triggers."""
        # Without sites every cell counts nothing: the cells a site once left, kept at zero
        # by the trigger, go (TRUNCATE: no dead rows for the unique checks to step over).
        await conn.execute(text("TRUNCATE site_cell"))
        await conn.execute(_COUNT_CELLS)
        await conn.execute(_QUEUE_OPEN)
        await _set(conn, "maintenance_work_mem", MAINTENANCE_WORK_MEM)
        for _, definition in self.indexes:
            await conn.execute(text(definition))
        for table, name, definition in self.foreign_keys:
            await conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for table, trigger in TRIGGERS:
            await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


async def _set(conn: AsyncConnection, name: str, value: str) -> None:
    """A setting until the transaction ends."""
    await conn.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
    )
