-- jobmap_has_words(q tsquery): does any open vacancy match the words query, or should the
-- search fall back to similar titles and spelling corrections? Common words show up among a
-- few hundred open documents read in any order; the rest is jobmap_any_has_words's index test.
--
-- Used by: app/search/text.py (text search), app/search/spelling.py (which correction matches).
-- History: 0004 created it; 0008 sampled open, unexpired vacancies only (a word only a draft or
-- a closed vacancy had counted as found, and the search found nothing); 0013 moved it here
-- unchanged.

CREATE OR REPLACE FUNCTION jobmap_has_words(q tsquery) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN EXISTS (SELECT FROM (SELECT search_doc FROM vacancy
                            WHERE status = 'open' AND valid_through > now()
                            LIMIT 500) AS sample
               WHERE search_doc @@ q)
    OR jobmap_any_has_words(q);
