"""Matching free text `q`: the query's words, its phrase, or (for typos) similar titles.

The SQL functions (migration 0004) split documents and queries alike; see
docs/architecture.md, "Search"."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.search.aliases import vacancy


def folded_query(q: str) -> ColumnElement[Any]:
    """`q` folded like titles (jobmap_fold: no accents, lower case, kỹ = kĩ)."""
    return func.jobmap_fold(literal(q))


class TextMatch(StrEnum):
    """How `q` matched: its words (the usual case), or titles similar to it (typos), used
    only when no open vacancy has the words."""

    words = "words"
    similar = "similar"


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


async def decide(session: AsyncSession, q: str) -> TextMatch:
    """Words when some open vacancy has them (anywhere: the fallback to similar titles is
    for misspelt queries, not for filters that leave no result)."""
    words = func.jobmap_words_query(literal(q))
    found = await session.scalar(select(func.jobmap_has_words(words)))
    return TextMatch.words if found else TextMatch.similar
