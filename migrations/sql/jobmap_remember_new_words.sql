-- jobmap_remember_new_words(key, column, ...): statement trigger function (one call for a whole
-- COPY), AFTER INSERT on vacancy (title), AFTER INSERT and AFTER UPDATE on occupation (name_vi,
-- name_en) and employer (name): triggers vacancy_words_insert, occupation_words_insert/_update,
-- employer_words_insert/_update (vacancy_words_update is a row trigger since 0025:
-- jobmap_remember_row_words). TG_ARGV[0] is the table's key, the rest its text columns; on
-- UPDATE only rows whose text changed count. Words are never removed (a correction is used only
-- when some open vacancy matches it, so a stale word costs nothing but a row).
--
-- Each distinct text once: a bulk load repeats titles (1,000,000 demo vacancies have about a
-- hundred), and splitting the same title into words again and again was most of this cost.
--
-- History: 0008 created it; 0013 moved it here unchanged; 0016 splits each distinct text once.

CREATE OR REPLACE FUNCTION jobmap_remember_new_words() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    columns text[] := TG_ARGV[1:];
    new_text text := format('concat_ws('' '', %s)',
        (SELECT string_agg('n.' || quote_ident(c), ', ') FROM unnest(columns) AS c));
    old_text text := format('concat_ws('' '', %s)',
        (SELECT string_agg('o.' || quote_ident(c), ', ') FROM unnest(columns) AS c));
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT jobmap_remember_words(ARRAY(SELECT DISTINCT %s FROM new_rows AS n))',
                       new_text);
    ELSE
        EXECUTE format('SELECT jobmap_remember_words(ARRAY(SELECT DISTINCT %s FROM new_rows AS n '
                       'JOIN old_rows AS o USING (%s) WHERE %s IS DISTINCT FROM %s))',
                       new_text, quote_ident(TG_ARGV[0]), new_text, old_text);
    END IF;
    RETURN NULL;
END $$;
