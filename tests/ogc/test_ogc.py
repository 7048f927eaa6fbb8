"""OGC API - Features at /ogc: the documents a client walks, items with every filter and
paging, single features, and 400/404 for what the standard says."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import CITY_CENTRE, Actors
from tests.factories import post_vacancy as post
from tests.problems import assert_problem

LON, LAT = CITY_CENTRE
ITEMS = "/ogc/collections/vacancies/items"
AREAS = "/ogc/collections/areas/items"


def geojson(response: Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = response.json()
    return body


def link(document: dict[str, Any], rel: str) -> str | None:
    hrefs = [item["href"] for item in document["links"] if item["rel"] == rel]
    assert len(hrefs) <= 1
    return hrefs[0] if hrefs else None


async def all_pages(client: AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every feature, following `next` links as a client would."""
    page = geojson(await client.get(url, params=params))
    found = list(page["features"])
    while (following := link(page, "next")) is not None:
        assert following.startswith("http://test/ogc/")  # absolute: GDAL 3.6 needs it
        page = geojson(await client.get(following))
        found += page["features"]
    return found


def site(lon: float, lat: float, positions: int = 1) -> dict[str, Any]:
    return {"positions": positions, "coordinates": {"lon": lon, "lat": lat}}


@pytest.fixture
async def posted(client: AsyncClient, actors: Actors) -> dict[str, Any]:
    """Three vacancies of employer A (five sites) and one of employer B."""
    accountant = await post(
        client, actors.a, title="Kế toán kho", sites=[site(LON, LAT, 2), site(LON + 0.01, LAT)]
    )
    driver = await post(
        client,
        actors.a,
        title="Tài xế xe tải",
        occupation_code="83",
        employment_type="part_time",
        sites=[site(106.0765, 10.2636), site(106.0671, 10.2225)],  # Phú Phụng, Nhơn Phú
    )
    seller = await post(client, actors.a, title="Nhân viên bán hàng", occupation_code="52")
    other = await post(client, actors.b, title="Công nhân chế biến")
    return {"accountant": accountant, "driver": driver, "seller": seller, "other": other}


async def public_site_ids(session: AsyncSession, employer_id: Any) -> set[int]:
    rows = await session.scalars(
        text(
            "SELECT id FROM vacancy_site WHERE public AND valid_through > now() "
            "AND employer_id = :employer"
        ),
        {"employer": employer_id},
    )
    return set(rows)


async def test_landing_page_links_every_part_absolutely(client: AsyncClient) -> None:
    response = await client.get("/ogc")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    rels = {item["rel"]: item["href"] for item in page["links"]}
    assert rels["conformance"] == "http://test/ogc/conformance"
    assert rels["data"] == "http://test/ogc/collections"
    assert rels["service-desc"] == "http://test/ogc/api"
    conformance = (await client.get(rels["conformance"])).json()
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance["conformsTo"]
    )
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
        in (conformance["conformsTo"])
    )


async def test_api_definition_has_the_paths_relative_to_ogc(client: AsyncClient) -> None:
    response = await client.get("/ogc/api")
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["servers"] == [{"url": "http://test/ogc"}]
    items = document["paths"]["/collections/vacancies/items"]["get"]
    names = {param["name"] for param in items["parameters"]}
    # GDAL sends `-where` equalities as these parameters, and counts with resultType=hits.
    assert {"bbox", "limit", "datetime", "employment_type", "employer_id", "resultType"} <= names
    assert not any(path.startswith("/v1") for path in document["paths"])
    asked = await client.get(
        "/ogc/api", headers={"Accept": "application/vnd.oai.openapi+json;version=3.1"}
    )
    assert asked.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.1"


