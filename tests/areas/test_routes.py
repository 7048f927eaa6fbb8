"""`/v1/areas`: GeoJSON by date and level, single units with validity, point lookup."""

from __future__ import annotations

import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Area
from tests.problems import assert_problem

PRE_MERGER = "2024-06-01"
POST_MERGER = "2025-07-01"


async def _features(client: AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/areas", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    features: list[dict[str, Any]] = body["features"]
    return features


async def test_communes_today_are_the_124_of_the_merged_province(client: AsyncClient) -> None:
    features = await _features(client, level="commune")
    assert len(features) == 124
    assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    assert {f["properties"]["valid_from"] for f in features} == {POST_MERGER}
    assert {f["properties"]["parent_code"] for f in features} == {"86"}
    assert all(f["id"] == f["properties"]["code"] for f in features)
    lon, lat = features[0]["geometry"]["coordinates"][0][0][0]
    assert 105 < lon < 107  # lon, lat order
    assert 9 < lat < 11


async def test_the_merger_date_is_the_first_day_of_the_new_units(client: AsyncClient) -> None:
    assert len(await _features(client, level="commune", at=POST_MERGER)) == 124
    assert await _features(client, level="district", at=POST_MERGER) == []
    day_before = await _features(client, level="district", at="2025-06-30")
    assert [f["id"] for f in day_before] == ["855", "857", "858", "859", "860", "861", "862", "863"]


async def test_before_the_merger_communes_are_codes_without_boundaries(
    client: AsyncClient,
) -> None:
    communes = await _features(client, level="commune", at=PRE_MERGER)
    assert len(communes) == 102
    assert {f["geometry"] for f in communes} == {None}
    city = await _features(client, level="commune", at=PRE_MERGER, parent="855")
    assert city
    assert {f["properties"]["parent_code"] for f in city} == {"855"}
    assert len(city) < len(communes)


async def test_every_level_without_filter_most_local_first(client: AsyncClient) -> None:
    features = await _features(client, at=PRE_MERGER, geometry="none")
    levels = [f["properties"]["level"] for f in features]
    assert levels == ["commune"] * 102 + ["district"] * 8 + ["province"]


async def test_province_exists_on_both_sides_of_the_merger(client: AsyncClient) -> None:
    (old,) = await _features(client, level="province", at=PRE_MERGER)
    (new,) = await _features(client, level="province", at=POST_MERGER)
    assert old["id"] == new["id"] == "86"
    assert old["properties"]["valid_to"] == POST_MERGER
    assert new["properties"]["valid_from"] == POST_MERGER
    assert old["geometry"]["type"] == "MultiPolygon"


async def test_geometry_modes(client: AsyncClient, session: AsyncSession) -> None:
    points = await _features(client, level="commune", geometry="point")
    assert {f["geometry"]["type"] for f in points} == {"Point"}
    lon, lat = points[0]["geometry"]["coordinates"]
    inside = await session.scalar(
        select(func.ST_Covers(Area.geom, func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326))).where(
            Area.code == points[0]["id"], Area.valid_to.is_(None)
        )
    )
    assert inside is True
    bare = await _features(client, level="commune", geometry="none")
    assert {f["geometry"] for f in bare} == {None}
    assert bare[0]["properties"]["predecessor_codes"]  # source extras are kept


async def test_simplified_boundaries_are_smaller_valid_and_close_to_the_full_ones(
    client: AsyncClient, session: AsyncSession
) -> None:
    full = await client.get("/v1/areas", params={"level": "commune", "geometry": "full"})
    simple = await client.get("/v1/areas", params={"level": "commune", "geometry": "simplified"})
    assert simple.status_code == 200
    assert simple.headers["content-type"] == "application/geo+json"
    # The basemap's reason to exist: well under half the bytes of the full boundaries.
    assert len(simple.content) < 0.4 * len(full.content)
    full_by_code = {f["id"]: f for f in full.json()["features"]}
    features = simple.json()["features"]
    assert [f["id"] for f in features] == list(full_by_code)  # every commune, same order
    for feature in features:
        geometry = feature["geometry"]
        assert geometry["type"] == "MultiPolygon"
        assert feature["properties"] == full_by_code[feature["id"]]["properties"]
        coordinates = [c for polygon in geometry["coordinates"] for ring in polygon for c in ring]
        assert all(round(value, 5) == value for c in coordinates for value in c), "5 decimals"
        # Valid as received (rounding alone made one commune cross itself), not empty, and
        # within the tolerance plus half a grid step of the full boundary.
        valid, empty, off_by = (
            await session.execute(
                select(
                    func.ST_IsValid(shape := func.ST_GeomFromGeoJSON(json.dumps(geometry))),
                    func.ST_IsEmpty(shape),
                    func.ST_HausdorffDistance(
                        shape,
                        func.ST_GeomFromGeoJSON(
                            json.dumps(full_by_code[feature["id"]]["geometry"])
                        ),
                    ),
                )
            )
        ).one()
        assert valid, feature["id"]
        assert not empty, feature["id"]
        assert off_by < 0.00011, feature["id"]
    one = (await client.get(f"/v1/areas/{features[0]['id']}?geometry=simplified")).json()
    assert one["geometry"] == features[0]["geometry"]


