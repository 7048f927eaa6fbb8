"""The fast path of a demo load into empty vacancy tables: the per-row work moved to the end.

Per row, a load pays for the trigger that builds the search documents
(jobmap_vacancy_before_write), the one that copies the vacancy onto its sites
(jobmap_site_fill), the foreign-key checks and the maintenance of 14 secondary indexes (GIN,
GiST, partial btrees, and the map cells' block index). Into empty tables, inside the load's
transaction, `Bulk.begin` drops those indexes and foreign keys and disables those two
triggers; the loader writes the documents and site columns itself (app/demo/documents.py, the
site stage); `Bulk.finish` builds each index once, adds the foreign keys back (which checks
every row, in one join each) and enables the triggers. Definitions are taken from the
catalogue (pg_get_indexdef, pg_get_constraintdef), so the database ends as it was, with the
same names.

All of it is transactional: a failed load rolls back to the indexes and triggers it found. The
DDL takes ACCESS EXCLUSIVE locks on vacancy, vacancy_site and site_cell until the load
commits, so readers of those tables wait for the load: hence only into empty tables, where
there is nothing to read yet (a row written between the check and the lock is still
indexed, checked and counted: only the wait would be longer). The statement triggers (map
cells, words, map version, joints) stay on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Tables whose secondary indexes are built at the end (site_cell: by the cells trigger, about
# three cells written per site).
TABLES = ("vacancy", "vacancy_site", "site_cell")
# The per-row triggers whose work the loader does itself.
ROW_TRIGGERS = (("vacancy", "vacancy_before_write"), ("vacancy_site", "site_fill"))
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
        """Drop the secondary indexes and foreign keys, disable the per-row triggers."""
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
        for table, trigger in ROW_TRIGGERS:
            await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        await _set(conn, "work_mem", WORK_MEM)
        return cls(indexes, keys)

    async def finish(self, conn: AsyncConnection) -> None:
        """Build the indexes, add the foreign keys back (checking every row), enable triggers."""
        await _set(conn, "maintenance_work_mem", MAINTENANCE_WORK_MEM)
        for _, definition in self.indexes:
            await conn.execute(text(definition))
        for table, name, definition in self.foreign_keys:
            await conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for table, trigger in ROW_TRIGGERS:
            await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


async def _set(conn: AsyncConnection, name: str, value: str) -> None:
    """A setting until the transaction ends."""
    await conn.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
    )