@pytest.mark.usefixtures("posted")
async def test_collections_describe_extent_and_links(client: AsyncClient) -> None:
    body = (await client.get("/ogc/collections")).json()
    by_id = {item["id"]: item for item in body["collections"]}
    assert set(by_id) == {"vacancies", "areas"}
    vacancies = by_id["vacancies"]
    west, south, east, north = vacancies["extent"]["spatial"]["bbox"][0]
    assert west < LON < east
    assert south < LAT < north
    start, end = vacancies["extent"]["temporal"]["interval"][0]
    assert start is not None
    assert end is not None
    assert start < end
    assert vacancies["itemType"] == "feature"
    items_link = next(item for item in vacancies["links"] if item["rel"] == "items")
    assert items_link == {
        "href": "http://test/ogc/collections/vacancies/items",
        "rel": "items",
        "type": "application/geo+json",
        "title": "The features",
    }
    # Units of unknown start (before 2025) leave the areas' interval open at the start.
    assert by_id["areas"]["extent"]["temporal"]["interval"] == [[None, None]]
    one = (await client.get("/ogc/collections/areas")).json()
    assert one["id"] == "areas"
    assert one["extent"] == by_id["areas"]["extent"]


async def test_items_are_the_public_sites_with_their_properties(
    client: AsyncClient, posted: dict[str, Any], actors: Actors, session: AsyncSession
) -> None:
    body = geojson(await client.get(ITEMS, params={"employer_id": str(actors.employer_a.id)}))
    ids = {feature["id"] for feature in body["features"]}
    assert ids == await public_site_ids(session, actors.employer_a.id)
    assert body["numberMatched"] == body["numberReturned"] == 5
    accountant = posted["accountant"]
    first = next(f for f in body["features"] if f["properties"]["vacancy_id"] == accountant["id"])
    assert first["geometry"]["type"] == "Point"
    properties = first["properties"]
    assert properties["title"] == "Kế toán kho"
    assert properties["employer"] == actors.employer_a.name
    assert properties["occupation_group"] == "2"
    assert properties["employment_type"] == "full_time"
    assert properties["commune_code"] == "29551"
    # No contact details or any person's data in a public collection.
    assert not {"contact_name", "contact_phone", "contact_email"} & set(properties)
    assert body["timeStamp"].endswith("Z")


