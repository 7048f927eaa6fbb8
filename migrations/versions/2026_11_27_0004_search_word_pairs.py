"""Search documents in two parts. Vietnamese words are mostly two syllables ("kế toán", "tài
xế"), so single syllables match far too much ("tại" is in most descriptions):
- `title_doc`: the words of the title and occupation names and each pair of neighbouring words
  ("ke_toan"), small, for the phrase that ranks first and is cheap to test row by row;
- `search_doc`: every word of title, occupation, employer and description, split exactly like
  queries (no weights or positions: ranking is by tiers, not ts_rank).
The trigger builds both in PL/pgSQL, and only when an input changed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The employer trigger of 0003 with another statement for a renamed employer.
EMPLOYER_SYNC = r"""
CREATE OR REPLACE FUNCTION jobmap_employer_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.verified_at IS NULL) <> (NEW.verified_at IS NULL) THEN
        UPDATE vacancy_site s
           SET public = v.status = 'open' AND NEW.verified_at IS NOT NULL
          FROM vacancy v
         WHERE v.id = s.vacancy_id AND v.employer_id = NEW.id;
    END IF;
    IF OLD.name IS DISTINCT FROM NEW.name THEN
        {on_rename};
    END IF;
    RETURN NULL;
END $$
"""

# One statement each: asyncpg prepares statements singly.
FUNCTIONS = (
    # The words of a text as the search sees them: folded (see jobmap_fold), runs of a-z0-9.
    # Runs over 64 letters are not words (and tsvector refuses lexemes over 2 KB): dropped.
    # Documents and queries both go through it, so they split alike.
    r"""
CREATE FUNCTION jobmap_words(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN array_remove(regexp_split_to_array(
    regexp_replace(jobmap_fold_words(body), '[a-z0-9]{65,}', ' ', 'g'), '[^a-z0-9]+'), '')
""",
    # Each word, and with `pairs` each pair of neighbouring words ("ke", "toan", "ke_toan").
    # Pairs: a PL/pgSQL loop, twice as fast as a set-based SQL body (which a trigger would also
    # re-plan on every call).
    r"""
CREATE FUNCTION jobmap_terms(body text, pairs boolean) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    words text[] := jobmap_words(body);
    n integer := cardinality(words);
    terms text[] := words;
BEGIN
    IF pairs THEN
        FOR i IN 1 .. n - 1 LOOP
            terms := terms || (words[i] || '_' || words[i + 1]);
        END LOOP;
    END IF;
    RETURN array_to_tsvector(terms);
END $$
""",
    # Every word of the query, in any field; the last one also as a prefix (typing "ke to"
    # already finds "kế toán"), except a lone single letter, which would match nearly all.
    # Each term once: the planner multiplies the selectivities of repeated terms.
    r"""
CREATE FUNCTION jobmap_words_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT string_agg(DISTINCT
               w || CASE WHEN i = n AND (n > 1 OR length(w) > 1) THEN ':*' ELSE '' END, ' & ')
    FROM (SELECT w, i, count(*) OVER () AS n
          FROM unnest(jobmap_words(q)) WITH ORDINALITY AS t(w, i)) AS words
)::tsquery
""",
    # The query as a phrase, for title_doc: each pair of neighbouring query words, the last
    # pair as a prefix; a one-word query is that word.
    r"""
CREATE FUNCTION jobmap_phrase_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT string_agg(DISTINCT
               term || CASE WHEN i = n - 1 OR (n = 1 AND length(w) > 1) THEN ':*' ELSE '' END,
               ' & ')
    FROM (SELECT w, i, n, next_word,
                 CASE WHEN n = 1 THEN w ELSE w || '_' || next_word END AS term
          FROM (SELECT w, i, count(*) OVER () AS n, lead(w) OVER (ORDER BY i) AS next_word
                FROM unnest(jobmap_words(q)) WITH ORDINALITY AS t(w, i)) AS words) AS pairs
    WHERE n = 1 OR next_word IS NOT NULL
)::tsquery
""",
    # Does any open vacancy match the words query (pass jobmap_words_query's result, so it is
    # computed once), or should the search fall back to similar titles? Common words show up
    # among a few hundred documents read in any order; rare ones are found or ruled out by the
    # GIN index. A plan the planner might choose for EXISTS (read documents until one
    # matches) would read all million when none does.
    r"""
