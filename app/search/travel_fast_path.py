"""The plain travel-time search answered before routing (app/search/fast_path.py): an anonymous
`GET /v1/vacancies` with only `near`, `travel_mode` and `max_minutes`, and `limit` if any (the
map's "jobs within 20 minutes by motorbike"). The route's own steps (app/search/travel.py):
the origin's statement, Dijkstra on the worker's graph, the kept page statement on the rings,
the metres; without FastAPI's dependencies, a pooled session (checkout, ping, BEGIN, COMMIT)
or building anything, which cost a plain travel search about as much as its own work
(bench/README.md).

It answers only with what this worker has at hand: the network's graph for the mode, fetched
and built by an earlier search through the route, and the page statements the route keeps.
Anything else (a reload since, the circle's statement not built yet) is left to the route."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from app import cursors
from app.models import street_network as network
from app.search import cursor as search_cursor
from app.search import repository, reuse, road_graph, service, travel
from app.search.joints import joint_of
from app.search.params import SearchParams
from app.search.reach import Reach, Ring


def kept(params: SearchParams, today: date, limit: int) -> SearchParams | None:
    """`params` when the route has built this search's ring statement in this worker (the
    circle's is looked for when a page needs it), else None."""
    del today, limit  # the statements do not depend on them
    if params.travel_mode is None:
        return None
    shape = reuse.shape(params, repository.TOTAL_BOUND)
    key = travel.page_key(params.travel_mode, shape, circle=False, after=False)
    return params if key is not None and reuse.kept(key) is not None else None


async def answer(params: SearchParams, limit: int, today: date, run: travel.Run) -> bytes | None:
    """The first page as the route answers it (JSON), with `run` running each statement; None
    when the route must answer (this worker lacks the network's graph, or a statement)."""
    mode, near, minutes = params.travel_mode, params.near, params.max_minutes
    if mode is None or near is None or minutes is None:
        raise ValueError("not a travel-time search")
    found = await run(*travel.origin_statement(mode, near.lon, near.lat))
    row = tuple(found[0].values()) if found else None  # a record or a mapping: by position
    joint = joint_of(row)
    if row is None or joint is None:  # no usable road near the origin: nothing is reached
        return service.plain_page([], None).model_dump_json().encode()
    graph = road_graph.graph_at_hand(str(row[8]), mode)
    if graph is None:
        return None
    start, radius_m = travel.located(Reach(graph, joint, minutes * 60.0, travel.FIRST_S))
    # The route's candidates: within the distance the top speed covers in that time.
    bounded = dataclasses.replace(params, radius_m=radius_m + network.ACCESS_MAX_M)
    pages = travel.Pages(
        mode,
        start,
        repository.bind_values(bounded, today),
        reuse.shape(bounded, repository.TOTAL_BOUND),
        None,
    )

    def statement(ring: Ring | None, _: dict[str, Any]) -> Any:
        key = pages.key(ring)
        return reuse.kept(key) if key is not None else None

    async def fetch(count: int) -> list[dict[str, Any]]:
        return await pages.rows(count, statement, run)

    try:
        rows, next_cursor = await cursors.page(
            fetch, limit, lambda row: search_cursor.position(params, None, row)
        )
    except LookupError:  # the circle's statement, not built yet in this worker
        return None
    return service.plain_page(rows, next_cursor).model_dump_json().encode()


__all__ = ["answer", "kept"]
