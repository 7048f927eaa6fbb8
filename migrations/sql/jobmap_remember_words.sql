-- jobmap_remember_words(texts text[]): adds the words of some texts to search_word, the words
-- spelling corrections lead to ("cong nhan mya" -> "cong nhan may"). Words worth correcting
-- towards: no digits (phone numbers, codes), 2 to 32 letters. Inserted in sorted order, so
-- concurrent writers adding the same new words wait rather than deadlock.
--
-- Used by: jobmap_remember_new_words (triggers *_words_insert, occupation_ and
-- employer_words_update), jobmap_remember_row_words (vacancy_words_update).
-- History: 0008 created it; 0013 moved it here unchanged.

CREATE OR REPLACE FUNCTION jobmap_remember_words(texts text[]) RETURNS void
LANGUAGE sql AS $$
INSERT INTO search_word (word)
SELECT DISTINCT w FROM unnest(texts) AS t(body), unnest(jobmap_words(body)) AS w
WHERE length(w) BETWEEN 2 AND 32 AND w !~ '[0-9]'
ORDER BY w
ON CONFLICT DO NOTHING
$$;