CREATE FUNCTION jobmap_any_has_words(q tsquery) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET enable_seqscan = off
SET enable_indexscan = off
RETURN EXISTS (SELECT FROM vacancy
               WHERE search_doc @@ q AND status = 'open' AND valid_through > now())
""",
    r"""
CREATE FUNCTION jobmap_has_words(q tsquery) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN EXISTS (SELECT FROM (SELECT search_doc FROM vacancy LIMIT 500) AS sample
               WHERE search_doc @@ q)
    OR jobmap_any_has_words(q)
""",
    "DROP TRIGGER vacancy_before_write ON vacancy",
    "DROP FUNCTION jobmap_vacancy_before_write()",
    "DROP FUNCTION jobmap_vacancy_search_doc(vacancy)",
    # Rebuilt on insert, when an input changes, or when search_doc is set to NULL (employer
    # renamed).
    r"""
CREATE FUNCTION jobmap_vacancy_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    occupation_name text;
    employer_name text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.search_doc IS NOT NULL
       AND (NEW.title, NEW.description, NEW.occupation_code, NEW.employer_id)
           IS NOT DISTINCT FROM (OLD.title, OLD.description, OLD.occupation_code, OLD.employer_id)
    THEN
        RETURN NEW;
    END IF;
    SELECT coalesce(o.name_vi, '') || ' ' || coalesce(o.name_en, '') INTO occupation_name
      FROM occupation o WHERE o.code = NEW.occupation_code;
    SELECT e.name INTO employer_name FROM employer e WHERE e.id = NEW.employer_id;
    NEW.title_folded := jobmap_fold(NEW.title);
    NEW.title_doc := jobmap_terms(NEW.title || ' ' || coalesce(occupation_name, ''), true);
    NEW.search_doc := jobmap_terms(concat_ws(' ', NEW.title, occupation_name, employer_name,
                                             left(NEW.description, 4000)), false);
    RETURN NEW;
END $$
""",
    r"""
CREATE TRIGGER vacancy_before_write BEFORE INSERT OR UPDATE ON vacancy
    FOR EACH ROW EXECUTE FUNCTION jobmap_vacancy_before_write()
""",
    # NULL makes the vacancy trigger rebuild search_doc with the new name.
    EMPLOYER_SYNC.format(
        on_rename="UPDATE vacancy SET search_doc = NULL WHERE employer_id = NEW.id"
    ),
)

# 0003's definitions, restored by the downgrade.
OLD_FUNCTIONS = (
    "DROP TRIGGER vacancy_before_write ON vacancy",
    "DROP FUNCTION jobmap_vacancy_before_write()",
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
CREATE TRIGGER vacancy_before_write BEFORE INSERT OR UPDATE ON vacancy
    FOR EACH ROW EXECUTE FUNCTION jobmap_vacancy_before_write()
""",
    # 0003 set the title to itself, which re-ran its vacancy trigger.
    EMPLOYER_SYNC.format(on_rename="UPDATE vacancy SET title = title WHERE employer_id = NEW.id"),
    "DROP FUNCTION jobmap_has_words(tsquery)",
    "DROP FUNCTION jobmap_any_has_words(tsquery)",
    "DROP FUNCTION jobmap_phrase_query(text)",
    "DROP FUNCTION jobmap_words_query(text)",
    "DROP FUNCTION jobmap_terms(text, boolean)",
    "DROP FUNCTION jobmap_words(text)",
)


def upgrade() -> None:
    op.add_column("vacancy", sa.Column("title_doc", postgresql.TSVECTOR(), nullable=True))
    for statement in FUNCTIONS:
        op.execute(sa.text(statement))
    op.execute(sa.text("UPDATE vacancy SET search_doc = NULL"))
    op.execute(sa.text("CREATE INDEX ix_vacancy_title_doc ON vacancy USING gin (title_doc)"))


def downgrade() -> None:
    op.execute(sa.text("DROP INDEX ix_vacancy_title_doc"))
    for statement in OLD_FUNCTIONS:
        op.execute(sa.text(statement))
    op.drop_column("vacancy", "title_doc")
    op.execute(sa.text("UPDATE vacancy SET title = title"))
