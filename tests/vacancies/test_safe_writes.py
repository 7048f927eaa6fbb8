"""Safe writes: idempotency keys, the duplicate rule, conditional requests, bulk posting."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Vacancy
from tests.conftest import Live
from tests.factories import CITY_CENTRE, Actors, vacancy_payload
from tests.problems import assert_problem


def at_distance(metres: float) -> dict[str, Any]:
    """A site `metres` due east of the city-centre point (computed on the spheroid)."""
    return {"positions": 1, "coordinates": _east_of_centre[metres]}


_east_of_centre: dict[float, dict[str, float]] = {}


@pytest.fixture
async def offsets(session: AsyncSession) -> None:
    for metres in (99.0, 101.0):
        lon, lat = (
            await session.execute(
                text(
                    "SELECT ST_X(p::geometry), ST_Y(p::geometry) FROM ST_Project("
                    "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :m, radians(90)) p"
                ),
                {"lon": CITY_CENTRE[0], "lat": CITY_CENTRE[1], "m": metres},
            )
        ).one()
        _east_of_centre[metres] = {"lon": lon, "lat": lat}


# Idempotency ------------------------------------------------------------------------------


async def test_same_key_same_body_replays_the_first_response(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    headers = {**actors.a, "Idempotency-Key": "post-1"}
    first = await client.post("/v1/vacancies", json=vacancy_payload(), headers=headers)
    # The same JSON with other key order and spacing is the same request.
    reordered = json.dumps(dict(reversed(list(vacancy_payload().items()))), indent=2)
    second = await client.post(
        "/v1/vacancies", content=reordered, headers={**headers, "Content-Type": "application/json"}
    )
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await session.scalar(select(func.count()).select_from(Vacancy)) == 1


async def test_same_key_other_body_is_422(client: AsyncClient, actors: Actors) -> None:
    headers = {**actors.a, "Idempotency-Key": "post-2"}
    await client.post("/v1/vacancies", json=vacancy_payload(), headers=headers)
    other = await client.post(
        "/v1/vacancies", json=vacancy_payload(title="Thủ kho"), headers=headers
    )
    body = assert_problem(other, 422, "header.Idempotency-Key")
    assert "Idempotency-Key" in body["detail"]


async def test_keys_are_per_employer_and_expire_after_a_day(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = await client.post("/v1/vacancies", json=vacancy_payload(), headers={**actors.a, **key})
    b = await client.post("/v1/vacancies", json=vacancy_payload(), headers={**actors.b, **key})
    assert a.json()["id"] != b.json()["id"]
    await session.execute(
        text("UPDATE idempotency_record SET created_at = now() - interval '25 hours'")
    )
    await session.commit()
    # The key is free again; the duplicate rule now answers for the same vacancy.
    again = await client.post("/v1/vacancies", json=vacancy_payload(), headers={**actors.a, **key})
    assert_problem(again, 409)


@pytest.mark.parametrize("key", ["", "x" * 256, "bad key with spaces", "ключ".encode()])
async def test_malformed_idempotency_keys_are_422(
    client: AsyncClient, actors: Actors, key: str | bytes
) -> None:
    raw = key if isinstance(key, bytes) else key.encode()
    headers = [(name.encode(), value.encode()) for name, value in actors.a.items()]
    headers.append((b"Idempotency-Key", raw))
    response = await client.post("/v1/vacancies", json=vacancy_payload(), headers=headers)
    assert_problem(response, 422)


async def test_failed_requests_are_not_remembered(client: AsyncClient, actors: Actors) -> None:
    headers = {**actors.a, "Idempotency-Key": "retry-after-fix"}
    bad = await client.post(
        "/v1/vacancies", json=vacancy_payload(occupation_code="99"), headers=headers
    )
    assert_problem(bad, 422)
    fixed = await client.post(
        "/v1/vacancies", json=vacancy_payload(occupation_code="99"), headers=headers
    )
    assert_problem(fixed, 422)  # same body, same answer: it ran again, nothing was stored


async def test_concurrent_identical_requests_create_one_row(live: Live) -> None:
    headers = {**live.actors.a, "Idempotency-Key": "race-1"}
    responses = await asyncio.gather(
        *(
            live.client.post("/v1/vacancies", json=vacancy_payload(), headers=headers)
            for _ in range(8)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    async with live.engine.connect() as connection:
        count = await connection.scalar(
            text("SELECT count(*) FROM vacancy WHERE employer_id = :e"),
            {"e": live.actors.employer_a.id},
        )
    assert count == 1


async def test_concurrent_duplicates_without_key_create_one_row(live: Live) -> None:
    responses = await asyncio.gather(
        *(
            live.client.post("/v1/vacancies", json=vacancy_payload(), headers=live.actors.b)
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


# The duplicate rule ---------------------------------------------------------------------------


@pytest.mark.usefixtures("offsets")
async def test_duplicate_within_100_m_is_409_with_a_link(
    client: AsyncClient, actors: Actors
) -> None:
    first = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    near = vacancy_payload(title="  KẾ TOÁN tổng hợp ", sites=[at_distance(99.0)])
    body = assert_problem(await client.post("/v1/vacancies", json=near, headers=actors.a), 409)
    assert body["existing"] == first.headers["location"]
    far = vacancy_payload(sites=[at_distance(101.0)])
    assert (await client.post("/v1/vacancies", json=far, headers=actors.a)).status_code == 201


@pytest.mark.parametrize(
    "overrides",
    [{"occupation_code": "33"}, {"title": "Kế toán kho"}, {"status": "draft"}],
)
async def test_not_a_duplicate(
    client: AsyncClient, actors: Actors, overrides: dict[str, Any]
) -> None:
    await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    response = await client.post(
        "/v1/vacancies", json=vacancy_payload(**overrides), headers=actors.a
    )
    assert response.status_code == 201, response.text


async def test_other_employers_and_closed_vacancies_do_not_count(
    client: AsyncClient, actors: Actors
) -> None:
    first = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    assert (
        await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.b)
    ).status_code == 201
    await client.post(
        f"{first.headers['location']}/close", json={"reason": "filled"}, headers=actors.a
    )
    assert (
        await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    ).status_code == 201


async def test_spelling_variants_are_duplicates(client: AsyncClient, actors: Actors) -> None:
    await client.post(
        "/v1/vacancies", json=vacancy_payload(title="Kĩ thuật viên điện"), headers=actors.a
    )
    again = await client.post(
        "/v1/vacancies", json=vacancy_payload(title="Kỹ thuật viên điện"), headers=actors.a
    )
    assert_problem(again, 409)


# Conditional requests -------------------------------------------------------------------------


async def test_if_match_guards_against_lost_updates(client: AsyncClient, actors: Actors) -> None:
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    url, etag = created.headers["location"], created.headers["etag"]
    assert (await client.get(url)).headers["etag"] == etag
    changed = await client.patch(
        url, json={"title": "Kế toán trưởng"}, headers={**actors.a, "If-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert changed.headers["etag"] != etag
    stale = await client.patch(
        url, json={"title": "Kế toán viên"}, headers={**actors.a, "If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await client.get(url)).json()["title"] == "Kế toán trưởng"
    star = await client.patch(
        url, json={"description": "Mới."}, headers={**actors.a, "If-Match": "*"}
    )
    assert star.status_code == 200


async def test_changing_only_sites_gives_a_new_version(client: AsyncClient, actors: Actors) -> None:
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    url, etag = created.headers["location"], created.headers["etag"]
    moved = await client.patch(
        url,
        json={"sites": [{"positions": 2, "commune_code": "29557"}]},  # same total positions
        headers={**actors.a, "If-Match": etag},
    )
    assert moved.json()["version"] == 2
    assert moved.headers["etag"] != etag
    stale = await client.patch(
        url, json={"description": "Lần hai."}, headers={**actors.a, "If-Match": etag}
    )
    assert_problem(stale, 412)
    unchanged = await client.patch(url, json={}, headers=actors.a)
    assert unchanged.json()["version"] == 2


async def test_concurrent_patches_with_one_etag_let_one_through(live: Live) -> None:
    client, actors = live.client, live.actors
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    url, etag = created.headers["location"], created.headers["etag"]
    responses = await asyncio.gather(
        *(
            client.patch(
                url, json={"description": f"Phiên bản {i}."}, headers={**actors.a, "If-Match": etag}
            )
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * 5


async def test_if_none_match_gives_304(client: AsyncClient, actors: Actors) -> None:
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    url, etag = created.headers["location"], created.headers["etag"]
    cached = await client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""


async def test_patch_updates_fields_and_sites(client: AsyncClient, actors: Actors) -> None:
    created = await client.post("/v1/vacancies", json=vacancy_payload(), headers=actors.a)
    url = created.headers["location"]
    response = await client.patch(
        url,
        json={
            "salary": {"min": 40_000, "period": "hour"},
            "sites": [
                {"positions": 4, "commune_code": "29557"},
                {"positions": 1, "commune_code": "28777"},
            ],
            "industry_code": None,
        },
        headers=actors.a,
    )
    body = response.json()
    assert body["salary"]["monthly_min"] == 8_320_000
    assert body["positions"] == 5
    assert [s["commune"]["code"] for s in body["sites"]] == ["29557", "28777"]
    assert body["industry"] is None
    assert body["title"] == "Kế toán tổng hợp"  # untouched
    bad_patches: list[dict[str, Any]] = [
        {"title": None},
        {"sites": []},
        {"occupation_code": "99"},
        {"status": "draft"},
    ]
    for bad in bad_patches:
        assert_problem(await client.patch(url, json=bad, headers=actors.a), 422)


# Bulk ----------------------------------------------------------------------------------------


async def test_bulk_partial_success(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    items = [
        vacancy_payload(title="Công nhân may"),
        vacancy_payload(title="Công nhân may"),  # duplicate of the first, posted in the same batch
        vacancy_payload(occupation_code="99"),
        {"title": "thiếu trường"},
        vacancy_payload(title="Tài xế xe tải", occupation_code="83"),
    ]
    response = await client.post("/v1/vacancies/bulk", json=items, headers=actors.a)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["conflicts"], body["invalid"]) == (2, 1, 2)
    statuses = [item["status"] for item in body["items"]]
    assert statuses == ["created", "conflict", "invalid", "invalid", "created"]
    assert body["items"][1]["location"] == body["items"][0]["location"]
    assert body["items"][2]["errors"][0]["field"] == "body.2.occupation_code"
    assert any(e["field"].startswith("body.3.") for e in body["items"][3]["errors"])
    assert await session.scalar(select(func.count()).select_from(Vacancy)) == 2


async def test_over_long_external_ref_is_an_item_error(client: AsyncClient, actors: Actors) -> None:
    single = await client.post(
        "/v1/vacancies", json=vacancy_payload(external_ref="X" * 150), headers=actors.a
    )
    assert_problem(single, 422, "body.external_ref")
    items = [
        vacancy_payload(external_ref="HR-1"),
        vacancy_payload(title="Thủ kho", external_ref="X" * 150),
    ]
    body = (await client.post("/v1/vacancies/bulk", json=items, headers=actors.a)).json()
    assert [item["status"] for item in body["items"]] == ["created", "invalid"]


async def test_bulk_ndjson(client: AsyncClient, actors: Actors) -> None:
    lines = "\n".join(
        json.dumps(
            vacancy_payload(external_ref=f"R{i}", title=f"Nhân viên bán hàng {i}"),
            ensure_ascii=False,
        )
        for i in range(3)
    )
    response = await client.post(
        "/v1/vacancies/bulk",
        content=lines.encode(),
        headers={**actors.a, "Content-Type": "application/x-ndjson"},
    )
    assert response.json()["created"] == 3


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"[]", "application/json"),
        (b"{}", "application/json"),
        (b"not json", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"a": 1}\nnot json', "application/x-ndjson"),
    ],
)
async def test_bulk_rejects_bad_bodies(
    client: AsyncClient, actors: Actors, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/v1/vacancies/bulk", content=content, headers={**actors.a, "Content-Type": content_type}
    )
    assert_problem(response, 422)


async def test_bulk_items_that_are_not_objects_reject_the_request(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    response = await client.post(
        "/v1/vacancies/bulk", json=[vacancy_payload(), [None, None], "x"], headers=actors.a
    )
    assert_problem(response, 422, "body.1", "body.2")
    assert await session.scalar(select(func.count()).select_from(Vacancy)) == 0


async def test_bulk_is_limited_to_500(client: AsyncClient, actors: Actors) -> None:
    response = await client.post(
        "/v1/vacancies/bulk", json=[vacancy_payload()] * 501, headers=actors.a
    )
    body = assert_problem(response, 422)
    assert "500" in body["detail"]


async def test_bulk_needs_an_employer_key(client: AsyncClient, actors: Actors) -> None:
    assert_problem(await client.post("/v1/vacancies/bulk", json=[vacancy_payload()]), 401)
    assert_problem(
        await client.post(
            "/v1/vacancies/bulk", json=[vacancy_payload()], headers=actors.department
        ),
        403,
    )
