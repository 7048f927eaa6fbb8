"""Travel-time search: the sites reachable from `near` within `max_minutes` by a mode, along
the street network (app/osm). A separate path: the viewport, nearest and tile statements are
not touched.

1. The origin joins the network at the nearest point of the nearest road the mode may use
   (at most ACCESS_MAX_M away, walked at ACCESS_KMH); two virtual edges lead from it to that
   road's ends, costing the walk plus the ride along the road's part.
2. Dijkstra from the origin with the search's time as its limit, in the worker over the graph
   it keeps (app/search/road_graph.py): the seconds to every node reached. Metres are counted
   for the page only, along the tree of fastest routes to the road ends its sites are
   reached from.
3. Each candidate site (every other filter, within top speed x time + ACCESS_MAX_M) joins
   the network like the origin: nearest usable road, the walk to it counted; reached from
   whichever end of that road is sooner (in a direction the mode may ride it), or straight
   along it when the origin lies on the same road. The sites' roads are stored
   (osm.site_joint, written by the load and by triggers on vacancy_site), not found per
   search. A site farther than ACCESS_MAX_M from every road the mode may use is not
   reachable. The page is looked for on rings of roads around the nodes reached soonest
   (RINGS), then among every candidate (app/search/travel_sites.py).
Never a straight-line fallback: without a network the search is refused (409)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.errors import FieldError, InvalidInputError
from app.models import Vacancy, VacancySite
from app.models import street_network as network
from app.models.travel_speed import TravelMode
from app.search import cursor as search_cursor
from app.search import repository, reuse, road_graph, travel_sites
from app.search.aliases import commune, employer
from app.search.joints import ACCESS_MPS, Joint, join_statement, joint_of
from app.search.pages import _PAGE_COLUMNS, After
from app.search.params import SearchParams
from app.search.reach import Reach, Ring
from app.search.reach import reach as routed
from app.search.repository import Built, distance_m

# A page is first looked for on the roads around the nodes reached soonest, in rings of these
# many nodes, one statement each until one fills it: dense data fills it in the first, sparse
# data or a narrow filter in a later one. The rings grow eightfold, then fourfold: where the
# first two rings hold no site (an empty place beside a river), a ring of 1,024 nodes held
# 13,500 stored joints and cost 23-52 ms; one of 512, 12-19 ms. Only then is every site of
# the circle the time bounds counted (300,000 and more on 1,000,000 vacancies at 20 minutes:
# 2.4 s). A ring of 250 nodes held 28,000 sites at a dense centre of the benchmark, 89 at a
# sparse one.
RINGS = (16, 128, 512, 2_048, 8_192)
# A ring's sites whose vacancies are looked up at most, per node of the ring and row of the
# page: the site's row, not the stored joint, is most of a ring's cost (at a dense centre of
# the benchmark, 1,153 of them for 21 rows on the first ring: 8 of 10 ms).
CANDIDATES = 0.5
# Routed this far first, then farther only as the rings need (app/search/reach.py): the first
# ring of a dense place lies within a minute or two.
FIRST_S = 300.0


# The origin's joint, read with the network's key (app/search/road_graph.py), and plans made
# for this request's values: the statement texts are always the same, so after five runs
# PostgreSQL would try one generic plan for every origin, time and ring (on the 120x120 grid
# that made 30-minute searches 4x slower than their EXPLAIN ANALYZE). One statement for the
# three: each round trip is a tenth of a search's time.
_ORIGINS = {
    mode: join_statement(
        mode,
        literal_column(f"({road_graph.KEY_SQL})"),
        literal_column("set_config('plan_cache_mode', 'force_custom_plan', true)"),
    )
    for mode in TravelMode
}


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where the origin joins the network, and every node reached from it in time."""

    joint: Joint
    reach: Reach

    @property
    def max_s(self) -> float:
        """The search's time, in seconds."""
        return self.reach.max_s


async def origin(
    session: AsyncSession,
    mode: TravelMode,
    lon: float,
    lat: float,
    minutes: int,
    first_s: float | None = None,
) -> tuple[Origin | None, float]:
    """The origin on the network (None: no usable road within ACCESS_MAX_M), and the radius
    in metres that bounds the search: the fastest road's speed (or a walk's) x time. Without
    a network, the join's statement fails on the missing tables: a 409 (network_required).
    `first_s`: route that far first (app/search/reach.py; None: the whole time)."""
    statement, values = origin_statement(mode, lon, lat)
    row = (await session.execute(statement, values)).first()
    joint = joint_of(row)
    if row is None or joint is None:
        return None, 0.0
    max_s = minutes * 60.0
    return located(await routed(session, joint, mode, max_s, first_s=first_s, key=row[8]))


