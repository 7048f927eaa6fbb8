"""`jobmap osm load` on files the tests write: real osm2pgsql, real pgRouting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.models.travel_speed import TravelMode
from app.osm import repository, service
from app.osm.service import LoadReport, OsmLoadError
from tests.osm.conftest import travel_s
from tests.osm.osm_files import (
    M_PER_MILLIDEGREE_LAT,
    M_PER_MILLIDEGREE_LON,
    NODES,
    WAYS,
    osm_xml,
    write,
)

LON = M_PER_MILLIDEGREE_LON
LAT = M_PER_MILLIDEGREE_LAT
MOTORBIKE_RESIDENTIAL = 20 / 3.6  # m/s, the defaults of migration 0015
MOTORBIKE_PRIMARY = 40 / 3.6
BICYCLE = 15 / 3.6
WALK = 5 / 3.6
FERRY = 10 / 3.6
FERRY_WAIT_S = 600


async def _scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql))


async def _edge_costs(engine: AsyncEngine, way_id: int) -> tuple[float, ...]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT cost_motorbike, reverse_cost_motorbike, cost_bicycle,"
                    " reverse_cost_bicycle, cost_walk FROM osm.edge WHERE way_id = :w"
                ),
                {"w": way_id},
            )
        ).one()
    return tuple(float(value) for value in row)


async def test_load_keeps_roads_water_places_and_counts_them(
    town: LoadReport, engine: AsyncEngine
) -> None:
    counts = town.counts
    assert not town.replaced
    assert counts.ways == 12  # the highways and the ferry, not the river
    # Way 100 (n1-n2-n3) is cut at n2, where ways 101 and 105 meet it; the expressway, open
    # to none of our modes, is drawn but not routed over: 12 edges.
    assert counts.edges == 12
    assert counts.vertices == 12  # n6 is inside the motorway, not a junction
    assert counts.isolated_parts == 1  # the island
    assert counts.ferry_edges == 1
    assert counts.skipped_ways == 0
    assert await _scalar(engine, "SELECT name FROM osm.place") == "Ấp Phước Hậu"
    assert await _scalar(engine, "SELECT kind || ':' || name FROM osm.waterway") == (
        "river:Sông Cổ Chiên"
    )
    assert await _scalar(engine, "SELECT class FROM osm.road WHERE bridge") == "primary"
    assert await _scalar(engine, "SELECT ref FROM osm.road WHERE class = 'motorway'") == "CT01"


async def test_buildings_are_not_kept(
    no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    nodes = {**NODES, 60: (106.0001, 10.0001), 61: (106.0002, 10.0001), 62: (106.0002, 10.0002)}
    ways = {**WAYS, 180: ([60, 61, 62, 60], {"building": "yes", "name": "Nhà"})}
    await service.load(osm_settings, write(tmp_path, "b.osm", osm_xml(nodes, ways)))
    found = await _scalar(
        no_network,
        "SELECT count(*) FROM (SELECT name FROM osm.road UNION ALL SELECT name FROM osm.water"
        " UNION ALL SELECT name FROM osm.landuse UNION ALL SELECT name FROM osm.place) AS t"
        " WHERE name = 'Nhà'",
    )
    assert found == 0


@pytest.mark.usefixtures("town")
async def test_edge_costs_per_mode(engine: AsyncEngine) -> None:
    length = LAT  # way 101, n2 -> n4, one-way northwards
    motorbike, motorbike_back, bicycle, bicycle_back, walk = await _edge_costs(engine, 101)
    assert motorbike == pytest.approx(length / MOTORBIKE_RESIDENTIAL, abs=1)
    assert motorbike_back == -1
    assert bicycle == pytest.approx(length / BICYCLE, abs=1)
    assert bicycle_back == -1
    assert walk == pytest.approx(length / WALK, abs=1)
    # The expressway: closed to motorbikes (the law), bicycles and walkers: no edge at all.
    assert await _scalar(engine, "SELECT count(*) FROM osm.edge WHERE way_id = 110") == 0
    # The footway: walkers only.
    footway = 5 * LAT  # n3 -> n7, due south
    assert (await _edge_costs(engine, 120))[:4] == (-1, -1, -1, -1)
    assert (await _edge_costs(engine, 120))[4] == pytest.approx(footway / WALK, abs=1)


@pytest.mark.usefixtures("town")
async def test_one_way_binds_motorbikes_and_bicycles_not_walkers(engine: AsyncEngine) -> None:
    around = LON + LAT + LON  # n4 -> n5 -> n1 -> n2
    assert await travel_s(engine, TravelMode.motorbike, 2, 4) == pytest.approx(
        LAT / MOTORBIKE_RESIDENTIAL, abs=1
    )
    assert await travel_s(engine, TravelMode.motorbike, 4, 2) == pytest.approx(
        around / MOTORBIKE_RESIDENTIAL, abs=1
    )
    assert await travel_s(engine, TravelMode.bicycle, 4, 2) == pytest.approx(
        around / BICYCLE, abs=1
    )
    assert await travel_s(engine, TravelMode.walk, 4, 2) == pytest.approx(LAT / WALK, abs=1)


@pytest.mark.usefixtures("town")
async def test_motorbikes_avoid_the_expressway_and_walkers_take_the_footway(
    engine: AsyncEngine,
) -> None:
    # n7 is reached only by the expressway (no motorbikes) or the footway (no vehicles).
    assert await travel_s(engine, TravelMode.motorbike, 1, 7) is None
    assert await travel_s(engine, TravelMode.bicycle, 1, 7) is None
    on_foot = 2 * LON + 5 * LAT  # n1 -> n2 -> n3, then the footway
    assert await travel_s(engine, TravelMode.walk, 1, 7) == pytest.approx(on_foot / WALK, abs=1)


@pytest.mark.usefixtures("town")
async def test_ferry_costs_its_crossing_and_its_wait(engine: AsyncEngine) -> None:
    crossing = 6 * LON
    assert (await _edge_costs(engine, 150))[0] == pytest.approx(
        crossing / FERRY + FERRY_WAIT_S, abs=1
    )
    # n12 -> n11: the ferry (837 s with its wait) loses to the road over the bridge.
    by_bridge = (
        (3 * LAT + LAT + 2 * LON) / MOTORBIKE_RESIDENTIAL  # n12 -> n5 -> n1 -> n2 -> n3
        + 4 * LON / MOTORBIKE_PRIMARY  # the bridge
        + 4 * LAT / MOTORBIKE_RESIDENTIAL  # n10 -> n11
    )
    assert await travel_s(engine, TravelMode.motorbike, 12, 11) == pytest.approx(by_bridge, abs=1)


@pytest.mark.usefixtures("town")
async def test_edited_speeds_apply_after_recost(engine: AsyncEngine) -> None:
    """An operator makes the ferry fast and waitless: the route takes it (rolled back)."""
    async with engine.connect() as connection, connection.begin() as transaction:
        await connection.execute(
            text(
                "UPDATE travel_speed SET kmh = 30, wait_s = 0"
                " WHERE road_class = 'ferry' AND mode = 'motorbike'"
            )
        )
        assert await repository.apply_speeds(connection) == 12
        cost = await connection.scalar(
            text(
                "SELECT agg_cost FROM pgr_dijkstraCost(CAST(:edges AS text), 12::bigint,"
                " 11::bigint, true)"
            ),
            {"edges": service_edges()},
        )
        await transaction.rollback()
    assert cost == pytest.approx(6 * LON / (30 / 3.6), abs=1)


def service_edges() -> str:
    from app.osm.queries import edges_sql

    return edges_sql(TravelMode.motorbike)


@pytest.mark.usefixtures("town")
async def test_an_island_is_unreachable_without_an_error(engine: AsyncEngine) -> None:
    for mode in TravelMode:
        assert await travel_s(engine, mode, 1, 40) is None
    assert await travel_s(engine, TravelMode.motorbike, 40, 41) == pytest.approx(
        LON / MOTORBIKE_RESIDENTIAL, abs=1
    )


def _truncated() -> str:
    whole = osm_xml()
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("not-osm.osm", "this is a spreadsheet, not OpenStreetMap\n", "osm2pgsql failed"),
        ("truncated.osm", _truncated(), "osm2pgsql failed"),
        ("no-roads.osm", osm_xml(ways={170: WAYS[170]}), "has no roads"),
        ("town.csv", osm_xml(), "expected an .osm or .osm.pbf file"),
    ],
)
async def test_a_failed_import_keeps_the_previous_network(
    town: LoadReport,
    engine: AsyncEngine,
    osm_settings: Settings,
    tmp_path: Path,
    name: str,
    content: str,
    message: str,
) -> None:
    with pytest.raises(OsmLoadError, match=message):
        await service.load(osm_settings, write(tmp_path, name, content))
    async with engine.connect() as connection:
        assert await repository.counts(connection) == town.counts
        assert await repository.leftover_schemas(connection) == []


async def test_a_missing_file_is_a_clear_error(osm_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(OsmLoadError, match="is not a file"):
        await service.load(osm_settings, tmp_path / "nowhere.osm.pbf")


async def test_a_load_through_a_transaction_pooler_is_refused(
    osm_settings: Settings, tmp_path: Path
) -> None:
    pooled = osm_settings.model_copy(update={"db_transaction_pooler": True})
    with pytest.raises(OsmLoadError, match="needs PostgreSQL's own address"):
        await service.load(pooled, write(tmp_path, "town.osm", osm_xml()))


async def test_reload_replaces_the_network(
    town: LoadReport, engine: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    del town
    smaller = {key: WAYS[key] for key in (100, 101, 170)}
    report = await service.load(osm_settings, write(tmp_path, "small.osm", osm_xml(ways=smaller)))
    assert report.replaced
    assert report.counts.edges == 3  # way 100 is cut where way 101 meets it
    assert report.counts.source == "small.osm"
    assert await _scalar(engine, "SELECT count(*) FROM osm.edge") == 3
    schemas = await _scalar(
        engine, r"SELECT count(*) FROM pg_namespace WHERE nspname ~ '^osm(_|$)'"
    )
    assert schemas == 1  # the old network is dropped


async def test_clip_to_province_drops_what_lies_outside(
    no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    nodes = {**NODES, 90: (105.85, 21.03), 91: (105.86, 21.03)}  # Hà Nội
    ways = {**WAYS, 190: ([90, 91], {"highway": "residential", "name": "Phố Hà Nội"})}
    path = write(tmp_path, "two-cities.osm", osm_xml(nodes, ways))
    report = await service.load(osm_settings, path, clip_to_province=True)
    assert report.counts.ways == 12
    assert await _scalar(no_network, "SELECT count(*) FROM osm.road WHERE way_id = 190") == 0


async def test_a_way_missing_a_node_is_left_out_and_counted(
    no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    """A way that names a node the file lacks (an extract cut through it) has fewer points
    than node ids: it cannot be cut at its nodes, so it is counted and left out."""
    ways = {**WAYS, 106: ([13, 999, 3], {"highway": "residential", "name": "Đường cụt"})}
    report = await service.load(osm_settings, write(tmp_path, "cut.osm", osm_xml(ways=ways)))
    assert report.counts.ways == 13
    assert report.counts.skipped_ways == 1
    assert report.counts.edges == 12
    assert await _scalar(no_network, "SELECT count(*) FROM osm.edge WHERE way_id = 106") == 0


async def test_a_node_repeated_in_a_row_is_read_once(
    no_network: AsyncEngine, osm_settings: Settings, tmp_path: Path
) -> None:
    ways = {**WAYS, 105: ([2, 2, 13], {"highway": "residential"})}
    report = await service.load(osm_settings, write(tmp_path, "twice.osm", osm_xml(ways=ways)))
    assert report.counts.skipped_ways == 0
    assert report.counts.edges == 12
    assert await travel_s(no_network, TravelMode.walk, 2, 13) == pytest.approx(LAT / WALK, abs=1)
