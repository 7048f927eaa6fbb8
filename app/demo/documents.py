"""The search read model of demo vacancies, built in Python for a bulk load instead of by the
per-row trigger jobmap_vacancy_before_write (migrations/sql), with the same result.

The trigger splits every text into words in SQL (jobmap_words: folded runs of a-z0-9). Words
never span white space, so the words of a text are the words of its white-space separated
tokens, in order; and generated texts reuse a few thousand tokens. So PostgreSQL computes the
words of each distinct token once (jobmap_words, the trigger's own function) and Python
combines them per vacancy: a set union for search_doc, neighbouring pairs for title_doc.
Descriptions are cut into sentences first ("…. "), which repeat across vacancies and are
combined once each. tests/demo/test_bulk.py compares the result with the trigger's.
"""

from __future__ import annotations

import itertools
import struct
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence

from app.demo.rows import VacancyRow

# The trigger indexes at most this many characters of a description (left(description, 4000)).
DESCRIPTION_CHARS = 4000
# Sentences cached at most; the first sentence of each description is new (firm, place,
# positions), so the cache is emptied when full rather than grown with them.
SENTENCE_CACHE = 100_000

Words = tuple[bytes, ...]
# A set of lexemes, each in the binary format's layout: the word, a NUL, no positions.
Lexemes = frozenset[bytes]
_LEXEME_END = b"\0\0\0"
# Asks PostgreSQL: token -> its words (jobmap_words), title -> jobmap_fold(title).
WordsSource = Callable[[list[str]], dict[str, list[str]]]
FoldSource = Callable[[list[str]], dict[str, str]]


def tsvector_binary(lexemes: Collection[bytes]) -> bytes:
    """A tsvector without positions in PostgreSQL's binary format. tsvectorrecv sorts the
    lexemes unless they come in its order already: byte order, which sorting these bytes gives
    (a word's NUL comes before any byte of a longer word it begins)."""
    return struct.pack(">i", len(lexemes)) + b"".join(lexemes)


def lexemes(words: Iterable[bytes]) -> Lexemes:
    return frozenset(word + _LEXEME_END for word in words)


class Documents:
    """title_folded, title_doc and search_doc of vacancy rows, as jobmap_vacancy_before_write
    computes them. Not thread-safe: one thread at a time."""

    def __init__(
        self,
        words: WordsSource,
        folds: FoldSource,
        occupations: dict[str, str],
        employers: dict[uuid.UUID, str],
    ) -> None:
        self._fetch_words = words
        self._fetch_folds = folds
        # occupation code -> coalesce(name_vi, '') || ' ' || coalesce(name_en, '')
        self._occupations = occupations
        self._employers = employers
        self._tokens: dict[str, Words] = {}
        self._token_lexemes: dict[str, Lexemes] = {}
        self._sentences: dict[str, Lexemes] = {}
        self._titles: dict[str, str] = {}  # title -> title_folded
        # (title, occupation code) -> title_folded, title_doc, the lexemes of both texts
        self._heads: dict[tuple[str, str], tuple[str, bytes, Lexemes]] = {}
        self._employer_lexemes: dict[uuid.UUID, Lexemes] = {}

    def build(self, rows: Sequence[VacancyRow]) -> list[tuple[str, bytes, bytes]]:
        """(title_folded, title_doc, search_doc) of each row, in order."""
        built: list[tuple[str, bytes, bytes] | None] = []
        later = []
        for number, row in enumerate(rows):
            try:
                built.append(self._documents(row))
            except KeyError:  # a token or a title not seen yet: asked for below, all at once
                built.append(None)
                later.append(number)
        if later:
            self._learn([rows[number] for number in later])
            for number in later:
                built[number] = self._documents(rows[number])
        return [documents for documents in built if documents is not None]

    def _learn(self, rows: Sequence[VacancyRow]) -> None:
        """Ask PostgreSQL once for the tokens and titles these rows bring that are not known."""
        texts: set[str] = set()
        titles: set[str] = set()
        for row in rows:
            if row.title not in self._titles:
                titles.add(row.title)
                texts.add(row.title)
            for sentence in row.description[:DESCRIPTION_CHARS].split(". "):
                if sentence not in self._sentences:
                    texts.add(sentence)
        for code in {row.occupation_code for row in rows}:
            texts.add(self._occupations.get(code, ""))
        for employer in {row.employer_id for row in rows}:
            texts.add(self._employers.get(employer, ""))
        tokens = {token for text in texts for token in text.split()} - self._tokens.keys()
        if tokens:
            found = self._fetch_words(sorted(tokens))
            for token in tokens:
                self._tokens[token] = tuple(word.encode() for word in found[token])
                self._token_lexemes[token] = lexemes(self._tokens[token])
        if titles:
            self._titles.update(self._fetch_folds(sorted(titles)))

    def _words(self, text: str) -> Words:
        """The words of a text in order: its tokens' words, one after the other."""
        tokens = self._tokens
        return tuple(word for token in text.split() for word in tokens[token])

    def _lexemes(self, text: str) -> Lexemes:
        """The words of a text as a set: the union of its tokens'."""
        tokens = self._token_lexemes
        return frozenset().union(*[tokens[token] for token in text.split()])

    def _head(self, title: str, code: str) -> tuple[str, bytes, Lexemes]:
        # jobmap_terms(title || ' ' || coalesce(occupation_name, ''), true): words and pairs;
        # their words are also search_doc's words of the title and the occupation names.
        words = self._words(f"{title} {self._occupations.get(code) or ''}")
        pairs = [a + b"_" + b for a, b in itertools.pairwise(words)]
        # Sorted here, once per title and occupation, rather than by PostgreSQL for every row.
        title_doc = lexemes([*words, *pairs])
        head = (self._titles[title], tsvector_binary(sorted(title_doc)), lexemes(words))
        self._heads[(title, code)] = head
        return head

    def _documents(self, row: VacancyRow) -> tuple[str, bytes, bytes]:
        head = self._heads.get((row.title, row.occupation_code))
        if head is None:
            head = self._head(row.title, row.occupation_code)
        title_folded, title_doc, head_lexemes = head
        employer = self._employer_lexemes.get(row.employer_id)
        if employer is None:
            name = self._employers.get(row.employer_id) or ""
            employer = self._employer_lexemes[row.employer_id] = self._lexemes(name)
        # search_doc: concat_ws(' ', title, occupation_name, employer_name,
        # left(description, 4000)). A description's first sentence names the firm, the place
        # and the positions, and is nearly unique: not kept; the others repeat.
        first, *rest = row.description[:DESCRIPTION_CHARS].split(". ")
        parts = [head_lexemes, employer, self._lexemes(first)]
        sentences = self._sentences
        if len(sentences) > SENTENCE_CACHE:
            sentences.clear()
        for sentence in rest:
            known = sentences.get(sentence)
            if known is None:
                known = sentences[sentence] = self._lexemes(sentence)
            parts.append(known)
        return title_folded, title_doc, tsvector_binary(frozenset().union(*parts))
