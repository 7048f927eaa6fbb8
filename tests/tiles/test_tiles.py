"""Vector tiles decoded and checked against the sites posted: sites and clusters, every site
counted once (tile edges included), filters, hidden vacancies, empty tiles, ETag/304,
TileJSON, and bad tile coordinates."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import Integer, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app import http_cache
from app.tiles import cells
from app.tiles.cache import KeptTile, MapState, TileCache
from app.tiles.grid import Tile
from tests.factories import CITY_CENTRE, Actors
from tests.factories import post_vacancy as post
from tests.problems import assert_problem

LON, LAT = CITY_CENTRE
SITES_FROM_ZOOM = 16  # the setting's default


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point (the slippy-map formula, independent of app/tiles)."""
    n = 1 << z
    x = math.floor((lon + 180.0) / 360.0 * n)
    y = math.floor((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


async def get_tile(client: AsyncClient, z: int, x: int, y: int, **params: Any) -> Response:
    return await client.get(f"/v1/tiles/vacancies/{z}/{x}/{y}.mvt", params=params)


def features(response: Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.content)
    assert set(layers) == {"vacancies"}
    found: list[dict[str, Any]] = layers["vacancies"]["features"]
    return found


async def on_land(session: AsyncSession, lon: float, lat: float) -> bool:
    """In a current commune of the province (random points may fall in the rivers)."""
    covered = await session.scalar(
        text(
            "SELECT EXISTS (SELECT FROM area WHERE level = 'commune' AND validity @> "
            "current_date AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))"
        ),
        {"lon": lon, "lat": lat},
    )
    return bool(covered)


@pytest.fixture
async def scattered(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> list[tuple[float, float, int]]:
    """60 sites (lon, lat, positions) around the city, 20 per vacancy."""
    rng = random.Random(86)  # noqa: S311  (test data)
    sites: list[tuple[float, float, int]] = []
    for v in range(3):
        mine: list[tuple[float, float, int]] = []
        while len(mine) < 20:
            lon, lat = LON + rng.uniform(-0.15, 0.15), LAT + rng.uniform(-0.15, 0.15)
            if await on_land(session, lon, lat):
                mine.append((lon, lat, rng.randint(1, 9)))
        await post(
            client,
            actors.a,
            title=f"Công nhân rải rác {v}",
            sites=[
                {"positions": p, "coordinates": {"lon": lon, "lat": lat}} for lon, lat, p in mine
            ],
        )
        sites += mine
    return sites


@pytest.mark.parametrize("z", [6, 9, 11, 13])
async def test_clusters_count_every_site_in_the_tile(
    client: AsyncClient, scattered: list[tuple[float, float, int]], z: int
) -> None:
    tiles = {tile_of(lon, lat, z) for lon, lat, _ in scattered}
    for x, y in tiles:
        inside = [s for s in scattered if tile_of(s[0], s[1], z) == (x, y)]
        clusters = features(await get_tile(client, z, x, y))
        assert sum(c["properties"]["count"] for c in clusters) == len(inside), (z, x, y)
        assert sum(c["properties"]["positions"] for c in clusters) == sum(p for *_, p in inside)
        for cluster in clusters:
            px, py = cluster["geometry"]["coordinates"]
            assert 0 <= px < 4096
            assert 0 <= py < 4096
            assert z < cluster["properties"]["expansion_zoom"] <= SITES_FROM_ZOOM
            assert "title" not in cluster["properties"]


@pytest.fixture
async def crowded(client: AsyncClient, actors: Actors, session: AsyncSession) -> list[Any]:
    """100 sites within about 3 km of the city, with pairs straddling the edges of the
    cluster cells of several zooms: where grid clusters drawn at their means collide."""
    rng = random.Random(17)  # noqa: S311  (test data)
    points: list[tuple[float, float]] = []
    for z in (11, 12, 13, 14):
        cell = 360 / (8 << z)  # a cluster cell's width in degrees at zoom z
        edge = math.floor((LON + 180) / cell) * cell - 180
        points += [(edge - 1e-7, LAT), (edge, LAT + 1e-5)]
    while len(points) < 100:
        lon, lat = LON + rng.uniform(-0.03, 0.03), LAT + rng.uniform(-0.03, 0.03)
        if await on_land(session, lon, lat):
            points.append((lon, lat))
    for start in range(0, len(points), 20):
        chunk = points[start : start + 20]
        await post(
            client,
            actors.a,
            title=f"Công nhân đông đúc {start}",
            sites=[{"positions": 1, "coordinates": {"lon": a, "lat": b}} for a, b in chunk],
        )
    return points


@pytest.mark.parametrize("z", range(6, 16))
async def test_no_two_cluster_symbols_overlap(
    client: AsyncClient, crowded: list[tuple[float, float]], z: int
) -> None:
    drawn: list[tuple[float, float, int]] = []  # (x, y, radius) in screen pixels of the world
    for x, y in {tile_of(lon, lat, z) for lon, lat in crowded}:
        for cluster in features(await get_tile(client, z, x, y)):
            px, py = cluster["geometry"]["coordinates"]
            # 512 pixels to a tile; the decoder's y is upwards.
            at = (x * 512 + px / 8, y * 512 + (4096 - py) / 8)
            drawn.append((*at, cluster["properties"]["radius"]))
    assert sum(1 for _ in drawn) >= 1
    for i, (x1, y1, r1) in enumerate(drawn):
        for x2, y2, r2 in drawn[i + 1 :]:
            assert math.hypot(x1 - x2, y1 - y2) >= r1 + r2, (z, (x1, y1, r1), (x2, y2, r2))
    assert max(r for *_, r in drawn) <= 30


async def test_symbol_sizes_and_labels(session: AsyncSession) -> None:
    counts = [1, 2, 3, 10, 999, 1000, 1099, 1234, 1999, 9999, 10_000, 123_456, 999_999]
    counts += [1_000_000, 1_250_000, 12_345_678]
    values = ", ".join(f"({n})" for n in counts)
    count = literal_column("n", Integer)
    query = select(count, cells.radius_px(count), cells.count_label(count)).select_from(
        text(f"(VALUES {values}) AS v(n)")
    )
    drawn = {n: (radius, label) for n, radius, label in (await session.execute(query)).all()}
    assert drawn == {
        1: (9, "1"),  # a pin, like a single site
        2: (11, "2"),
        3: (12, "3"),
        10: (15, "10"),
        999: (24, "999"),
        1000: (25, "1 N"),
        1099: (25, "1 N"),
        1234: (25, "1,2 N"),
        1999: (26, "1,9 N"),  # cut, never rounded up to "2 N"
        9999: (29, "9,9 N"),
        10_000: (30, "10 N"),
        123_456: (30, "123 N"),
        999_999: (30, "999 N"),
        1_000_000: (30, "1 Tr"),
        1_250_000: (30, "1,2 Tr"),
        12_345_678: (30, "12 Tr"),
    }


def mercator(lon: float, lat: float) -> tuple[float, float]:
    shift = 20_037_508.342789244
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * shift / math.pi
    return lon / 180 * shift, y


def drawn_at(mean: float, low_edge: float, cell: float, radius_px: int) -> float:
    """Where a cluster is drawn along one axis, in metres: its mean, moved into its cell
    (cell: 64 pixels) by its radius and a quarter pixel."""
    margin = (radius_px + 0.25) * cell / 64
    return min(max(mean, low_edge + margin), low_edge + cell - margin)


@pytest.mark.parametrize(("z", "offset"), [(9, 0.004), (10, 0.004), (8, 0.0004)])
async def test_a_cluster_sits_where_its_sites_are(
    client: AsyncClient, actors: Actors, z: int, offset: float
) -> None:
    # Three sites close together: the cluster is at their mean (moved into its 512-unit cell
    # by its radius when the mean lies nearer the edge), not at the centre of a grid cell or
    # of the tile.
    x, y = tile_of(LON, LAT, z)
    points = [(LON, LAT), (LON + offset, LAT), (LON, LAT - offset)]
    await post(
        client,
        actors.a,
        sites=[{"positions": 1, "coordinates": {"lon": a, "lat": b}} for a, b in points],
    )
    [cluster] = features(await get_tile(client, z, x, y))
    shift = 20_037_508.342789244
    size = 2 * shift / (1 << z)
    min_x, max_y = -shift + x * size, shift - y * size
    mean_x = sum(mercator(*p)[0] for p in points) / 3
    mean_y = sum(mercator(*p)[1] for p in points) / 3
    cell = size / 8
    west = min_x + (mean_x - min_x) // cell * cell
    south = max_y - ((max_y - mean_y) // cell + 1) * cell
    radius = cluster["properties"]["radius"]
    assert radius == 12  # 10 + 5 log10(3), whole pixels
    at_x, at_y = drawn_at(mean_x, west, cell, radius), drawn_at(mean_y, south, cell, radius)
    px, py = cluster["geometry"]["coordinates"]
    # mapbox-vector-tile decodes y upwards (its default): 4096 is the tile's north edge.
    assert abs(px - (at_x - min_x) / size * 4096) <= 1
    assert abs((4096 - py) - (max_y - at_y) / size * 4096) <= 1
    assert cluster["properties"]["count"] == 3
    assert cluster["properties"]["label"] == "3"
    # Sites d metres apart part when a 64-pixel cell gets narrower than d: 0.004 degrees
    # (about 440 m) at zoom 13 or 14; 0.0004 degrees (44 m) only where single sites show.
    expected = (13, 14) if offset == 0.004 else (SITES_FROM_ZOOM,)
    assert cluster["properties"]["expansion_zoom"] in expected


async def test_sites_from_the_switch_zoom_carry_their_details(
    client: AsyncClient, actors: Actors
) -> None:
    posted = await post(
        client,
        actors.a,
        title="Kế toán kho",
        occupation_code="24",
        salary={"min": 9_000_000, "max": 11_000_000, "period": "month"},
        sites=[{"positions": 4, "coordinates": {"lon": LON, "lat": LAT}}],
    )
    x, y = tile_of(LON, LAT, SITES_FROM_ZOOM)
    [site] = features(await get_tile(client, SITES_FROM_ZOOM, x, y))
    assert site["properties"] == {
        "id": posted["sites"][0]["id"],
        "vacancy_id": posted["id"],
        "title": "Kế toán kho",
        "employer": actors.employer_a.name,
        "positions": 4,
        "salary_min": 9_000_000,
        "salary_max": 11_000_000,
        "occupation_group": "2",
    }
    # One zoom lower it is a cluster of one.
    lower = features(await get_tile(client, SITES_FROM_ZOOM - 1, *tile_of(LON, LAT, 15)))
    assert [c["properties"]["count"] for c in lower] == [1]


@pytest.mark.parametrize("z", [12, 16])
async def test_a_site_on_a_tile_edge_is_in_one_tile_only(
    client: AsyncClient, actors: Actors, z: int
) -> None:
    # The z16 tile around the city centre has its edges on land; at z12 (clusters) the
    # points sit on z16 edges that are inner lines of a z12 tile or its edges.
    x, y = tile_of(LON, LAT, 16)
    west, south, _, north = Tile(16, x, y).lonlat_bounds
    corner = (west, north)  # on two edges at once: four tiles meet here
    mid_west = (west, (south + north) / 2)
    for i, (lon, lat) in enumerate((corner, mid_west)):
        await post(
            client,
            actors.a,
            title=f"Ở mép {i}",
            sites=[{"positions": 1, "coordinates": {"lon": lon, "lat": lat}}],
        )
    tx, ty = tile_of(west, north, z)
    total = 0
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            response = await get_tile(client, z, tx + dx, ty + dy)
            if response.status_code == 200:
                total += sum(f["properties"].get("count", 1) for f in features(response))
    assert total == 2


async def test_filters_and_hidden_vacancies(client: AsyncClient, actors: Actors) -> None:
    shown = await post(client, actors.a, title="Kế toán thuế", occupation_code="24")
    await post(
        client,
        actors.a,
        title="Tài xế",
        description="Lái xe tải giao hàng.",
        occupation_code="83",
        employment_type="part_time",
        sites=[{"positions": 1, "coordinates": {"lon": LON + 0.001, "lat": LAT}}],
    )
    await post(client, actors.a, title="Bản nháp", status="draft")
    x, y = tile_of(LON, LAT, SITES_FROM_ZOOM)

    async def titles(**params: Any) -> list[str]:
        response = await get_tile(client, SITES_FROM_ZOOM, x, y, **params)
        if response.status_code == 204:
            return []
        return sorted(f["properties"]["title"] for f in features(response))

    assert await titles() == ["Kế toán thuế", "Tài xế"]  # no draft
    assert await titles(q="ke toan") == ["Kế toán thuế"]
    assert await titles(q="ke tona") == ["Kế toán thuế"]  # corrected, as in the search
    assert await titles(occupation="8") == ["Tài xế"]
    assert await titles(employment_type="full_time") == ["Kế toán thuế"]
    assert await titles(salary_min=20_000_000) == []
    closed = await client.post(
        f"/v1/vacancies/{shown['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert closed.status_code == 200, closed.text
    assert await titles() == ["Tài xế"]


async def test_etag_follows_the_data(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Thợ may")
    x, y = tile_of(LON, LAT, 10)
    first = await get_tile(client, 10, x, y)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == http_cache.MAP.cache_control
    again = await client.get(f"/v1/tiles/vacancies/10/{x}/{y}.mvt", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    await post(
        client,
        actors.a,
        title="Thợ hàn",
        sites=[{"positions": 1, "coordinates": {"lon": LON + 0.01, "lat": LAT}}],
    )
    changed = await client.get(
        f"/v1/tiles/vacancies/10/{x}/{y}.mvt", headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert sum(c["properties"]["count"] for c in features(changed)) == 2


async def test_empty_tiles_are_204(client: AsyncClient) -> None:
    response = await get_tile(client, 14, 0, 0)
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("23/0/0", "path.z"),
        ("-1/0/0", "path.z"),
        ("3/8/0", "path.x"),
        ("3/0/8", "path.y"),
        ("3/-1/0", "path.x"),
        ("a/0/0", "path.z"),
        ("3/0/9999999999999999999999", "path.y"),
    ],
)
async def test_tiles_outside_the_grid_are_422(client: AsyncClient, path: str, field: str) -> None:
    assert_problem(await client.get(f"/v1/tiles/vacancies/{path}.mvt"), 422, field)


async def test_bad_filters_are_422(client: AsyncClient) -> None:
    bad = {"occupation": "abc", "salary_min": "-1", "employment_type": "gig", "q": "!!!"}
    for name, value in bad.items():
        response = await get_tile(client, 10, 813, 482, **{name: value})
        body = assert_problem(response, 422)
        assert body["errors"][0]["field"].startswith(f"query.{name}"), body


async def test_tilejson(client: AsyncClient, app: FastAPI) -> None:
    response = await client.get("/v1/tiles/vacancies.json", params={"q": "ke toan"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tilejson"] == "3.0.0"
    [url] = body["tiles"]
    assert url.endswith("/v1/tiles/vacancies/{z}/{x}/{y}.mvt?q=ke+toan")
    assert body["vector_layers"][0]["id"] == "vacancies"
    west, south, east, north = body["bounds"]
    assert west < LON < east  # the province's communes
    assert south < LAT < north
    assert body["x-sites-from-zoom"] == app.state.settings.tile_sites_from_zoom
    assert_problem(
        await client.get("/v1/tiles/vacancies.json", params={"occupation": "x"}),
        422,
        "query.occupation",
    )


# Cells kept per zoom (the fast path without filters) --------------------------------------

# Matches every site, so the tile is counted from the sites instead of the kept cells.
EVERYTHING: dict[str, Any] = {"salary_min": 0, "include_unspecified": "true"}


def clusters_of(response: Response) -> list[tuple[int, int, int, int, int]]:
    if response.status_code == 204:
        return []
    return sorted(
        (
            f["geometry"]["coordinates"][0],
            f["geometry"]["coordinates"][1],
            f["properties"]["count"],
            f["properties"]["positions"],
            f["properties"]["expansion_zoom"],
        )
        for f in features(response)
    )


async def assert_cells_match_sites(client: AsyncClient, points: list[tuple[float, float]]) -> None:
    """Kept cells and counting from the sites draw the same clusters (position to a unit)."""
    for z in (5, 8, 10, 13, 15):
        for x, y in {tile_of(lon, lat, z) for lon, lat in points}:
            kept = clusters_of(await get_tile(client, z, x, y))
            counted = clusters_of(await get_tile(client, z, x, y, **EVERYTHING))
            assert [c[2:4] for c in kept] == [c[2:4] for c in counted], (z, x, y)
            for a, b in zip(kept, counted, strict=True):
                assert abs(a[0] - b[0]) <= 1, (z, x, y)
                assert abs(a[1] - b[1]) <= 1, (z, x, y)
                assert abs(a[4] - b[4]) <= 1, (z, x, y)  # spread from sums of squares


async def assert_cells_are_exact(session: AsyncSession) -> None:
    """site_cell holds exactly what the public sites add up to, at every kept zoom."""
    differences = await session.scalar(
        text(
            """
            WITH fresh AS (
                SELECT z AS zoom, jobmap_cell_x(geom, z) AS cx, jobmap_cell_y(geom, z) AS cy,
                       count(*) AS sites, sum(positions) AS positions,
                       sum(jobmap_mercator_x(geom)) AS sum_x,
                       sum(coalesce(ascii(occupation_code), 0)) AS group_sum
                FROM vacancy_site CROSS JOIN generate_series(8, 15) AS z WHERE public
                GROUP BY 1, 2, 3
            ), kept AS (SELECT zoom, cx, cy, sites, positions, sum_x, group_sum FROM site_cell
                        WHERE sites <> 0)
            SELECT count(*) FROM fresh FULL JOIN kept USING (zoom, cx, cy)
            WHERE fresh.sites IS DISTINCT FROM kept.sites
               OR fresh.positions IS DISTINCT FROM kept.positions
               OR fresh.group_sum IS DISTINCT FROM kept.group_sum
               OR abs(fresh.sum_x - kept.sum_x) > 1e-6 * abs(fresh.sum_x)
            """
        )
    )
    assert differences == 0


async def test_kept_cells_follow_every_write(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    points = [(LON + 0.01 * i, LAT - 0.004 * i) for i in range(6)]
    posted = [
        await post(
            client,
            actors.a,
            title=f"Ô lưới {i}",
            sites=[{"positions": 1 + i, "coordinates": {"lon": lon, "lat": lat}}],
        )
        for i, (lon, lat) in enumerate(points)
    ]
    await assert_cells_are_exact(session)
    await assert_cells_match_sites(client, points)
    # Moved, more positions, another site: the edit replaces the sites.
    moved = await client.patch(
        f"/v1/vacancies/{posted[0]['id']}",
        json={
            "sites": [
                {"positions": 7, "coordinates": {"lon": LON + 0.02, "lat": LAT - 0.03}},
                {"positions": 2, "coordinates": {"lon": LON - 0.01, "lat": LAT - 0.01}},
            ]
        },
        headers={**actors.a, "If-Match": "*"},
    )
    assert moved.status_code == 200, moved.text
    closed = await client.post(
        f"/v1/vacancies/{posted[1]['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert closed.status_code == 200, closed.text
    await assert_cells_are_exact(session)
    await assert_cells_match_sites(client, [*points, (LON + 0.02, LAT - 0.03)])
    # An employer no longer verified: all its sites leave the map.
    unverified = await client.patch(
        f"/v1/employers/{actors.employer_a.id}",
        json={"verified": False},
        headers=actors.department,
    )
    assert unverified.status_code == 200, unverified.text
    await assert_cells_are_exact(session)
    x, y = tile_of(LON, LAT, 8)
    assert (await get_tile(client, 8, x, y)).status_code == 204


async def test_expired_sites_leave_the_kept_cells_before_the_sweep(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await post(client, actors.a, title="Còn hạn")
    gone = await post(client, actors.a, title="Hết hạn", sites=at_city(0.001))
    x, y = tile_of(LON, LAT, 10)
    assert sum(c[2] for c in clusters_of(await get_tile(client, 10, x, y))) == 2
    # Past its expiry but not yet swept: still public in the table, gone from the map.
    await session.execute(
        text(
            "UPDATE vacancy_site SET valid_through = now() - interval '1 minute' "
            "WHERE vacancy_id = :id"
        ),
        {"id": gone["id"]},
    )
    assert sum(c[2] for c in clusters_of(await get_tile(client, 10, x, y))) == 1
    assert clusters_of(await get_tile(client, 10, x, y)) == clusters_of(
        await get_tile(client, 10, x, y, **EVERYTHING)
    )


async def test_single_sites_carry_their_occupation_group_below_the_sites_zoom(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    """A cluster of one site says its occupation group, so its pin is coloured at every zoom;
    kept and counted tiles agree, through an occupation change and an expiry."""
    z = 12
    x, y = tile_of(LON, LAT, z)

    async def groups(**params: Any) -> list[tuple[int, str | None]]:
        response = await get_tile(client, z, x, y, **params)
        found = sorted(
            (f["properties"]["count"], f["properties"].get("occupation_group"))
            for f in features(response)
        )
        return found

    alone = await post(client, actors.a, title="Kế toán", occupation_code="24")
    far = LON + 0.02  # another cell of the same z12 tile
    pair = [
        await post(
            client,
            actors.a,
            title=f"Thợ hàn {i}",
            occupation_code="72",
            sites=[{"positions": 1, "coordinates": {"lon": far + 0.0001 * i, "lat": LAT}}],
        )
        for i in range(2)
    ]
    assert await groups() == [(1, "2"), (2, None)]
    assert await groups(**EVERYTHING) == await groups()
    await assert_cells_are_exact(session)
    # Its occupation changes: the pin's colour follows, though the site did not move.
    changed = await client.patch(
        f"/v1/vacancies/{alone['id']}",
        json={"occupation_code": "51"},
        headers={**actors.a, "If-Match": "*"},
    )
    assert changed.status_code == 200, changed.text
    assert await groups() == [(1, "5"), (2, None)]
    await assert_cells_are_exact(session)
    # One of the pair expires, unswept: the other is alone, and a pin of its group.
    await session.execute(
        text(
            "UPDATE vacancy_site SET valid_through = now() - interval '1 minute' "
            "WHERE vacancy_id = :id"
        ),
        {"id": pair[0]["id"]},
    )
    assert await groups() == [(1, "5"), (1, "7")]
    assert await groups(**EVERYTHING) == await groups()
    box = ",".join(str(v) for v in Tile(z, x, y).lonlat_bounds)
    as_json = await client.get("/v1/vacancies/clusters", params={"bbox": box, "zoom": z})
    assert as_json.status_code == 200, as_json.text
    assert sorted(f["properties"]["occupation_group"] for f in as_json.json()["features"]) == [
        "5",
        "7",
    ]


def at_city(offset: float) -> list[dict[str, Any]]:
    return [{"positions": 1, "coordinates": {"lon": LON + offset, "lat": LAT}}]


# Clusters as GeoJSON ------------------------------------------------------------------------


@pytest.mark.parametrize("filtered", [False, True])
async def test_json_clusters_are_the_tiles_clusters(
    client: AsyncClient, scattered: list[tuple[float, float, int]], filtered: bool
) -> None:
    z = 11
    extra = EVERYTHING if filtered else {}
    for x, y in {tile_of(lon, lat, z) for lon, lat, _ in scattered}:
        west, south, east, north = Tile(z, x, y).lonlat_bounds
        # A box just inside the tile touches exactly its cells.
        inset = (east - west) * 1e-6
        box = f"{west + inset},{south + inset},{east - inset},{north - inset}"
        response = await client.get(
            "/v1/vacancies/clusters", params={"bbox": box, "zoom": z, **extra}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/geo+json"
        body = response.json()
        as_json = sorted(
            (f["properties"]["count"], f["properties"]["positions"]) for f in body["features"]
        )
        in_tile = sorted(c[2:4] for c in clusters_of(await get_tile(client, z, x, y, **extra)))
        assert as_json == in_tile, (x, y)
        assert body["sites"] == sum(c for c, _ in as_json)
        for feature in body["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert west <= lon <= east
            assert south <= lat <= north


async def test_json_clusters_follow_filters(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Kế toán viên")
    await post(client, actors.a, title="Bảo vệ", description="Trực ca đêm.", sites=at_city(0.002))
    box = f"{LON - 0.05},{LAT - 0.05},{LON + 0.05},{LAT + 0.05}"
    every = (await client.get("/v1/vacancies/clusters", params={"bbox": box, "zoom": 10})).json()
    assert every["sites"] == 2
    # Words of the guard's vacancy alone ("bao ve" also finds the accountant: "báo cáo" in its
    # description and "về" in its occupation's Vietnamese name, folded).
    some = await client.get(
        "/v1/vacancies/clusters", params={"bbox": box, "zoom": 10, "q": "truc ca dem"}
    )
    assert some.json()["sites"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "105.9,10.2,106.0,10.3", "zoom": 16}, "query.zoom"),
        ({"bbox": "105.9,10.2,106.0,10.3", "zoom": -1}, "query.zoom"),
        ({"bbox": "105.9,10.2,106.0", "zoom": 10}, "query.bbox"),
        ({"bbox": "104,9,106,11", "zoom": 13}, "query.bbox"),  # too many cells
        ({"zoom": 10}, "query.bbox"),
        ({"bbox": "105.9,10.2,106.0,10.3"}, "query.zoom"),
        ({"bbox": "105.9,10.2,106.0,10.3", "zoom": 10, "occupation": "x"}, "query.occupation"),
    ],
)
async def test_json_clusters_reject_bad_parameters(
    client: AsyncClient, params: dict[str, Any], field: str
) -> None:
    assert_problem(await client.get("/v1/vacancies/clusters", params=params), 422, field)


# The tile cache ----------------------------------------------------------------------------


async def test_kept_tiles_are_served_until_something_they_show_changes(
    client: AsyncClient, actors: Actors
) -> None:
    posted = await post(client, actors.a, title="Thợ điện")
    x, y = tile_of(LON, LAT, SITES_FROM_ZOOM)
    first = await get_tile(client, SITES_FROM_ZOOM, x, y)
    assert first.headers["x-tile-cache"] == "miss"
    again = await get_tile(client, SITES_FROM_ZOOM, x, y)
    assert again.headers["x-tile-cache"] == "hit"
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    # Another filter is another tile.
    other = await get_tile(client, SITES_FROM_ZOOM, x, y, q="dien")
    assert other.headers["x-tile-cache"] == "miss"
    # A title edit touches no site, yet the tile shows titles.
    edited = await client.patch(
        f"/v1/vacancies/{posted['id']}",
        json={"title": "Thợ điện công nghiệp"},
        headers={**actors.a, "If-Match": "*"},
    )
    assert edited.status_code == 200, edited.text
    renamed = await get_tile(client, SITES_FROM_ZOOM, x, y)
    assert renamed.headers["x-tile-cache"] == "miss"
    assert [f["properties"]["title"] for f in features(renamed)] == ["Thợ điện công nghiệp"]
    # A vacancy published in the tile is there at once.
    await post(client, actors.a, title="Thợ hàn", sites=at_city(0.001))
    assert len(features(await get_tile(client, SITES_FROM_ZOOM, x, y))) == 2
    # An employer renamed: its name is on the sites.
    await client.patch(
        f"/v1/employers/{actors.employer_a.id}",
        json={"name": "Điện cơ Sông Tiền"},
        headers=actors.department,
    )
    shown = {f["properties"]["employer"] for f in features(await get_tile(client, 16, x, y))}
    assert shown == {"Điện cơ Sông Tiền"}


async def test_a_kept_tile_is_drawn_again_when_a_site_in_it_expires(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await post(client, actors.a, title="Còn hạn lâu")
    # Expiring first: the next expiry of the map until it passes.
    in_two_days = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    soon = await post(
        client, actors.a, title="Sắp hết hạn", sites=at_city(0.001), valid_through=in_two_days
    )
    x, y = tile_of(LON, LAT, 10)
    assert sum(c[2] for c in clusters_of(await get_tile(client, 10, x, y))) == 2
    assert (await get_tile(client, 10, x, y)).headers["x-tile-cache"] == "hit"
    # Expiry is no write: with the map version left alone (its triggers off for this
    # transaction), the next expiry alone must tell the kept tile is out of date.
    for table in ("vacancy", "vacancy_site", "employer"):
        for operation in ("insert", "update", "delete"):
            await session.execute(
                text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_map_version_{operation}")
            )
    await session.execute(
        text(
            "UPDATE vacancy_site SET valid_through = now() - interval '1 minute' "
            "WHERE vacancy_id = :id"
        ),
        {"id": soon["id"]},
    )
    expired = await get_tile(client, 10, x, y)
    assert expired.headers["x-tile-cache"] == "miss"
    assert sum(c[2] for c in clusters_of(expired)) == 1


def test_the_cache_keeps_to_its_memory() -> None:
    cache = TileCache(max_bytes=10)
    state: MapState = (1, None)
    cache.put(("a",), KeptTile(state, b"12345", '"a"'))
    cache.put(("b",), KeptTile(state, b"12345", '"b"'))
    assert cache.get(("a",), state) is not None  # a is now the most recently used
    cache.put(("c",), KeptTile(state, b"123", '"c"'))  # over 10 bytes: b goes
    assert cache.get(("b",), state) is None
    assert cache.get(("a",), state) is not None
    assert cache.get(("a",), (2, None)) is None  # another map state
    cache.put(("big",), KeptTile(state, b"x" * 11, '"big"'))  # larger than the whole cache
    assert cache.get(("big",), state) is None
