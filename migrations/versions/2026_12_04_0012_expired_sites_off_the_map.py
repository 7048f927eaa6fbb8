"""Sites past their valid_through leave the map's structures (the partial `WHERE public`
indexes and the kept cells) instead of waiting for the expiry sweep.

`vacancy_site.public` used to mean "open and of a verified employer"; the clock was applied by
every reader, so 100,000 expired but unswept sites (a bulk import of old vacancies, a fresh
demo load, a sweep switched off) were skipped by every viewport and subtracted by every cold
tile: 10x slower tiles. Now a site written after its valid_through is never public, and the
sites that expire while stored are taken off by a cheap set-based pass
(`app/vacancies/sweep.py`, every minute in each worker). Readers still test valid_through, so
a site is hidden at the instant it expires either way.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The three definitions that decide `public`, with {unexpired} the clock test (empty: the
# definitions of 0003/0004, restored on downgrade).
SITE_FILL = r"""
CREATE OR REPLACE FUNCTION jobmap_site_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT v.status = 'open' AND e.verified_at IS NOT NULL {unexpired_v}, v.valid_through,
           v.employer_id, v.occupation_code, v.industry_code, v.employment_type,
           v.salary_monthly_min, v.salary_monthly_max, v.published_at
      INTO NEW.public, NEW.valid_through, NEW.employer_id, NEW.occupation_code,
           NEW.industry_code, NEW.employment_type, NEW.salary_monthly_min,
           NEW.salary_monthly_max, NEW.published_at
      FROM vacancy v JOIN employer e ON e.id = v.employer_id
     WHERE v.id = NEW.vacancy_id;
    RETURN NEW;
END $$
"""

VACANCY_SYNC_SITES = r"""
CREATE OR REPLACE FUNCTION jobmap_vacancy_sync_sites() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vacancy_site s
       SET public = NEW.status = 'open' {unexpired_new}
                    AND EXISTS (SELECT 1 FROM employer e
                                WHERE e.id = NEW.employer_id AND e.verified_at IS NOT NULL),
           valid_through = NEW.valid_through, employer_id = NEW.employer_id,
           occupation_code = NEW.occupation_code, industry_code = NEW.industry_code,
           employment_type = NEW.employment_type,
           salary_monthly_min = NEW.salary_monthly_min,
           salary_monthly_max = NEW.salary_monthly_max, published_at = NEW.published_at
     WHERE s.vacancy_id = NEW.id;
    RETURN NULL;
END $$
"""

EMPLOYER_SYNC = r"""
CREATE OR REPLACE FUNCTION jobmap_employer_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.verified_at IS NULL) <> (NEW.verified_at IS NULL) THEN
        UPDATE vacancy_site s
           SET public = v.status = 'open' {unexpired_v} AND NEW.verified_at IS NOT NULL
          FROM vacancy v
         WHERE v.id = s.vacancy_id AND v.employer_id = NEW.id;
    END IF;
    IF OLD.name IS DISTINCT FROM NEW.name THEN
        UPDATE vacancy SET search_doc = NULL WHERE employer_id = NEW.id;
    END IF;
    RETURN NULL;
END $$
"""

DEFINITIONS = (SITE_FILL, VACANCY_SYNC_SITES, EMPLOYER_SYNC)


def _apply(*, with_clock: bool) -> None:
    clock = {
        "unexpired_v": "AND v.valid_through > now()" if with_clock else "",
        "unexpired_new": "AND NEW.valid_through > now()" if with_clock else "",
    }
    for definition in DEFINITIONS:
        op.execute(sa.text(definition.format(**clock)))


def upgrade() -> None:
    _apply(with_clock=True)
    # The backlog already there leaves in one statement (the cell triggers take it away).
    op.execute(
        sa.text("UPDATE vacancy_site SET public = false WHERE public AND valid_through <= now()")
    )


def downgrade() -> None:
    _apply(with_clock=False)
    op.execute(
        sa.text(
            "UPDATE vacancy_site s SET public = true FROM vacancy v JOIN employer e "
            "ON e.id = v.employer_id WHERE v.id = s.vacancy_id AND NOT s.public "
            "AND v.status = 'open' AND e.verified_at IS NOT NULL"
        )
    )
