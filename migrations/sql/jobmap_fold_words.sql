-- jobmap_fold_words(text): jobmap_fold() without the white-space clean-up, which costs more
-- than everything else on long text and does not matter to word splitting: same words, a fifth
-- of the time.
--
-- Used by: jobmap_words (the words of documents and queries).
-- History: 0003 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_fold_words(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)),
    '([bcdfghjklmnpqrstvwxz])y\M', '\1i', 'g');
