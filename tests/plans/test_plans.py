"""The hot statements' plans, as PostgreSQL runs them once prepared and reused, on 100,000 demo
vacancies, swept and with a sweep backlog: which index each reads, and how (not timed)."""

from __future__ import annotations

import logging
import pathlib

import pytest

from app.tiles.grid import CELLS_PER_TILE, CellWindow, Tile
from app.vacancies.sweep import SWEEP_BATCH
from tests.plans.explain import (
    DbState,
    Explained,
    Plan,
    Sent,
    capture,
    explain_reused,
    fast_path_statement,
    find,
    pick,
    reads,
    shape,
    sorts_of_gist_reads,
    sweep_statement,
    tile_statement,
)
from tests.plans.fingerprint import hot_statements_fingerprint, recorded_fingerprints

pytestmark = pytest.mark.plans
logger = logging.getLogger(__name__)

# The dense centre of old Vĩnh Long city, and a sparser place south of it.
CENTRES = {"dense": (105.9723, 10.2537), "sparse": (105.926463, 10.070952)}
centre = pytest.mark.parametrize("place", list(CENTRES))


def _report(state: DbState, what: str, explained: Explained) -> str:
    """Both plans, logged (shown by pytest -rA --log-level=INFO) and put in assertion messages."""
    text = (
        f"{what} [{state.name}]\n-- plan after five executions "
        f"({'generic' if explained.generic else 'custom'}):\n{shape(explained.reused)}"
        f"\n-- first (custom) plan:\n{shape(explained.first)}"
    )
    logger.info("%s", text)
    return text


async def _explain_request(
    state: DbState, url: str, path: str, *, contains: str
) -> tuple[list[Plan], str]:
    """The first (custom) plan and the plan after five executions: both must keep the shape
    (a new connection runs the first five with custom plans)."""
    sent = await capture(url, path)
    setup, statement = pick(sent, lambda sql: contains in sql)
    explained = await explain_reused(state.connection, statement, setup)
    return [explained.first, explained.reused], _report(state, path, explained)


@centre
@pytest.mark.parametrize(("span", "limit"), [(0.05, 100), (0.3, 500)])
async def test_viewport_geojson_walks_the_geometry_index_nearest_first(
    db_state: DbState, plans_url: str, place: str, span: float, limit: int
) -> None:
    lon, lat = CENTRES[place]
    half = span / 2
    bbox = ",".join(f"{v:.6f}" for v in (lon - half, lat - half, lon + half, lat + half))
    plans, report = await _explain_request(
        db_state,
        plans_url,
        f"/v1/vacancies.geojson?bbox={bbox}&limit={limit}",
        contains="json_agg",
    )
    first, reused = plans
    # Where the box holds few sites (the sparse centre), a custom plan may read them all into
    # a bitmap and sort them: as cheap as the walk, for as few rows as the statistics say.
    for plan in [first, reused] if place == "dense" else [reused]:
        # The page and the bounded count are one walk of the index nearest the centre first.
        knn = find(plan, "Index Scan", index="ix_vacancy_site_public_geom", ordered=True)
        assert len(knn) == 1, f"not one KNN walk of the geometry index:\n{report}"
        assert find(plan, "CTE Scan"), f"the walk is not read as a CTE:\n{report}"
        # Nothing else reads the sites: the walk carries the columns the features need.
        assert not reads_otherwise(plan, "vacancy_site", knn, allowed=set()), (
            f"sites read otherwise:\n{report}"
        )
        assert not sorts_of_gist_reads(plan), f"a Sort of sites read by their GiST index:\n{report}"


@centre
async def test_nearest_walks_the_geography_index(
    db_state: DbState, plans_url: str, place: str
) -> None:
    lon, lat = CENTRES[place]
    path = f"/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20"
    plans, report = await _explain_request(db_state, plans_url, path, contains="candidates")
    for plan in plans:
        knn = find(plan, "Index Scan", index="ix_vacancy_site_public_geog", ordered=True)
        assert len(knn) == 1, f"no KNN walk of ix_vacancy_site_public_geog:\n{report}"
        # Besides the walk, the page's rows only are fetched by their key for the joins.
        assert not reads_otherwise(plan, "vacancy_site", knn, allowed={"pk_vacancy_site"}), (
            f"sites read otherwise:\n{report}"
        )


async def test_the_fast_path_sends_the_nearest_statement_whose_plan_is_pinned(
    plans_url: str,
) -> None:
    lon, lat = CENTRES["dense"]
    path = f"/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20"
    _, by_route = pick(await capture(plans_url, path), lambda sql: "candidates" in sql)
    fast = fast_path_statement(path)
    assert " ".join(fast.sql.split()) == " ".join(by_route.sql.split())
    assert fast.args == by_route.args


