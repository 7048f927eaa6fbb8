-- jobmap_any_has_words(q tsquery): does any open, unexpired vacancy match the words query (pass
-- jobmap_words_query's result, so it is computed once)? Rare words are found or ruled out by
-- the GIN index on vacancy.search_doc: the settings forbid the plan the planner might choose
-- for EXISTS (read documents until one matches), which would read all million when none does.
--
-- Used by: jobmap_has_words.
-- History: 0004 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_any_has_words(q tsquery) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET enable_seqscan = off
SET enable_indexscan = off
RETURN EXISTS (SELECT FROM vacancy
               WHERE search_doc @@ q AND status = 'open' AND valid_through > now());
