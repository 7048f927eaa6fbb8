"""The expiry sweep records expiry without rewriting vacancies (issue 21, fast bulk paths).

Readers derive a vacancy's expiry from valid_through (app/vacancies/reads.lifecycle, the
search's and the map's statements); what the sweep adds is the `expired` event in the changes
feed. It used to write it down by rewriting the vacancy as closed(expired), and on a backlog
each vacancy cost a write to a random page of the widest table (its lock, its new version, an
entry in each btree), plus the foreign-key check of its event, which locks the vacancy's row
again: on 1,000,000 vacancies a bare UPDATE of 10,000 due rows without any trigger took 1.1 s
after a checkpoint, the events alone with their foreign key 0.64 s, without it 0.05 s
(bench/README.md).

- `vacancy_due`: the open vacancies whose expiry is yet to be recorded, with their
  valid_through and employer, kept by triggers (jobmap_vacancy_due.sql). The sweep deletes the
  rows past their valid_through and writes their events; a vacancy it recorded keeps
  `status = 'open'` with valid_through in the past, which every reader already takes as
  closed(expired) at valid_through. Vacancies recorded before this revision stay closed(expired).
- The foreign key of vacancy_event.vacancy_id goes; trigger vacancy_events_delete deletes a
  vacancy's events with it, as the key's ON DELETE CASCADE did.

The queue is filled from the open vacancies (with any backlog the sweep has not recorded yet),
its key and index built and its foreign key added after, each in one pass: a row-by-row
foreign-key check took 49 s for 880,000 rows.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import sqlfiles

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL_FILES = {
    "jobmap_vacancy_due": "196d3c0be05c",
    "jobmap_vacancy_events_delete": "1202d4dc2156",
    "triggers": "c712a1305d2d",
}
EVENT_KEY = "fk_vacancy_event_vacancy_id_vacancy"


def upgrade() -> None:
    op.create_table(
        "vacancy_due",
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("valid_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
    )
    op.execute(
        sa.text(
            "INSERT INTO vacancy_due (vacancy_id, valid_through, employer_id)"
            " SELECT id, valid_through, employer_id FROM vacancy WHERE status = 'open'"
            " ORDER BY valid_through"
        )
    )
    op.create_primary_key("pk_vacancy_due", "vacancy_due", ["vacancy_id"])
    op.create_index("ix_vacancy_due_valid_through", "vacancy_due", ["valid_through"])
    op.create_foreign_key(
        "fk_vacancy_due_vacancy_id_vacancy",
        "vacancy_due",
        "vacancy",
        ["vacancy_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(EVENT_KEY, "vacancy_event", type_="foreignkey")
    sqlfiles.apply(SQL_FILES)


def downgrade() -> None:
    for trigger in ("vacancy_due_insert", "vacancy_due_update", "vacancy_events_delete"):
        op.execute(sa.text(f"DROP TRIGGER {trigger} ON vacancy"))
    for function in ("jobmap_vacancy_due_insert", "jobmap_vacancy_due_update"):
        op.execute(sa.text(f"DROP FUNCTION {function}()"))
    op.execute(sa.text("DROP FUNCTION jobmap_vacancy_events_delete()"))
    # What the sweep recorded since goes back to how the older sweep wrote it down.
    op.execute(
        sa.text(
            "UPDATE vacancy SET status = 'closed', close_reason = 'expired',"
            " closed_at = valid_through, version = version + 1, updated_at = now()"
            " WHERE status = 'open' AND valid_through <= now()"
            " AND NOT EXISTS (SELECT FROM vacancy_due d WHERE d.vacancy_id = vacancy.id)"
        )
    )
    op.drop_table("vacancy_due")
    # Events of vacancies deleted meanwhile went with them (the trigger), so every event
    # still has its vacancy.
    op.create_foreign_key(
        EVENT_KEY, "vacancy_event", "vacancy", ["vacancy_id"], ["id"], ondelete="CASCADE"
    )
    sqlfiles.restore(revision, "triggers")
