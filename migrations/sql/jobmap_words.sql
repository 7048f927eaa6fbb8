-- jobmap_words(body text): the words of a text as the search sees them: folded (see
-- jobmap_fold), runs of a-z0-9. Runs over 64 letters are not words (and tsvector refuses
-- lexemes over 2 KB): dropped. Documents and queries both go through it, so they split alike.
--
-- Used by: jobmap_terms (vacancy.title_doc and search_doc), jobmap_words_query,
-- jobmap_phrase_query, jobmap_remember_words (search_word); app/search/spelling.py.
-- History: 0004 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_words(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN array_remove(regexp_split_to_array(
    regexp_replace(jobmap_fold_words(body), '[a-z0-9]{65,}', ' ', 'g'), '[^a-z0-9]+'), '');
