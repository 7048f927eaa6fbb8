"""Database functions and triggers are read from SQL files (migrations/sql/), one current
definition each, instead of being written inline in migrations (issue 19).

0002-0012 defined them inline, several more than once (jobmap_vacancy_before_write three times,
jobmap_site_fill, jobmap_vacancy_sync_sites and jobmap_employer_sync twice each), so the
definition in force was the last one in history. This migration applies every file, so a
database at head has exactly the files' definitions (tests/test_sql_files.py checks it). From
now on a function changes by editing its file and adding a migration that applies that file
(migrations/sql/README.md).

The files hold the definitions 0012 left, the text of each PL/pgSQL and `AS $$` body byte for
byte (pg_get_functiondef and pg_get_triggerdef of every function and trigger compared at 0012
and at 0013): upgrading changes no definition and no trigger, so the downgrade has nothing to
restore and is a no-op.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from migrations import sqlfiles

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The files this revision applies, in this order (triggers last: a trigger names its function),
# each with the fingerprint of the text it applied (sqlfiles.fingerprint). When a file changes,
# the text it replaced is kept under migrations/sql/replaced/<revision>/, so on a fresh database
# this revision still applies these very texts. Named, not globbed: a file added later is
# applied by its own migration, once the tables it needs exist.
SQL_FILES = {
    "jobmap_fold": "c121adb20e23",
    "jobmap_fold_words": "10289f7598a7",
    "jobmap_words": "1749905c76e7",
    "jobmap_terms": "f4044d29033e",
    "jobmap_words_query": "5025a6f01bf4",
    "jobmap_phrase_query": "3ac35d9a5f2b",
    "jobmap_any_has_words": "93455965e9cb",
    "jobmap_has_words": "00ab022b1e9f",
    "jobmap_vacancy_before_write": "d0379be21eae",
    "jobmap_site_fill": "92dd335d42a1",
    "jobmap_vacancy_sync_sites": "7274fae1f67d",
    "jobmap_employer_sync": "f3fced585b99",
    "jobmap_remember_words": "714dfaa65aed",
    "jobmap_remember_new_words": "3040ddf19671",
    "jobmap_mercator": "83e9e54e7c17",
    "jobmap_cell": "682160260e39",
    "jobmap_site_cells": "4e03bf5196f9",
    "jobmap_bump_map_version": "23c1df2d59b7",
    "triggers": "63653bfeea61",
}


def upgrade() -> None:
    sqlfiles.apply(SQL_FILES)


def downgrade() -> None:
    # 0012's definitions are the files' (see above): nothing to put back.
    pass