async def test_closed_and_unverified_vacancies_are_not_items(
    client: AsyncClient, posted: dict[str, Any], actors: Actors
) -> None:
    await post(client, actors.unverified_key, title="Chưa duyệt")
    closed = posted["seller"]
    response = await client.post(
        f"/v1/vacancies/{closed['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert response.status_code == 200, response.text
    titles = {f["properties"]["title"] for f in await all_pages(client, ITEMS)}
    assert "Nhân viên bán hàng" not in titles
    assert "Chưa duyệt" not in titles
    assert "Kế toán kho" in titles
    site_id = closed["sites"][0]["id"]
    assert_problem(await client.get(f"{ITEMS}/{site_id}"), 404)


@pytest.mark.usefixtures("posted")
async def test_paging_by_next_links_returns_every_site_once(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    found = await all_pages(client, ITEMS, limit=2, employer_id=str(actors.employer_a.id))
    ids = [feature["id"] for feature in found]
    assert len(ids) == len(set(ids)) == 5
    assert set(ids) == await public_site_ids(session, actors.employer_a.id)
    assert ids == sorted(ids)
    last = geojson(
        await client.get(ITEMS, params={"limit": 5, "employer_id": str(actors.employer_a.id)})
    )
    assert link(last, "next") is None  # exactly one page: no empty page after it


@pytest.mark.usefixtures("posted")
async def test_bbox_selects_sites_inside_edges_included(
    client: AsyncClient, actors: Actors
) -> None:
    mine = str(actors.employer_a.id)
    # The accountant's first site and the seller's lie exactly on the box's west edge.
    box = f"{LON},{LAT - 0.001},{LON + 0.005},{LAT + 0.001}"
    inside = geojson(await client.get(ITEMS, params={"bbox": box, "employer_id": mine}))
    assert [f["geometry"]["coordinates"] for f in inside["features"]] == [[LON, LAT]] * 2
    # Six numbers (with heights) are read as the same box.
    six = f"{LON},{LAT - 0.001},0,{LON + 0.005},{LAT + 0.001},100"
    same = geojson(await client.get(ITEMS, params={"bbox": six, "employer_id": mine}))
    assert same["features"] == inside["features"]
    # A micro-degree past the edge is out (the index alone compares single-precision boxes).
    past = f"{LON - 0.005},{LAT - 0.001},{LON - 0.000001},{LAT + 0.001}"
    beyond = geojson(await client.get(ITEMS, params={"bbox": past, "employer_id": mine}))
    assert beyond["numberMatched"] == 0
    # A box across the antimeridian (west > east) covers both ends of the world.
    across = geojson(await client.get(ITEMS, params={"bbox": "100,0,-170,20", "employer_id": mine}))
    assert across["numberMatched"] == 5
    away = geojson(await client.get(ITEMS, params={"bbox": "170,0,-170,20", "employer_id": mine}))
    assert away["numberMatched"] == 0
    assert away["features"] == []


@pytest.mark.usefixtures("posted")
async def test_property_filters_and_hits(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    mine = {"employer_id": str(actors.employer_a.id)}
    part_time = geojson(await client.get(ITEMS, params={**mine, "employment_type": "part_time"}))
    assert {f["properties"]["title"] for f in part_time["features"]} == {"Tài xế xe tải"}
    assert part_time["numberMatched"] == 2
    group = geojson(await client.get(ITEMS, params={**mine, "occupation_group": "5"}))
    assert [f["properties"]["title"] for f in group["features"]] == ["Nhân viên bán hàng"]
    code = geojson(await client.get(ITEMS, params={**mine, "occupation_code": "83"}))
    assert code["numberMatched"] == 2
    hits = geojson(await client.get(ITEMS, params={**mine, "resultType": "hits"}))
    assert hits["numberMatched"] == 5
    assert hits["numberReturned"] == 0
    assert hits["features"] == []
    commune = geojson(
        await client.get(ITEMS, params={**mine, "commune_code": "29551", "resultType": "hits"})
    )
    in_commune = await session.scalar(
        text("SELECT count(*) FROM vacancy_site WHERE employer_id = :e AND commune_code = '29551'"),
        {"e": actors.employer_a.id},
    )
    assert commune["numberMatched"] == in_commune >= 2  # not the driver's, in other communes


async def test_datetime_selects_sites_active_then(
    client: AsyncClient, posted: dict[str, Any], actors: Actors
) -> None:
    mine = {"employer_id": str(actors.employer_a.id), "resultType": "hits"}

    async def matched(value: str) -> int:
        number: int = geojson(await client.get(ITEMS, params={**mine, "datetime": value}))[
            "numberMatched"
        ]
        return number

    assert await matched("2020-01-01T00:00:00Z") == 0  # before any was published
    assert await matched("2020-01-01T00:00:00Z/..") == 5
    assert await matched("../2020-01-01") == 0
    assert await matched("2099-01-01T00:00:00+07:00") == 0  # after every one expired
    valid_through = posted["accountant"]["valid_through"]
    # Valid through that moment: the interval ending there still meets it.
    assert await matched(f"{valid_through.replace('+00:00', 'Z')}/..") >= 2


async def test_areas_by_date_level_and_parent(client: AsyncClient) -> None:
    async def matched(**params: Any) -> int:
        body = geojson(await client.get(AREAS, params={**params, "resultType": "hits"}))
        number: int = body["numberMatched"]
        return number

    assert await matched(datetime="2025-07-01", level="commune") == 124
    assert await matched(datetime="2025-06-30", level="district") == 8
    # A day's instants in Vietnam's time zone: 2025-06-30T17:00Z is 00:00 on 1 July there.
    assert await matched(datetime="2025-06-30T17:00:00Z", level="district") == 0
    assert await matched(datetime="2025-06-30T16:59:59Z", level="district") == 8
    # Over the change, both.
    assert await matched(datetime="2025-06-01/2025-08-01", level="province") == 2
    assert await matched(level="province") == 2  # no datetime: every version
    assert await matched(datetime="2025-07-01", parent_code="86") == 124
    city = geojson(await client.get(AREAS, params={"code": "29551", "datetime": "2026-01-01"}))
    (feature,) = city["features"]
    assert feature["properties"]["name"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    # A box around the city centre meets its commune and the province.
    box = f"{LON - 0.001},{LAT - 0.001},{LON + 0.001},{LAT + 0.001}"
    around = geojson(await client.get(AREAS, params={"bbox": box, "datetime": "2026-01-01"}))
    codes = {f["properties"]["code"] for f in around["features"]}
    assert {"29551", "86"} <= codes
    one = geojson(await client.get(f"{AREAS}/{feature['id']}"))
    assert one["properties"]["code"] == "29551"
    assert link(one, "self") == f"http://test{AREAS}/{feature['id']}"


async def test_single_feature_with_links(client: AsyncClient, posted: dict[str, Any]) -> None:
    site_id = posted["driver"]["sites"][1]["id"]
    response = await client.get(f"{ITEMS}/{site_id}")
    feature = geojson(response)
    assert feature["id"] == site_id
    assert feature["properties"]["title"] == "Tài xế xe tải"
    assert link(feature, "collection") == "http://test/ogc/collections/vacancies"
    again = await client.get(
        f"{ITEMS}/{site_id}", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_limit_above_the_maximum_is_the_maximum(client: AsyncClient) -> None:
    body = geojson(await client.get(AREAS, params={"limit": 10**12}))
    assert body["numberReturned"] == min(1000, body["numberMatched"])


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (ITEMS, {"limit": "0"}, "query.limit"),
        (ITEMS, {"limit": "-5"}, "query.limit"),
        (ITEMS, {"limit": "ten"}, "query.limit"),
        (ITEMS, {"bbox": "1,2,3"}, "query.bbox"),
        (ITEMS, {"bbox": "105,10,106,nan"}, "query.bbox"),
        (ITEMS, {"bbox": "105,11,106,10"}, "query.bbox"),
        (ITEMS, {"bbox": "105,10,181,11"}, "query.bbox"),
        (ITEMS, {"bbox": "10,105,11,106"}, "query.bbox"),  # lat,lon order
        (ITEMS, {"datetime": "yesterday"}, "query.datetime"),
        (ITEMS, {"datetime": "2026-01-01T00:00:00"}, "query.datetime"),  # no time zone
        (ITEMS, {"datetime": "2026-02-30"}, "query.datetime"),
        (ITEMS, {"datetime": "../.."}, "query.datetime"),
        (ITEMS, {"datetime": "2026-02-01/2026-01-01"}, "query.datetime"),
        (ITEMS, {"cursor": "not-a-cursor"}, "query.cursor"),
        (ITEMS, {"cursor": "eyJhIjoiMSd9"}, "query.cursor"),  # {"a":"1'} tampered
        (ITEMS, {"employment_type": "slave"}, "query.employment_type"),
        (ITEMS, {"commune_code": "1' OR '1'='1"}, "query.commune_code"),
        (ITEMS, {"employer_id": "42"}, "query.employer_id"),
        (ITEMS, {"resultType": "everything"}, "query.resultType"),
        (ITEMS, {"f": "html"}, "query.f"),
        (ITEMS, {"employment": "full_time"}, "query.employment"),  # misspelt filter
        (ITEMS, {"q": "ke toan"}, "query.q"),
        (AREAS, {"level": "country"}, "query.level"),
        (AREAS, {"employer_id": "x"}, "query.employer_id"),  # another collection's filter
        ("/ogc/collections", {"bbox": "1,2,3,4"}, "query.bbox"),
        ("/ogc", {"f": "xml"}, "query.f"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    client: AsyncClient, url: str, params: dict[str, str], field: str
) -> None:
    assert_problem(await client.get(url, params=params), 400, field)


async def test_unknown_collections_and_features_are_404(client: AsyncClient) -> None:
    for url in (
        "/ogc/collections/jobs",
        "/ogc/collections/jobs/items",
        "/ogc/collections/jobs/items/1",
        "/ogc/collections/jobs/queryables",
        f"{ITEMS}/999999999",
        f"{ITEMS}/abc",
        f"{ITEMS}/99999999999999999999",
        f"{AREAS}/0",
    ):
        assert_problem(await client.get(url), 404)


async def test_queryables_match_the_filters_the_items_take(client: AsyncClient) -> None:
    response = await client.get("/ogc/collections/vacancies/queryables")
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["additionalProperties"] is False
    filters = set(schema["properties"]) - {"geometry"}
    document = (await client.get("/ogc/api")).json()
    items = document["paths"]["/collections/vacancies/items"]["get"]
    assert filters <= {param["name"] for param in items["parameters"]}
    employment = schema["properties"]["employment_type"]["enum"]
    assert "full_time" in employment
