-- jobmap_terms(body text, pairs boolean): each word of a text as a tsvector, and with `pairs`
-- each pair of neighbouring words too ("ke", "toan", "ke_toan"): Vietnamese words are mostly
-- two syllables, and single syllables match far too much. Pairs are built by a PL/pgSQL loop,
-- twice as fast as a set-based SQL body (which a trigger would also re-plan on every call).
--
-- Used by: jobmap_vacancy_before_write (vacancy.title_doc with pairs, vacancy.search_doc
-- without; trigger vacancy_before_write).
-- History: 0004 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_terms(body text, pairs boolean) RETURNS tsvector
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
END $$;
