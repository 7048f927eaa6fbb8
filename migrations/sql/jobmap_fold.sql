-- jobmap_fold(text): text folded for comparisons, so "Kế toán" = "ke  toan": no accents, lower
-- case, runs of white space as one space, no space at either end. unaccent() is only STABLE (its
-- dictionary could change), so it cannot go into an index; this wrapper names the dictionary
-- and is declared IMMUTABLE, the usual way to make it indexable. A word-final y after a
-- consonant becomes i, so both spellings of kĩ/kỹ, lí/lý, mĩ/mỹ compare equal.
--
-- Used by: jobmap_vacancy_before_write (vacancy.title_folded, triggers vacancy_before_*);
-- app/search/text.py (the query folded like titles), app/vacancies/repository.py (same title).
-- History: 0002 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(
    lower(btrim(regexp_replace(
        public.unaccent('public.unaccent'::regdictionary, $1), '\s+', ' ', 'g'))),
    '([bcdfghjklmnpqrstvwxz])y\M', '\1i', 'g');
