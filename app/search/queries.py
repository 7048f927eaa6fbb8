"""Search's public query API: what tiles and OGC build their statements on, so that every way
of showing vacancies (list, map, tiles, OGC features) shows the same ones.

- `matches()`: the conditions and order of a search (a `Matches`) for its parameters;
- `sites_matching()`: a SELECT of the sites that match;
- `listed()`: the conditions of a site job seekers may see at all (listed, not expired);
- `site`, `vacancy`, `employer`: the tables those conditions are written on, under search's
  aliases. Compose on these, not on the models: a condition on another alias of the same
  table would not be the search's.

Other domains use this module only, never search's repository or aliases."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.search.aliases import employer, site, vacancy
from app.search.params import SearchParams
from app.search.repository import Built as Matches
from app.search.repository import build, listed
from app.search.repository import matching_sites as sites_matching

__all__ = ["Matches", "employer", "listed", "matches", "site", "sites_matching", "vacancy"]


async def matches(session: AsyncSession, params: SearchParams, today: date) -> Matches:
    """The search for `params` (with `q`, how its words match is decided here)."""
    return await build(session, params, today)
