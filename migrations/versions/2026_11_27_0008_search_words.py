"""The words people can search for, to correct misspelt queries ("cong nhan mya" -> "cong
nhan may"). The similar-title fallback alone took 0.6-6 s on 1,000,000 vacancies, because a
misspelt common word shares trigrams with most titles (bench/README.md, run 10).

`search_word` holds every word of vacancy titles, occupation names and employer names, folded
like queries. Statement triggers add the words of new or changed rows, so a word is there as
soon as the row is; words are never removed (a correction is used only when some open vacancy
matches it, so a stale word costs nothing but a row).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, key column, text columns): whose words are kept.
SOURCES = (
    ("vacancy", "id", ("title",)),
    ("occupation", "code", ("name_vi", "name_en")),
    ("employer", "id", ("name",)),
)

# 0004's has-words check looked at the first 500 documents whatever their status, so a word
# only a draft or a closed vacancy had counted as found (and the search found nothing).
HAS_WORDS = r"""
CREATE OR REPLACE FUNCTION jobmap_has_words(q tsquery) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN EXISTS (SELECT FROM (SELECT search_doc FROM vacancy {sample_filter} LIMIT 500) AS sample
               WHERE search_doc @@ q)
    OR jobmap_any_has_words(q)
"""

FUNCTIONS = (
    HAS_WORDS.format(sample_filter="WHERE status = 'open' AND valid_through > now()"),
    # Words worth correcting towards: no digits (phone numbers, codes), 2 to 32 letters. In
    # sorted order, so concurrent writers adding the same new words wait rather than deadlock.
    r"""
CREATE FUNCTION jobmap_remember_words(texts text[]) RETURNS void
LANGUAGE sql AS $$
INSERT INTO search_word (word)
SELECT DISTINCT w FROM unnest(texts) AS t(body), unnest(jobmap_words(body)) AS w
WHERE length(w) BETWEEN 2 AND 32 AND w !~ '[0-9]'
ORDER BY w
ON CONFLICT DO NOTHING
$$
""",
    # A statement trigger (one call for a whole COPY): TG_ARGV[0] is the table's key, the rest
    # its text columns; on UPDATE only rows whose text changed count.
    r"""
CREATE FUNCTION jobmap_remember_new_words() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    columns text[] := TG_ARGV[1:];
    new_text text := format('concat_ws('' '', %s)',
        (SELECT string_agg('n.' || quote_ident(c), ', ') FROM unnest(columns) AS c));
    old_text text := format('concat_ws('' '', %s)',
        (SELECT string_agg('o.' || quote_ident(c), ', ') FROM unnest(columns) AS c));
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT jobmap_remember_words(ARRAY(SELECT %s FROM new_rows AS n))',
                       new_text);
    ELSE
        EXECUTE format('SELECT jobmap_remember_words(ARRAY(SELECT %s FROM new_rows AS n '
                       'JOIN old_rows AS o USING (%s) WHERE %s IS DISTINCT FROM %s))',
                       new_text, quote_ident(TG_ARGV[0]), new_text, old_text);
    END IF;
    RETURN NULL;
END $$
""",
)


def _triggers(table: str, key: str, columns: tuple[str, ...]) -> list[str]:
    arguments = ", ".join(f"'{name}'" for name in (key, *columns))
    return [
        f"CREATE TRIGGER {table}_words_insert AFTER INSERT ON {table} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION jobmap_remember_new_words({arguments})",
        f"CREATE TRIGGER {table}_words_update AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION jobmap_remember_new_words({arguments})",
    ]


def upgrade() -> None:
    op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch"))  # levenshtein()
    # "C" collation: the last word of a query is a prefix while typing (LIKE 'to%' on the key).
    op.execute(
        sa.text(
            'CREATE TABLE search_word (word text COLLATE "C" PRIMARY KEY, '
            "letters smallint GENERATED ALWAYS AS (length(word)) STORED NOT NULL)"
        )
    )
    op.execute(sa.text("CREATE INDEX ix_search_word_letters ON search_word (letters)"))
    for statement in FUNCTIONS:
        op.execute(sa.text(statement))
    for table, key, columns in SOURCES:
        for statement in _triggers(table, key, columns):
            op.execute(sa.text(statement))
        # The words already there (names from SOURCES above, not input).
        texts = " || ' ' || ".join(f"coalesce({name}, '')" for name in columns)
        existing = f"SELECT DISTINCT {texts} FROM {table}"  # noqa: S608
        op.execute(sa.text(f"SELECT jobmap_remember_words(ARRAY({existing}))"))


def downgrade() -> None:
    for table, _key, _columns in SOURCES:
        op.execute(sa.text(f"DROP TRIGGER {table}_words_update ON {table}"))
        op.execute(sa.text(f"DROP TRIGGER {table}_words_insert ON {table}"))
    op.execute(sa.text("DROP FUNCTION jobmap_remember_new_words()"))
    op.execute(sa.text("DROP FUNCTION jobmap_remember_words(text[])"))
    op.execute(sa.text(HAS_WORDS.format(sample_filter="")))
    op.execute(sa.text("DROP TABLE search_word"))
    op.execute(sa.text("DROP EXTENSION fuzzystrmatch"))
