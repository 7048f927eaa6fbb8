"""Tiles of the plain layer are answered (and drawn when not kept) before routing, exactly as
the route answers them; filtered, keyed, site-level and invalid requests go on to the route."""

from __future__ import annotations

import mapbox_vector_tile
from fastapi import FastAPI
from httpx import AsyncClient

from app.errors import ServiceUnavailableError
from app.tiles.cache import TileCache, tile_key
from app.tiles.fast_path import UNFILTERED
from app.tiles.grid import Tile
from app.tiles.router import tile_filters
from tests.factories import CITY_CENTRE, Actors
from tests.factories import post_vacancy as post
from tests.tiles.test_tiles import tile_of

LON, LAT = CITY_CENTRE
Z = 12
X, Y = tile_of(LON, LAT, Z)
URL = f"/v1/tiles/vacancies/{Z}/{X}/{Y}.mvt"


def route_out_of_order(app: FastAPI) -> None:
    """From here on, a request that reaches the route fails with 503."""

    async def broken() -> None:
        raise ServiceUnavailableError("the route was reached")

    app.dependency_overrides[tile_filters] = broken


async def test_the_route_keeps_plain_tiles_where_the_fast_path_looks(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    await post(client, actors.a)
    assert (await client.get(URL)).headers["x-tile-cache"] == "miss"
    tiles: TileCache = app.state.tile_cache
    state = await app.state.map_states.current()
    assert tiles.get(tile_key(Tile(Z, X, Y), UNFILTERED, 16), state) is not None


async def test_a_kept_tile_is_answered_without_the_route(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    await post(client, actors.a)
    drawn = await client.get(URL)
    route_out_of_order(app)
    kept = await client.get(URL)
    assert kept.status_code == 200
    assert kept.content == drawn.content
    assert kept.headers["etag"] == drawn.headers["etag"]
    assert kept.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert kept.headers["cache-control"] == drawn.headers["cache-control"]
    assert kept.headers["x-tile-cache"] == "hit"
    assert kept.headers["x-request-id"]  # still inside the request-id middleware
    revalidated = await client.get(URL, headers={"If-None-Match": drawn.headers["etag"]})
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    # An empty tile is kept too, and stays a 204.
    empty = "/v1/tiles/vacancies/12/0/0.mvt"
    app.dependency_overrides.pop(tile_filters)
    assert (await client.get(empty)).status_code == 204
    route_out_of_order(app)
    again = await client.get(empty)
    assert again.status_code == 204
    assert again.headers["x-tile-cache"] == "hit"


async def test_filters_keys_and_new_data_go_to_the_route(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    await post(client, actors.a)
    await client.get(URL)
    route_out_of_order(app)
    assert (await client.get(URL, params={"employment_type": "full_time"})).status_code == 503
    # A key is checked by the route even when the tile is kept: a revoked one is refused.
    assert (await client.get(URL, headers=actors.revoked)).status_code == 401
    assert (await client.get(f"{URL}?")).status_code == 200  # an empty query is no filter
    # Tiles of single sites (from zoom 16) and tiles outside the grid are the route's.
    x, y = tile_of(LON, LAT, 16)
    assert (await client.get(f"/v1/tiles/vacancies/16/{x}/{y}.mvt")).status_code == 503
    assert (await client.get("/v1/tiles/vacancies/12/4096/0.mvt")).status_code == 503


async def test_after_a_write_the_fast_path_draws_the_tile_again(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    await post(client, actors.a)
    before = await client.get(URL)
    route_out_of_order(app)
    assert (await client.get(URL)).headers["x-tile-cache"] == "hit"
    app.dependency_overrides.pop(tile_filters)
    await post(client, actors.b, title="Thợ hàn")  # at the same place: one cluster of two
    route_out_of_order(app)
    after = await client.get(URL)
    assert after.status_code == 200
    assert after.headers["x-tile-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]
    (cluster,) = mapbox_vector_tile.decode(after.content)["vacancies"]["features"]
    assert cluster["properties"]["count"] == 2
