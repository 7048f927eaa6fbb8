-- jobmap_words_query(q text): every word of the query, in any field, as a tsquery for
-- vacancy.search_doc; the last one also as a prefix (typing "ke to" already finds "kế toán"),
-- except a lone single letter, which would match nearly all. Each term once: the planner
-- multiplies the selectivities of repeated terms.
--
-- Used by: app/search/text.py (text search), app/search/spelling.py (corrections), with
-- jobmap_has_words.
-- History: 0004 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_words_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT string_agg(DISTINCT
               w || CASE WHEN i = n AND (n > 1 OR length(w) > 1) THEN ':*' ELSE '' END, ' & ')
    FROM (SELECT w, i, count(*) OVER () AS n
          FROM unnest(jobmap_words(q)) WITH ORDINALITY AS t(w, i)) AS words
)::tsquery;