def origin_statement(mode: TravelMode, lon: float, lat: float) -> tuple[Any, dict[str, Any]]:
    """The statement of the origin's joint and the network's key (its row: joint_of, then the
    key at [8]), with its values."""
    return _ORIGINS[mode], {"join_lon": lon, "join_lat": lat}


def located(reach: Reach) -> tuple[Origin, float]:
    """The origin of `reach`, and the radius that bounds its search (see origin)."""
    radius_m = max(reach.graph.top_mps, ACCESS_MPS) * reach.max_s
    return Origin(joint=reach.joint, reach=reach), radius_m


def _page_statement(
    params: SearchParams,
    built: Built,
    mode: TravelMode,
    start: Origin,
    after: After | None,
    fetch: int,
    ring: Ring | None,
) -> Select[Any]:
    """A page among the sites on the ring's roads reached within its bound, or without a
    ring among every candidate (the circle)."""
    most_s = start.max_s if ring is None else ring.bound

    def sooner(travel_s: Any, site_id: Any) -> list[Any]:
        """Within the bound, and after the cursor."""
        found = [travel_s <= bindparam("bound", most_s, Float)]
        if after is not None:
            found.append(
                tuple_(travel_s, site_id)
                > tuple_(bindparam("after_key", after.key), bindparam("after_id", after.site_id))
            )
        return found

    if ring is None:
        reach = travel_sites.everywhere(built, mode, start)
    else:
        reach = travel_sites.on_ring(built, mode, start, ring, sooner)
    chosen_rows = select(reach).where(*sooner(reach.c.travel_s, reach.c.id))
    # Materialized: the page's few rows are then joined to their vacancies by key. Inlined
    # in the statement of several branches before, the never-run branch's cost (millions)
    # made every join order cost the same within the planner's 1% fuzz, and it scanned all
    # 50,000 employers for the 20 rows: 220 ms of a 270 ms search on 1,000,000 vacancies.
    chosen = (
        chosen_rows.order_by(reach.c.travel_s, reach.c.id)
        .limit(bindparam("fetch", fetch, type_=Integer))
        .cte("chosen")
        .prefix_with("MATERIALIZED")
    )
    return (
        select(
            chosen.c.travel_s.label("sort_key"),
            literal(0).label("tier"),
            chosen.c.travel_s,
            chosen.c.node,
            chosen.c.beyond_m,
            distance_m(params).label("distance_m"),
            *_PAGE_COLUMNS,
        )
        .select_from(chosen)
        .join(VacancySite, VacancySite.id == chosen.c.id)
        .join(Vacancy, Vacancy.id == VacancySite.vacancy_id)
        .join(employer, employer.id == Vacancy.employer_id)
        .join(commune, commune.id == VacancySite.area_id)
        .order_by(chosen.c.travel_s, chosen.c.id)
    )


