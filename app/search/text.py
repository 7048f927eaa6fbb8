"""Matching free text `q`: its words, its phrase, a correction of its spelling, or (as a last
resort) similar titles.

The SQL functions (migration 0004) split documents and queries alike; see
docs/architecture.md, "Search"."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from app.search import spelling
from app.search.aliases import vacancy


def folded_query(q: str) -> ColumnElement[Any]:
    """`q` folded like titles (jobmap_fold: no accents, lower case, kỹ = kĩ)."""
    return func.jobmap_fold(literal(q))


class TextMatch(StrEnum):
    """How `q` matched: its words (the usual case); when no open vacancy has them, the words
    of its spelling corrected ("ke tona" -> "ke toan"); failing that, titles similar to it."""

    words = "words"
    corrected = "corrected"
    similar = "similar"


@dataclass(frozen=True)
class TextChoice:
    """How `q` matches, and the words that match: `q` itself, or its correction."""

    match: TextMatch
    query: str

    @property
    def by_words(self) -> bool:
        """Matched by words (as given or corrected): tiers by phrase, newest first in each."""
        return self.match is not TextMatch.similar


def words_match(q: str) -> ColumnElement[bool]:
    return vacancy.search_doc.bool_op("@@")(func.jobmap_words_query(literal(q)))


def phrase_match(q: str) -> ColumnElement[bool]:
    """The query as a phrase in the title or occupation; implies words_match."""
    return vacancy.title_doc.bool_op("@@")(func.jobmap_phrase_query(literal(q)))


def similar_match(q: str) -> ColumnElement[bool]:
    return folded_query(q).bool_op("<%")(vacancy.title_folded)


def similarity(q: str) -> ColumnElement[Any]:
    """How close the title comes to `q` (0 to 1), the order of similar-title results."""
    return func.word_similarity(folded_query(q), vacancy.title_folded)


async def plan_for_the_words(session: AsyncSession) -> None:
    """Plan this transaction's statements for their words each time. A plan cached for any
    words (PostgreSQL's generic plan, taken after five runs of a prepared statement) guesses
    5,000 matches whatever the query: counting facets of `ke toan` on 1,000,000 vacancies
    then read 60,000 documents, 6 s instead of 0.17 s (bench/README.md)."""
    await session.execute(sql("SET LOCAL plan_cache_mode = force_custom_plan"))


async def decide(session: AsyncSession, q: str) -> TextChoice:
    """Words when some open vacancy has them (anywhere: the fallbacks are for misspelt
    queries, not for filters that leave no result), else a spelling correction some open
    vacancy has, else similar titles."""
    words = func.jobmap_words_query(literal(q))
    if await session.scalar(select(func.jobmap_has_words(words))):
        return TextChoice(TextMatch.words, q)
    corrected = await spelling.correct(session, q)
    if corrected is not None:
        return TextChoice(TextMatch.corrected, corrected)
    return TextChoice(TextMatch.similar, q)
