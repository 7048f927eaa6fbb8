"""Words of titles, occupation and employer names: what misspelt queries are corrected
towards (app/search/spelling.py). Filled by triggers (migration 0008), never by the ORM."""

from __future__ import annotations

from sqlalchemy import Computed, Index, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SearchWord(Base):
    __tablename__ = "search_word"
    __table_args__ = (Index("ix_search_word_letters", "letters"),)

    # Folded like queries; "C" collation so a typed prefix (LIKE 'to%') uses the key.
    word: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)
    letters: Mapped[int] = mapped_column(SmallInteger, Computed("length(word)", persisted=True))
