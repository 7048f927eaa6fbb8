-- jobmap_remember_row_words(column, ...): row trigger function, AFTER UPDATE OF title on
-- vacancy (trigger vacancy_words_update, WHEN the title changed). Adds the words of the row's
-- text columns (TG_ARGV) to search_word, as jobmap_remember_new_words does for a statement's
-- rows. A row trigger with a WHEN clause rather than a statement trigger reading OLD and NEW
-- transition tables: a statement that does not change the title (the expiry sweep closes
-- thousands of vacancies per statement) neither calls it nor keeps a copy of every old row,
-- about 1.7 KB each with the search documents, only to find no title changed. Titles change
-- one vacancy at a time (PATCH).
--
-- History: 0025 created it (issue 21, fast bulk paths).

CREATE OR REPLACE FUNCTION jobmap_remember_row_words() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    body text;
BEGIN
    EXECUTE format('SELECT concat_ws('' '', %s)',
                   (SELECT string_agg('($1).' || quote_ident(c), ', ') FROM unnest(TG_ARGV) AS c))
       INTO body USING NEW;
    PERFORM jobmap_remember_words(ARRAY[body]);
    RETURN NULL;
END $$;