async def test_etag_and_not_modified(client: AsyncClient) -> None:
    first = await client.get("/v1/areas", params={"level": "district", "at": PRE_MERGER})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    again = await client.get(
        "/v1/areas",
        params={"level": "district", "at": PRE_MERGER},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304
    assert again.content == b""
    other = await client.get(
        "/v1/areas", params={"level": "province", "at": PRE_MERGER}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200


async def test_large_collections_are_compressed(client: AsyncClient) -> None:
    response = await client.get("/v1/areas", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["features"]) == 125


async def test_one_area_with_its_validity(client: AsyncClient) -> None:
    # 29551 names a commune on both sides of the merger: the date decides which.
    old = (await client.get("/v1/areas/29551", params={"at": PRE_MERGER})).json()
    new = (await client.get("/v1/areas/29551")).json()
    assert old["properties"]["full_name"] == "Phường 1"
    assert old["properties"]["parent_code"] == "855"
    assert old["geometry"] is None
    assert new["properties"]["full_name"] == "Phường Long Châu"
    assert new["properties"]["valid_from"] == POST_MERGER
    assert new["geometry"]["type"] == "MultiPolygon"


async def test_a_dissolved_unit_answers_with_its_last_version(client: AsyncClient) -> None:
    response = await client.get("/v1/areas/859")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["properties"]["full_name"] == "Huyện Vũng Liêm"
    assert body["properties"]["valid_to"] == POST_MERGER
    gone = await client.get("/v1/areas/859", params={"at": "2026-01-01"})
    assert_problem(gone, 404)


async def test_unknown_area_is_404(client: AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/areas/99999"), 404)
    assert "99999" in body["detail"]


# Lookups. Expected units were read off the shipped boundaries.
@pytest.mark.parametrize(
    ("lon", "lat", "at", "expected"),
    [
        (105.9723, 10.2537, None, ["29551", "86"]),  # Vĩnh Long city centre: Long Châu
        (106.3756, 10.2415, None, ["28777", "86"]),  # Bến Tre town (old province 83): An Hội
        (106.3453, 9.9347, None, ["29398", "86"]),  # Trà Vinh town (old province 84): Hoà Thuận
        (105.9723, 10.2537, PRE_MERGER, ["855", "86"]),  # before: district and old province
    ],
)
async def test_lookup_inside_known_units(
    client: AsyncClient, lon: float, lat: float, at: str | None, expected: list[str]
) -> None:
    params: dict[str, str | float] = {"lon": lon, "lat": lat}
    if at:
        params["at"] = at
    response = await client.get("/v1/areas/lookup", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [unit["code"] for unit in body["units"]] == expected
    assert body["units"][0]["level"] == ("district" if at else "commune")
    assert (body["lon"], body["lat"]) == (lon, lat)


async def test_lookup_finds_every_commune_at_its_own_inner_point(
    client: AsyncClient, session: AsyncSession
) -> None:
    rows = await session.execute(
        select(Area.code, func.ST_X(Area.label_point), func.ST_Y(Area.label_point)).where(
            Area.level == "commune", Area.valid_to.is_(None)
        )
    )
    for code, lon, lat in rows:
        response = await client.get("/v1/areas/lookup", params={"lon": lon, "lat": lat})
        assert response.json()["units"][0]["code"] == code


@pytest.mark.parametrize(
    ("lon", "lat", "at"),
    [
        (105.8542, 21.0285, None),  # Hà Nội
        (106.9, 9.5, None),  # the sea off Trà Vinh
        (106.3756, 10.2415, PRE_MERGER),  # Bến Tre was not Vĩnh Long before the merger
    ],
)
async def test_lookup_outside_is_404(
    client: AsyncClient, lon: float, lat: float, at: str | None
) -> None:
    params: dict[str, str | float] = {"lon": lon, "lat": lat}
    if at:
        params["at"] = at
    body = assert_problem(await client.get("/v1/areas/lookup", params=params), 404)
    assert "outside" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("/v1/areas/lookup", {"lon": "abc", "lat": "10"}, ["query.lon"]),
        ("/v1/areas/lookup", {"lon": "181", "lat": "10"}, ["query.lon"]),
        ("/v1/areas/lookup", {"lon": "106", "lat": "-90.5"}, ["query.lat"]),
        ("/v1/areas/lookup", {"lon": "NaN", "lat": "10"}, ["query.lon"]),
        ("/v1/areas/lookup", {"lon": "106", "lat": "Infinity"}, ["query.lat"]),
        ("/v1/areas/lookup", {"lon": "106"}, ["query.lat"]),
        ("/v1/areas/lookup", {"lon": "106", "lat": "10", "at": "2025-13-45"}, ["query.at"]),
        ("/v1/areas", {"level": "city"}, ["query.level"]),
        ("/v1/areas", {"at": "yesterday"}, ["query.at"]),
        ("/v1/areas", {"geometry": "wkt"}, ["query.geometry"]),
        ("/v1/areas", {"parent": "855' OR 1=1 --"}, ["query.parent"]),
        ("/v1/areas", {"parent": "\x00"}, ["query.parent"]),
        ("/v1/areas/abc", {}, ["path.code"]),
        ("/v1/areas/29551", {"at": "0"}, ["query.at"]),
        ("/v1/areas/%FF%FE", {}, ["path.code"]),
    ],
)
async def test_garbage_input_is_422_naming_the_field(
    client: AsyncClient, path: str, params: dict[str, str], fields: list[str]
) -> None:
    assert_problem(await client.get(path, params=params), 422, *fields)


async def test_sql_looking_code_changes_nothing(client: AsyncClient, session: AsyncSession) -> None:
    before = await session.scalar(select(func.count()).select_from(Area))
    response = await client.get("/v1/areas/1;DROP TABLE area")
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert await session.scalar(select(func.count()).select_from(Area)) == before
