"""The street basemap: vector tiles of the loaded network, decoded and checked by zoom;
ETag/304; 204 and TileJSON without a network; bad tiles."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import http_cache
from app.config import Settings
from app.osm import service
from tests.conftest import Live
from tests.osm.osm_files import WAYS, osm_xml, write
from tests.problems import assert_problem

# The town's middle (tests/osm/osm_files.py).
LON, LAT = 106.002, 10.001


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point (the slippy-map formula)."""
    n = 1 << z
    x = math.floor((lon + 180.0) / 360.0 * n)
    y = math.floor((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def url(z: int) -> str:
    x, y = tile_of(LON, LAT, z)
    return f"/v1/tiles/basemap/{z}/{x}/{y}.mvt"


async def layers(client: AsyncClient, z: int) -> dict[str, list[dict[str, Any]]]:
    response = await client.get(url(z))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    return {name: [f["properties"] for f in layer["features"]] for name, layer in decoded.items()}


@pytest.mark.usefixtures("town")
async def test_high_zoom_tiles_hold_every_named_street(client: AsyncClient) -> None:
    tile = await layers(client, 14)  # the whole town
    roads = {(road["class"], road.get("name")) for road in tile["roads"]}
    assert ("residential", "Đường Một") in roads
    assert ("residential", "Đường Một Chiều") in roads
    assert ("primary", "Cầu Mỹ Thuận") in roads
    assert ("footway", None) in roads
    bridge = next(road for road in tile["roads"] if road.get("name") == "Cầu Mỹ Thuận")
    assert bridge["bridge"] is True
    one_way = next(road for road in tile["roads"] if road.get("name") == "Đường Một Chiều")
    assert one_way["oneway"] == 1
    assert {"kind": "river", "name": "Sông Cổ Chiên"} in tile["water"]
    assert {"kind": "village", "name": "Ấp Phước Hậu"} in tile["places"]


@pytest.mark.usefixtures("town")
async def test_low_zoom_tiles_hold_only_the_main_roads(client: AsyncClient) -> None:
    tile = await layers(client, 10)
    classes = {road["class"] for road in tile["roads"]}
    assert classes == {"motorway", "primary", "ferry"}
    assert "places" not in tile  # a village is not drawn at z10
    tile = await layers(client, 7)
    assert {road["class"] for road in tile["roads"]} == {"motorway"}
    assert "water" not in tile  # rivers from z8


@pytest.mark.usefixtures("town")
async def test_etag_and_304_without_drawing_again(client: AsyncClient) -> None:
    first = await client.get(url(14))
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == http_cache.REFERENCE.cache_control
    again = await client.get(url(14), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    other = await client.get(url(15), headers={"If-None-Match": etag})
    assert other.status_code == 200


async def test_a_reload_changes_the_etags(
    town: object, live: Live, osm_settings: Settings, tmp_path: Path
) -> None:
    """On the app's own engine: the test's transaction would hold the old tables all along
    (the swap waits for readers' transactions to end)."""
    del town
    client = live.client
    before = (await client.get(url(14))).headers["etag"]
    smaller = {key: WAYS[key] for key in (100, 101, 170)}
    await service.load(osm_settings, write(tmp_path, "small.osm", osm_xml(ways=smaller)))
    after = await client.get(url(14), headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before
    roads = mapbox_vector_tile.decode(after.content)["roads"]["features"]
    assert {road["properties"]["name"] for road in roads} == {"Đường Một", "Đường Một Chiều"}


@pytest.mark.usefixtures("town")
async def test_an_empty_tile_is_204(client: AsyncClient) -> None:
    x, y = tile_of(-30.0, 40.0, 14)  # the Atlantic
    response = await client.get(f"/v1/tiles/basemap/14/{x}/{y}.mvt")
    assert response.status_code == 204


@pytest.mark.usefixtures("no_network")
async def test_without_a_network_tiles_are_204_and_tilejson_says_so(client: AsyncClient) -> None:
    assert (await client.get(url(14))).status_code == 204
    document = (await client.get("/v1/tiles/basemap.json")).json()
    assert document["x-loaded"] is False
    assert "jobmap osm load" in document["description"]


@pytest.mark.usefixtures("town")
async def test_tilejson(client: AsyncClient) -> None:
    response = await client.get("/v1/tiles/basemap.json")
    assert response.status_code == 200
    document = response.json()
    assert document["x-loaded"] is True
    assert document["tiles"] == ["http://test/v1/tiles/basemap/{z}/{x}/{y}.mvt"]
    assert document["attribution"] == "© OpenStreetMap contributors"
    assert {layer["id"] for layer in document["vector_layers"]} == {
        "water",
        "landuse",
        "roads",
        "places",
    }
    west, south, east, north = document["bounds"]
    assert west < LON < east
    assert south < LAT < north


@pytest.mark.parametrize(
    ("path", "field"),
    [("/v1/tiles/basemap/23/0/0.mvt", "z"), ("/v1/tiles/basemap/3/8/0.mvt", "x")],
)
async def test_a_tile_outside_the_grid_is_422(client: AsyncClient, path: str, field: str) -> None:
    response = await client.get(path)
    assert_problem(response, 422)
    assert field in response.text


@pytest.mark.usefixtures("no_network")
async def test_a_network_dropped_under_a_tile_is_204(
    client: AsyncClient, session: AsyncSession
) -> None:
    # What a tile sees when the network is dropped between its statements: the load record
    # is there, the tables it draws from are gone.
    await session.execute(text("CREATE SCHEMA osm"))
    await session.execute(text("CREATE TABLE osm.info (loaded_at timestamptz)"))
    await session.execute(text("INSERT INTO osm.info VALUES (now())"))
    assert (await client.get(url(14))).status_code == 204
    # The request's transaction went on: the next request in it answers.
    assert (await client.get("/v1/tiles/basemap.json")).json()["x-loaded"] is True
    assert (await client.get("/v1/areas", params={"level": "commune"})).status_code == 200
