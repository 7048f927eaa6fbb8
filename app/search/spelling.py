"""Correcting a misspelt query ("cong nhan mya" -> "cong nhan may", "ke tona" -> "ke toan")
against the words of titles, occupation and employer names (`search_word`, migration 0008).

Only words the dictionary lacks are corrected, each towards the nearest words (an edit is a
letter added, dropped or changed, or two neighbours swapped), and a correction is used only
when some open vacancy has all its words; one found as a phrase in a title or occupation
comes first. Queries are folded first, so tones and diacritics are never typos here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Nearest dictionary words tried per unknown word, and corrected queries tried in all: a few
# has-words checks at most (each a GIN lookup).
CANDIDATES_PER_WORD = 3
MAX_TRIES = 12
# More unknown words than this and the query is not a typo of anything we have.
MAX_UNKNOWN_WORDS = 4

# The query's words (split like documents), whether the dictionary has each (the last one as
# a prefix too: it may be half typed), and for unknown words the dictionary words within two
# plain edits (levenshtein counts a swap as two; edit_distance() below refines), each with the
# share of titles that have it: ANALYZE's most common lexemes of title_doc (0 for the rest).
_WORDS = text(
    """
WITH share AS (
    SELECT t.word, t.share
    FROM pg_stats AS s,
         unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS t(word, share)
    WHERE s.schemaname = current_schema() AND s.tablename = 'vacancy' AND s.attname = 'title_doc'
), words AS (
    SELECT w, i, i = count(*) OVER () AS last
    FROM unnest(jobmap_words(:q)) WITH ORDINALITY AS t(w, i)
), checked AS (
    SELECT w, i,
           w ~ '[0-9]' OR length(w) < 3
           OR EXISTS (SELECT FROM search_word s WHERE s.word = w)
           OR (last AND EXISTS (SELECT FROM search_word s WHERE s.word > w AND s.word < w || '~'))
               AS known
    FROM words
)
SELECT c.i, c.w, c.known, near.word, coalesce(share.share, 0) AS share
FROM checked AS c
LEFT JOIN LATERAL (
    SELECT s.word FROM search_word AS s
    WHERE NOT c.known
      AND s.letters BETWEEN length(c.w) - 2 AND length(c.w) + 2
      AND levenshtein_less_equal(s.word, c.w, 2) <= 2
) AS near ON true
LEFT JOIN share ON share.word = near.word
ORDER BY c.i
"""
)

# The first corrected query found as a phrase in some open vacancy's title or occupation
# ("tho han" for "tho hna" when a title says "Thợ hàn", whatever the word statistics say);
# failing that, the first some open vacancy has all the words of. No ORDER BY: the function
# scans yield the tries in order, the Append runs its branches in order, and LIMIT stops at
# the first match (ordering would check all).
_FIRST_FOUND = text(
    """
(SELECT t.q FROM unnest(CAST(:tries AS text[])) AS t(q)
 WHERE jobmap_has_phrase(jobmap_phrase_query(t.q))
 LIMIT 1)
UNION ALL
(SELECT t.q FROM unnest(CAST(:tries AS text[])) AS t(q)
 WHERE jobmap_has_words(jobmap_words_query(t.q))
 LIMIT 1)
LIMIT 1
"""
)


def allowed_edits(word: str) -> int:
    """Typos a word may carry: one up to 4 letters, two beyond. Words under 3 letters are
    never corrected: most two-letter strings are a word or one edit from several."""
    if len(word) < 3:
        return 0
    return 1 if len(word) <= 4 else 2


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    neighbouring letters ("tona" -> "toan" is one edit) each count one."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, letter_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, letter_b in enumerate(b, start=1):
            cost = 0 if letter_a == letter_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and letter_a == b[j - 2] and a[i - 2] == letter_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


@dataclass(frozen=True)
class Option:
    word: str
    edits: int


def options(word: str, near: dict[str, float]) -> list[Option]:
    """The word itself (it may be in a description, which the dictionary leaves out) and its
    nearest dictionary words (`near`: word -> share of titles that have it): fewest edits,
    then the commoner in titles ("xee" is "xe" before "xep"), then same length, then
    alphabetical, so the result is stable."""
    allowed = allowed_edits(word)
    scored = sorted(
        (edit_distance(word, candidate), -share, abs(len(candidate) - len(word)), candidate)
        for candidate, share in near.items()
    )
    nearest = [Option(c, edits) for edits, _, _, c in scored if 0 < edits <= allowed]
    return [Option(word, 0), *nearest[:CANDIDATES_PER_WORD]]


def tries(words: list[list[Option]]) -> list[str]:
    """Corrected queries, fewest edits first (stable for ties), without the query itself."""
    combinations = sorted(
        itertools.product(*words), key=lambda chosen: sum(option.edits for option in chosen)
    )
    corrected = [" ".join(option.word for option in chosen) for chosen in combinations[1:]]
    return corrected[:MAX_TRIES]


async def correct(session: AsyncSession, q: str) -> str | None:
    """`q` corrected (folded words joined by spaces), or None when no correction of it
    matches an open vacancy."""
    rows = (await session.execute(_WORDS, {"q": q})).all()
    words: dict[int, tuple[str, bool, dict[str, float]]] = {}
    for position, word, known, near, share in rows:
        _, _, nearby = words.setdefault(position, (word, known, {}))
        if near is not None:
            nearby[near] = float(share)
    unknown = [word for word, known, _ in words.values() if not known]
    if not unknown or len(unknown) > MAX_UNKNOWN_WORDS:
        return None
    choices = [
        [Option(word, 0)] if known else options(word, near) for word, known, near in words.values()
    ]
    candidates = tries(choices)
    if not candidates:
        return None
    found: str | None = await session.scalar(_FIRST_FOUND, {"tries": candidates})
    return found
