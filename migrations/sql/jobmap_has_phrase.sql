-- jobmap_has_phrase(q tsquery): does any open, unexpired vacancy have the phrase query (pass
-- jobmap_phrase_query's result) in its title or occupation (title_doc)? The spelling correction
-- prefers corrections found as a phrase ("tho hna" -> "tho han" when a title says "Thợ hàn"),
-- whatever ANALYZE's word statistics say. Found or ruled out by the GIN index on title_doc
-- (partial on open vacancies); the settings forbid reading documents until one matches, which
-- would read all million when none does (as in jobmap_any_has_words).
--
-- Used by: app/search/spelling.py (which correction matches).
-- History: 0027 created it.

CREATE OR REPLACE FUNCTION jobmap_has_phrase(q tsquery) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET enable_seqscan = off
SET enable_indexscan = off
RETURN EXISTS (SELECT FROM vacancy
               WHERE title_doc @@ q AND status = 'open' AND valid_through > now());