def _with_metres(start: Origin, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's rows with travel_m: the fastest route's metres to the road end each site is
    reached from, and beyond it."""
    metres = start.reach.metres(sorted({row["node"] for row in rows if row["node"] is not None}))
    for row in rows:
        node = row.pop("node")
        row["travel_m"] = metres.get(node, 0.0) + row.pop("beyond_m")
    return rows


def page_key(
    mode: TravelMode, shape: tuple[Any, ...] | None, *, circle: bool, after: bool
) -> tuple[Any, ...] | None:
    """The key a page statement is kept by (app/search/reuse.py), on a ring or the circle,
    with a cursor or without; None: not kept (text queries)."""
    return None if shape is None else ("travel", circle, mode, shape, after)


Rows = Sequence[Any]  # mappings (rows' _mapping, asyncpg's records)
# Runs a statement with its values: on the route's session, or the fast path's connections.
Run = Callable[[Any, dict[str, Any]], Awaitable[Rows]]
# The page statement for a ring (None: the circle) and its values; None when the caller has
# none at hand (the fast path builds none: the route builds and keeps it).
StatementFor = Callable[[Ring | None, dict[str, Any]], Any | None]


@dataclasses.dataclass(frozen=True)
class Pages:
    """The pages of one search from its origin: the filters' values (Built.values) and shape,
    and the cursor's position, if any."""

    mode: TravelMode
    start: Origin
    values: dict[str, Any]
    shape: tuple[Any, ...] | None
    after: After | None

    def key(self, ring: Ring | None) -> tuple[Any, ...] | None:
        """The key the page statement is kept by (app/search/reuse.py); None: not kept."""
        return page_key(self.mode, self.shape, circle=ring is None, after=self.after is not None)

    def values_for(
        self, ring: Ring | None, count: int, candidates: int | None = None
    ) -> dict[str, Any]:
        """The values of the page statement on `ring` (None: the circle); `candidates`: the
        ring's sites looked up at most (None: all)."""
        position = {}
        if self.after is not None:
            position = {"after_key": self.after.key, "after_id": self.after.site_id}
        return {
            **self.values,
            **travel_sites.values(self.start, ring),
            **position,
            "bound": self.start.max_s if ring is None else ring.bound,
            "fetch": count,
        } | ({} if ring is None else {"candidates": candidates})

    async def rows(self, count: int, statement: StatementFor, run: Run) -> list[dict[str, Any]]:
        """Up to `count` rows, soonest first, with travel_m: on the rings, until one fills the
        page (when one holds every node reached, only a site without a stored joint can be
        missing: the circle finds it). LookupError when `statement` has none."""

        async def on(ring: Ring | None, candidates: int | None = None) -> list[dict[str, Any]]:
            values = self.values_for(ring, count, candidates)
            chosen = statement(ring, values)
            if chosen is None:
                raise LookupError("no statement at hand")
            return [dict(row) for row in await run(chosen, values)]

        for size in RINGS:
            ring = self.start.reach.ring(size, self.after.key if self.after else -1.0)
            # A ring's sites are looked up soonest first, at most CANDIDATES per ring node
            # and row: a full page from them is the ring's page; a short one may be short
            # for that alone, and the next ring looks further. A whole ring is final: all.
            rows = await on(ring, None if ring.whole else int(count * size * CANDIDATES))
            if len(rows) >= count or ring.whole:
                break
        if len(rows) < count:
            rows = await on(None)
        return _with_metres(self.start, rows)


async def search(
    session: AsyncSession,
    params: SearchParams,
    today: date,
    *,
    limit: int,
    cursor: str | None,
    count_exact: bool,
    facets: bool,
) -> tuple[list[dict[str, Any]], str | None, tuple[int, bool] | None]:
    """(rows, next cursor, (total, exact) when asked) of a travel-time search."""
    mode, near, minutes = params.travel_mode, params.near, params.max_minutes
    if mode is None or near is None or minutes is None:
        raise ValueError("not a travel-time search")
    if facets:
        raise InvalidInputError(
            "facets are not counted for a travel-time search.",
            errors=[
                FieldError(field="query.facets", message="not with travel_mode", type="invalid")
            ],
        )
    after, choice = search_cursor.decode(cursor, params) if cursor else (None, None)
    start, radius_m = await origin(session, mode, near.lon, near.lat, minutes, FIRST_S)
    if start is None:
        return [], None, ((0, True) if count_exact and cursor is None else None)
    # Candidates: the other filters, within the distance the top speed covers in that time.
    bounded = dataclasses.replace(params, radius_m=radius_m + network.ACCESS_MAX_M)
    built = await repository.build(session, bounded, today, text_choice=choice)

    pages = Pages(mode, start, built.values, built.shape, after)

    def statement(ring: Ring | None, values: dict[str, Any]) -> Any:
        # Built once per shape and kept (app/search/reuse.py): building it cost more than
        # PostgreSQL spent answering a ring.
        return reuse.statement(
            pages.key(ring),
            values,
            lambda: _page_statement(params, built, mode, start, after, values["fetch"], ring),
        )

    async def run(chosen: Any, values: dict[str, Any]) -> Rows:
        return [row._mapping for row in await session.execute(chosen, values)]

    async def fetch(count: int) -> list[dict[str, Any]]:
        return await pages.rows(count, statement, run)

    rows, next_cursor = await cursors.page(
        fetch, limit, lambda row: search_cursor.position(params, built.text_choice, row)
    )
    total = None
    if count_exact and cursor is None:
        reach = travel_sites.everywhere(built, mode, start)
        counted = (
            select(reach.c.id)
            .where(reach.c.travel_s <= start.max_s)
            .limit(repository.TOTAL_BOUND + 1)
        ).subquery()
        count = int(await session.scalar(select(func.count()).select_from(counted)) or 0)
        total = (min(count, repository.TOTAL_BOUND), count <= repository.TOTAL_BOUND)
    return rows, next_cursor, total


__all__ = [
    "RINGS",
    "Origin",
    "Pages",
    "located",
    "origin",
    "origin_statement",
    "page_key",
    "search",
]
