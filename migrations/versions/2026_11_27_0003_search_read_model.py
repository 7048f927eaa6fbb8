"""Search read model: public-site columns on vacancy_site and full-text columns on vacancy,
kept in step by triggers, with the indexes the job-seeker queries use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from the vacancy (and its employer) onto each site, so a nearest-sites scan filters
# without a join. `public`: open and of a verified employer; expiry (valid_through) is checked
# at query time because it depends on the clock.
SITE_COLUMNS = (
    "public boolean NOT NULL DEFAULT false",
    "valid_through timestamptz",
    "employer_id uuid",
    "occupation_code varchar(8)",
    "industry_code varchar(8)",
    "employment_type varchar(16)",
    "salary_monthly_min bigint",
    "salary_monthly_max bigint",
    "published_at timestamptz",
)

# One statement each: asyncpg prepares statements singly.
FUNCTIONS = (
    # jobmap_fold() without the whitespace clean-up, which costs more than everything else on
    # long text and does not matter to to_tsvector(): same tokens, a fifth of the time.
    r"""
CREATE FUNCTION jobmap_fold_words(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)),
    '([bcdfghjklmnpqrstvwxz])y\M', '\1i', 'g')
""",
    r"""
CREATE FUNCTION jobmap_vacancy_search_doc(v vacancy) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('simple', jobmap_fold_words(v.title)), 'A')
        || setweight(to_tsvector('simple', jobmap_fold_words(coalesce(
               (SELECT coalesce(o.name_vi, '') || ' ' || coalesce(o.name_en, '')
                FROM occupation o WHERE o.code = v.occupation_code), ''))), 'B')
        || setweight(to_tsvector('simple', jobmap_fold_words(coalesce(
               (SELECT e.name FROM employer e WHERE e.id = v.employer_id), ''))), 'C')
        || setweight(to_tsvector('simple', jobmap_fold_words(left(v.description, 4000))), 'D')
$$
""",
    r"""
CREATE FUNCTION jobmap_vacancy_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.title_folded := jobmap_fold(NEW.title);
    NEW.search_doc := jobmap_vacancy_search_doc(NEW);
    RETURN NEW;
END $$
""",
    r"""
CREATE FUNCTION jobmap_site_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT v.status = 'open' AND e.verified_at IS NOT NULL, v.valid_through, v.employer_id,
           v.occupation_code, v.industry_code, v.employment_type, v.salary_monthly_min,
           v.salary_monthly_max, v.published_at
      INTO NEW.public, NEW.valid_through, NEW.employer_id, NEW.occupation_code,
           NEW.industry_code, NEW.employment_type, NEW.salary_monthly_min,
           NEW.salary_monthly_max, NEW.published_at
      FROM vacancy v JOIN employer e ON e.id = v.employer_id
     WHERE v.id = NEW.vacancy_id;
    RETURN NEW;
END $$
""",
    r"""
CREATE FUNCTION jobmap_vacancy_sync_sites() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vacancy_site s
       SET public = NEW.status = 'open'
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
""",
    r"""
CREATE FUNCTION jobmap_employer_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.verified_at IS NULL) <> (NEW.verified_at IS NULL) THEN
        UPDATE vacancy_site s
           SET public = v.status = 'open' AND NEW.verified_at IS NOT NULL
          FROM vacancy v
         WHERE v.id = s.vacancy_id AND v.employer_id = NEW.id;
    END IF;
    IF OLD.name IS DISTINCT FROM NEW.name THEN
        -- Re-runs the vacancy trigger, which rebuilds search_doc with the new name.
        UPDATE vacancy SET title = title WHERE employer_id = NEW.id;
    END IF;
    RETURN NULL;
END $$
""",
    r"""
CREATE TRIGGER vacancy_before_write BEFORE INSERT OR UPDATE ON vacancy
    FOR EACH ROW EXECUTE FUNCTION jobmap_vacancy_before_write()
""",
    r"""
CREATE TRIGGER site_fill BEFORE INSERT ON vacancy_site
    FOR EACH ROW EXECUTE FUNCTION jobmap_site_fill()
""",
    r"""
