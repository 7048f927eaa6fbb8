-- jobmap_phrase_query(q text): the query as a phrase, for vacancy.title_doc: each pair of
-- neighbouring query words (as jobmap_terms pairs them), the last pair as a prefix; a one-word
-- query is that word.
--
-- Used by: app/search/text.py (the phrase that ranks first).
-- History: 0004 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_phrase_query(q text) RETURNS tsquery
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
)::tsquery;
