"""Programmes: created and replaced whole by PUT, read back with the communes that followed an
old district, listed, audited; and every way a programme can be refused."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.areas.service import load_areas
from tests.conftest import ADMIN_DATA
from tests.factories import Actors
from tests.problems import assert_problem

# The communes of 2025 lying mostly inside the old district of Vũng Liêm (859), by overlay of
# the shipped boundaries: their largest share lies in it, and it is over one half.
VUNG_LIEM_FOLLOWERS = {"29659", "29668", "29677", "29683", "29698", "29701", "29713"}


def pilot(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Đề án giải quyết việc làm, giảm nghèo tại huyện Vũng Liêm giai đoạn 2024-2026",
        "period_from": "2024-01-01",
        "period_to": "2026-12-31",
        "areas": ["859"],
        "targets": [
            {"indicator": "new_jobs", "target": 6000},
            {"indicator": "new_jobs", "year": 2024, "target": 1800},
            {"indicator": "sent_abroad", "target": 450},
        ],
    }
    return {**body, **overrides}


async def test_put_creates_replaces_and_reads(client: AsyncClient, actors: Actors) -> None:
    created = await client.put(
        "/v1/programmes/vung-liem-2024-2026", json=pilot(), headers=actors.department
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["code"] == "vung-liem-2024-2026"
    assert (body["period_from"], body["period_to"]) == ("2024-01-01", "2026-12-31")
    [district] = body["areas"]
    assert (district["code"], district["level"], district["valid_to"]) == (
        "859",
        "district",
        "2025-07-01",
    )
    followers = district["followed_by"]
    assert {f["code"] for f in followers} == VUNG_LIEM_FOLLOWERS
    assert all(f["valid_from"] == "2025-07-01" and 0.5 < f["share"] <= 1 for f in followers)
    assert [(t["indicator"], t["year"], t["target"]) for t in body["targets"]] == [
        ("new_jobs", None, 6000),
        ("new_jobs", 2024, 1800),
        ("sent_abroad", None, 450),
    ]

    again = await client.put(
        "/v1/programmes/vung-liem-2024-2026", json=pilot(), headers=actors.department
    )
    assert again.status_code == 200
    assert again.json() == body  # unchanged: not even updated_at moves

    replaced = await client.put(
        "/v1/programmes/vung-liem-2024-2026",
        json=pilot(
            areas=["29701", "29713"],
            period_from="2025-07-01",
            targets=[{"indicator": "new_jobs", "year": 2026, "target": 2200}],
            note="Điều chỉnh",
        ),
        headers=actors.admin,
    )
    assert replaced.status_code == 200, replaced.text
    read = await client.get("/v1/programmes/vung-liem-2024-2026", headers=actors.department)
    assert read.status_code == 200
    assert read.json() == replaced.json()
    assert [a["code"] for a in read.json()["areas"]] == ["29701", "29713"]
    assert [a["followed_by"] for a in read.json()["areas"]] == [[], []]
    assert read.json()["targets"] == [{"indicator": "new_jobs", "year": 2026, "target": 2200}]
    assert read.json()["note"] == "Điều chỉnh"

    trail = await client.get(
        "/v1/audit",
        params={"entity_type": "programme", "entity_id": "vung-liem-2024-2026"},
        headers=actors.admin,
    )
    events = trail.json()["items"]
    assert len(events) == 2  # created, replaced; the unchanged PUT wrote nothing
    assert events[0]["before"]["targets"][0] == {
        "indicator": "new_jobs",
        "year": None,
        "target": "6000",
    }
    assert events[0]["after"]["period_from"] == "2025-07-01"
    assert events[1]["before"] is None


async def test_the_province_and_a_list(client: AsyncClient, actors: Actors) -> None:
    term = {
        "name": "Nhiệm kỳ 2021-2025",
        "period_from": "2021-01-01",
        "period_to": "2025-12-31",
        "targets": [{"indicator": "new_jobs", "target": 100_000}],
    }
    for code in ("term-2021-2025", "a-pilot", "z-pilot"):
        response = await client.put(f"/v1/programmes/{code}", json=term, headers=actors.department)
        assert response.status_code == 201, response.text
        assert response.json()["areas"] == []
    first = await client.get("/v1/programmes", params={"limit": 2}, headers=actors.department)
    assert first.status_code == 200
    assert [p["code"] for p in first.json()["items"]] == ["a-pilot", "term-2021-2025"]
    rest = await client.get(
        "/v1/programmes",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=actors.department,
    )
    assert [p["code"] for p in rest.json()["items"]] == ["z-pilot"]
    assert rest.json()["next_cursor"] is None
    for forged in (cursors.encode({"c": "' OR 1=1 --"}), cursors.encode({"c": 1}), "!!"):
        response = await client.get(
            "/v1/programmes", params={"cursor": forged}, headers=actors.department
        )
        assert_problem(response, 422, "query.cursor")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"areas": ["99999"]}, "body.areas.0"),
        ({"areas": ["859", "859"]}, "body.areas.1"),
        # A commune of 2025 in a period that ends before it began.
        ({"areas": ["28756"], "period_to": "2025-06-30"}, "body.areas.0"),
        ({"areas": ["859'; DROP TABLE area; --"]}, "body.areas.0"),
        ({"targets": [{"indicator": "jobs_created", "target": 1}]}, "body.targets.0.indicator"),
        (
            {"targets": [{"indicator": "trained_labour_ratio", "target": 70}]},
            "body.targets.0.indicator",
        ),
        ({"period_from": "2027-01-01"}, "body.period_to"),
        ({"period_from": "2024-02-30"}, "body.period_from"),
        ({"period_to": "1999-12-31", "period_from": "1999-01-01"}, "body.period_from"),
        ({"period_from": "2000-01-01", "period_to": "2024-12-31"}, "body.period_to"),
        (
            {"targets": [{"indicator": "new_jobs", "year": 2027, "target": 5}]},
            "body.targets.0.year",
        ),
        (
            {"targets": [{"indicator": "new_jobs", "year": 2023, "target": 5}]},
            "body.targets.0.year",
        ),
        ({"targets": [{"indicator": "new_jobs", "target": -1}]}, "body.targets.0.target"),
        ({"targets": [{"indicator": "new_jobs", "target": 10.5}]}, "body.targets.0.target"),
        (
            {
                "targets": [
                    {"indicator": "new_jobs", "year": 2025, "target": 5},
                    {"indicator": "new_jobs", "year": 2025, "target": 6},
                ]
            },
            "body.targets.1",
        ),
        ({"targets": []}, "body.targets"),
        # Wrong types.
        ({"period_from": 20240101}, "body.period_from"),
        ({"areas": "859"}, "body.areas"),
        ({"targets": [{"indicator": "new_jobs", "target": "many"}]}, "body.targets.0.target"),
        (
            {"targets": [{"indicator": "new_jobs", "year": "last", "target": 1}]},
            "body.targets.0.year",
        ),
        ({"name": ""}, "body.name"),
        ({"name": None}, "body.name"),
        ({"colour": "red"}, "body.colour"),
    ],
)
async def test_refused_programmes_write_nothing(
    client: AsyncClient, actors: Actors, session: AsyncSession, change: dict[str, Any], field: str
) -> None:
    response = await client.put(
        "/v1/programmes/refused", json=pilot(**change), headers=actors.department
    )
    assert_problem(response, 422, field)
    for table in ("programme", "programme_area", "programme_target"):
        assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == 0  # noqa: S608
    missing = await client.get("/v1/programmes/refused", headers=actors.department)
    assert_problem(missing, 404)


async def test_a_refused_replacement_leaves_the_programme_whole(
    client: AsyncClient, actors: Actors
) -> None:
    put = await client.put("/v1/programmes/pilot", json=pilot(), headers=actors.department)
    assert put.status_code == 201
    bad = pilot(
        areas=["859", "99998"],
        targets=[{"indicator": "new_jobs", "target": 1}, {"indicator": "x", "target": 1}],
    )
    refused = await client.put("/v1/programmes/pilot", json=bad, headers=actors.department)
    body = assert_problem(refused, 422, "body.targets.1.indicator", "body.areas.1")
    assert len(body["errors"]) == 2  # every fault named at once, not the first only
    read = await client.get("/v1/programmes/pilot", headers=actors.department)
    assert read.json() == put.json()


@pytest.mark.parametrize(
    "code", ["Vung-Liem", "-pilot", "pilot'; DROP TABLE programme; --", "x" * 65, "a b"]
)
async def test_codes_outside_the_pattern(client: AsyncClient, actors: Actors, code: str) -> None:
    put = await client.put(f"/v1/programmes/{code}", json=pilot(), headers=actors.department)
    assert_problem(put, 422, "path.code")
    read = await client.get(f"/v1/programmes/{code}", headers=actors.department)
    assert_problem(read, 422, "path.code")
    progress = await client.get(f"/v1/stats/programmes/{code}", headers=actors.department)
    assert_problem(progress, 422, "path.code")


async def test_keys_and_roles(client: AsyncClient, actors: Actors) -> None:
    await client.put("/v1/programmes/pilot", json=pilot(), headers=actors.department)
    for method, path in [
        ("PUT", "/v1/programmes/pilot"),
        ("GET", "/v1/programmes/pilot"),
        ("GET", "/v1/programmes"),
        ("GET", "/v1/stats/programmes/pilot"),
    ]:
        body = pilot() if method == "PUT" else None
        anonymous = await client.request(method, path, json=body)
        assert_problem(anonymous, 401)
        employer = await client.request(method, path, json=body, headers=actors.a)
        assert_problem(employer, 403)
    assert_problem(await client.get("/v1/programmes/nothing", headers=actors.admin), 404)
    unknown = await client.get("/v1/stats/programmes/nothing", headers=actors.department)
    assert_problem(unknown, 404)


async def test_succession_is_computed_from_the_boundaries_loaded(session: AsyncSession) -> None:
    def followers_of(district: str) -> Any:
        return session.scalars(
            text(
                "SELECT n.code FROM area_succession s JOIN area o ON o.id = s.predecessor_id "
                "JOIN area n ON n.id = s.successor_id WHERE o.level = 'district' "
                "AND o.code = :code ORDER BY n.code"
            ),
            {"code": district},
        )

    assert set((await followers_of("859")).all()) == VUNG_LIEM_FOLLOWERS
    # 35 of the 124 communes lie mostly in old Vĩnh Long's districts; the rest in old Bến Tre
    # and Trà Vinh, which have no boundaries here.
    assert await session.scalar(text("SELECT count(*) FROM area_succession")) == 35
    assert await session.scalar(text("SELECT jobmap_area_succession()")) == 35
    await session.execute(text("DELETE FROM area_succession"))
    report = await load_areas(session, ADMIN_DATA)  # a reload writes them again
    assert (report.inserted, report.updated, report.successions) == (0, 0, 35)
    assert set((await followers_of("859")).all()) == VUNG_LIEM_FOLLOWERS