CREATE TRIGGER vacancy_sync_sites AFTER UPDATE ON vacancy
    FOR EACH ROW
    WHEN ((OLD.status, OLD.valid_through, OLD.occupation_code, OLD.industry_code,
           OLD.employment_type, OLD.salary_monthly_min, OLD.salary_monthly_max,
           OLD.published_at)
          IS DISTINCT FROM
          (NEW.status, NEW.valid_through, NEW.occupation_code, NEW.industry_code,
           NEW.employment_type, NEW.salary_monthly_min, NEW.salary_monthly_max,
           NEW.published_at))
    EXECUTE FUNCTION jobmap_vacancy_sync_sites()
""",
    r"""
CREATE TRIGGER employer_sync AFTER UPDATE OF verified_at, name ON employer
    FOR EACH ROW EXECUTE FUNCTION jobmap_employer_sync()
""",
)

DROP_FUNCTIONS = (
    "DROP TRIGGER employer_sync ON employer",
    "DROP TRIGGER vacancy_sync_sites ON vacancy",
    "DROP TRIGGER site_fill ON vacancy_site",
    "DROP TRIGGER vacancy_before_write ON vacancy",
    "DROP FUNCTION jobmap_employer_sync()",
    "DROP FUNCTION jobmap_vacancy_sync_sites()",
    "DROP FUNCTION jobmap_site_fill()",
    "DROP FUNCTION jobmap_vacancy_before_write()",
    "DROP FUNCTION jobmap_vacancy_search_doc(vacancy)",
    "DROP FUNCTION jobmap_fold_words(text)",
)


def upgrade() -> None:
    for column in SITE_COLUMNS:
        op.execute(sa.text(f"ALTER TABLE vacancy_site ADD COLUMN {column}"))
    op.add_column("vacancy", sa.Column("title_folded", sa.Text(), nullable=True))
    op.add_column("vacancy", sa.Column("search_doc", postgresql.TSVECTOR(), nullable=True))
    for statement in FUNCTIONS:
        op.execute(sa.text(statement))
    # Backfill through the triggers themselves, so there is one definition of each value.
    op.execute(sa.text("UPDATE vacancy SET title = title"))
    op.execute(
        sa.text(
            "UPDATE vacancy_site s SET public = v.status = 'open' AND e.verified_at IS NOT NULL, "
            "valid_through = v.valid_through, employer_id = v.employer_id, "
            "occupation_code = v.occupation_code, industry_code = v.industry_code, "
            "employment_type = v.employment_type, salary_monthly_min = v.salary_monthly_min, "
            "salary_monthly_max = v.salary_monthly_max, published_at = v.published_at "
            "FROM vacancy v JOIN employer e ON e.id = v.employer_id WHERE v.id = s.vacancy_id"
        )
    )
    op.drop_index("ix_vacancy_site_geom", table_name="vacancy_site", postgresql_using="gist")
    # Nearest-first (geography KNN, metres) and viewport (&&) scans over public sites only.
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_geog ON vacancy_site "
            "USING gist ((geom::geography)) WHERE public"
        )
    )
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_geom ON vacancy_site "
            "USING gist (geom) WHERE public"
        )
    )
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_site_public_published ON vacancy_site "
            "(published_at DESC, id DESC) WHERE public"
        )
    )
    op.execute(sa.text("CREATE INDEX ix_vacancy_search_doc ON vacancy USING gin (search_doc)"))
    op.execute(
        sa.text(
            "CREATE INDEX ix_vacancy_title_folded_trgm ON vacancy "
            "USING gin (title_folded gin_trgm_ops)"
        )
    )


def downgrade() -> None:
    for name in (
        "ix_vacancy_title_folded_trgm",
        "ix_vacancy_search_doc",
        "ix_vacancy_site_public_published",
        "ix_vacancy_site_public_geom",
        "ix_vacancy_site_public_geog",
    ):
        op.execute(sa.text(f"DROP INDEX {name}"))
    op.create_index("ix_vacancy_site_geom", "vacancy_site", ["geom"], postgresql_using="gist")
    for statement in DROP_FUNCTIONS:
        op.execute(sa.text(statement))
    op.drop_column("vacancy", "search_doc")
    op.drop_column("vacancy", "title_folded")
    for column in reversed(SITE_COLUMNS):
        op.execute(sa.text(f"ALTER TABLE vacancy_site DROP COLUMN {column.split()[0]}"))