@centre
async def test_nearest_exact_count_reads_the_geography_index(
    db_state: DbState, plans_url: str, place: str
) -> None:
    lon, lat = CENTRES[place]
    path = f"/v1/vacancies?near={lon},{lat}&radius_m=10000&limit=20&count=exact"
    # The counting statement: count(*) over the matches, cut after TOTAL_BOUND + 1.
    plans, report = await _explain_request(db_state, plans_url, path, contains="count(*) AS n")
    for plan in plans:
        knn = find(plan, "Index Scan", index="ix_vacancy_site_public_geog", ordered=True)
        assert len(knn) == 1, f"the count is not a walk of the geography index:\n{report}"
        assert not reads_otherwise(plan, "vacancy_site", knn), f"sites read otherwise:\n{report}"


async def test_the_sweep_takes_its_batch_along_the_queue_and_reads_no_vacancy(
    db_state: DbState,
) -> None:
    """The expiry sweep's statement (migration 0029): the batch walks the queue's index oldest
    first, and no vacancy row is read (each would be a random page of the widest table)."""
    explained = await explain_reused(db_state.connection, sweep_statement(SWEEP_BATCH))
    report = _report(db_state, "the expiry sweep's batch", explained)
    for plan in (explained.first, explained.reused):
        walk = find(plan, "Index Scan", index="ix_vacancy_due_valid_through")
        assert len(walk) == 1, f"the batch does not walk the queue's index:\n{report}"
        assert not reads(plan, "vacancy"), f"the sweep reads vacancies:\n{report}"


def _tile_at(zoom: int, lon: float, lat: float) -> Tile:
    """The tile holding the point (its cell's tile: 64 cells to a tile side)."""
    cell = CellWindow.of_box(zoom, lon, lat, lon, lat)
    return Tile(zoom, cell.first_x // CELLS_PER_TILE, cell.first_y // CELLS_PER_TILE)


@centre
@pytest.mark.parametrize("zoom", [8, 10, 12, 14])
async def test_plain_tile_reads_kept_cells_and_expired_sites_by_index(
    db_state: DbState, place: str, zoom: int
) -> None:
    tile = _tile_at(zoom, *CENTRES[place])
    statement: Sent = tile_statement(tile)
    explained = await explain_reused(db_state.connection, statement)
    report = _report(db_state, f"tile {tile}", explained)
    for plan in (explained.first, explained.reused):
        # The tile's cells by their blocks (zoom, cx >> 3, cy >> 3), not by the key
        # (zoom, cx, cy), which would read a whole column of cells across the province.
        cells = reads(plan, "site_cell")
        assert cells, f"site_cell not read:\n{report}"
        assert all(indexes == {"ix_site_cell_block"} for _, indexes in cells), (
            f"site_cell read otherwise than through ix_site_cell_block: {cells}\n{report}"
        )
        # The sites to subtract (still listed past their expiry) by the expiry index only.
        sites = reads(plan, "vacancy_site")
        assert sites, f"vacancy_site (expired sites to subtract) not read:\n{report}"
        assert all(
            kind != "Seq Scan" and indexes == {"ix_vacancy_site_public_valid_through"}
            for kind, indexes in sites
        ), f"vacancy_site read otherwise than through its valid_through index: {sites}\n{report}"


def reads_otherwise(
    plan: Plan,
    relation: str,
    expected: list[Plan],
    allowed: frozenset[str] | set[str] = frozenset(),
) -> list[tuple[str, frozenset[str]]]:
    """Scans of `relation` other than the `expected` nodes and key lookups by `allowed`."""
    wanted = {id(node) for node in expected}
    return [
        (node["Node Type"], frozenset([node.get("Index Name", "")]))
        for node in find(plan, relation=relation)
        if id(node) not in wanted and node.get("Index Name") not in allowed
    ]


async def test_the_benchmarks_measured_the_hot_statements_as_they_are(plans_url: str) -> None:
    # A change to a hot statement can flip its plan (issue 22: a correctness fix did, and no
    # run followed it): bench/run.sh and bench/tiles.sh record the statements' fingerprint,
    # and their tables in bench/README.md must include a run of the current statements.
    readme = (pathlib.Path(__file__).parents[2] / "bench" / "README.md").read_text()
    current = await hot_statements_fingerprint(plans_url)
    assert current in recorded_fingerprints(readme), (
        f"The hot statements changed (fingerprint {current}): run bench/run.sh and "
        "bench/tiles.sh and record their tables in bench/README.md with a line "
        f"'statements: {current}'."
    )
