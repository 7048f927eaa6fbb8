"""Plans keep every revision; indicator values are entered per period; both are audited."""

from __future__ import annotations

from httpx import AsyncClient

from tests.factories import Actors
from tests.problems import assert_problem


async def test_plan_revisions(client: AsyncClient, actors: Actors) -> None:
    first = [{"indicator": "new_jobs", "target": 20_000}]
    created = await client.put("/v1/plans/2026", json=first, headers=actors.department)
    assert created.status_code == 201, created.text
    assert created.json()["revision"] == 1
    same = await client.put("/v1/plans/2026", json=first, headers=actors.department)
    assert same.status_code == 200
    assert same.json()["revision"] == 1

    revised = await client.put(
        "/v1/plans/2026",
        json={"targets": [{"indicator": "new_jobs", "target": 21_000},
                          {"indicator": "sent_abroad", "target": 1_800}],
              "note": "Điều chỉnh giữa năm"},
        headers=actors.admin,
    )  # fmt: skip
    assert revised.status_code == 201, revised.text
    plan = revised.json()
    assert plan["revision"] == 2
    assert {t["indicator"]: t["target"] for t in plan["targets"]} == {
        "new_jobs": 21_000,
        "sent_abroad": 1_800,
    }
    assert [r["revision"] for r in plan["revisions"]] == [1, 2]
    old = await client.get("/v1/plans/2026", params={"revision": 1}, headers=actors.department)
    assert old.json()["targets"][0]["target"] == 20_000

    trail = await client.get(
        "/v1/audit", params={"entity_type": "plan", "entity_id": "2026"}, headers=actors.admin
    )
    events = trail.json()["items"]
    assert [e["after"]["revision"] for e in events] == [2, 1]
    assert events[0]["before"]["revision"] == 1
    assert events[0]["reason"] == "Điều chỉnh giữa năm"

    assert_problem(await client.get("/v1/plans/2031", headers=actors.department), 404)
    assert_problem(
        await client.get("/v1/plans/2026", params={"revision": 9}, headers=actors.department), 404
    )


async def test_invalid_plans(client: AsyncClient, actors: Actors) -> None:
    url = "/v1/plans/2026"
    assert_problem(await client.put(url, json=[]), 401)
    assert_problem(await client.put(url, json=[], headers=actors.a), 403)
    cases = [
        ([{"indicator": "happiness", "target": 1}], "body.targets.0.indicator"),
        ([{"indicator": "new_jobs", "target": 10.5}], "body.targets.0.target"),
        ([{"indicator": "trained_labour_ratio", "target": 101}], "body.targets.0.target"),
        ([{"indicator": "new_jobs", "target": -1}], "body"),
        ([{"indicator": "new_jobs", "target": 1, "area_code": "857"}],
         "body.targets.0.area_code"),  # no districts in 2026
        ([{"indicator": "new_jobs", "target": 1}, {"indicator": "new_jobs", "target": 2}],
         "body.targets.1"),
    ]  # fmt: skip
    for body, field in cases:
        response = await client.put(url, json=body, headers=actors.department)
        problem = assert_problem(response, 422)
        assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    assert_problem(await client.put("/v1/plans/1999", json=[], headers=actors.department), 422)


async def test_indicator_values(client: AsyncClient, actors: Actors) -> None:
    url = "/v1/indicators/trained_labour_ratio/values/2026-H1"
    created = await client.put(url, json={"value": 68.67}, headers=actors.department)
    assert created.status_code == 201, created.text
    assert (created.json()["period_start"], created.json()["period_end"]) == (
        "2026-01-01",
        "2026-06-30",
    )
    replaced = await client.put(url, json={"value": 68.9}, headers=actors.department)
    assert replaced.status_code == 200
    assert replaced.json()["value"] == 68.9
    listed = await client.get(
        "/v1/indicators/trained_labour_ratio/values", headers=actors.department
    )
    assert [v["value"] for v in listed.json()] == [68.9]
    commune = await client.put(
        "/v1/indicators/trained_labour_ratio/values/2026-Q1",
        params={"area": "28756"},
        json={"value": 55},
        headers=actors.department,
    )
    assert commune.status_code == 201, commune.text
    assert commune.json()["area"]["name"] == "Phú Khương"
    trail = await client.get(
        "/v1/audit", params={"entity_type": "indicator_value"}, headers=actors.department
    )
    assert trail.json()["items"][1]["before"] == {"value": "68.6700", "note": None}

    indicators = (await client.get("/v1/indicators")).json()
    assert {"new_jobs", "sent_abroad", "trained_labour_ratio"} <= {i["code"] for i in indicators}

    for path, body, status in [
        ("/v1/indicators/new_jobs/values/2026", {"value": 5}, 422),
        ("/v1/indicators/nope/values/2026", {"value": 5}, 404),
        ("/v1/indicators/trained_labour_ratio/values/2026-Q5", {"value": 5}, 422),
        ("/v1/indicators/trained_labour_ratio/values/2026-13", {"value": 5}, 422),
        ("/v1/indicators/trained_labour_ratio/values/2026", {"value": 150}, 422),
        ("/v1/indicators/trained_labour_ratio/values/2026", {"value": "NaN"}, 422),
        ("/v1/indicators/trained_labour_ratio/values/2026", {}, 422),
    ]:
        assert_problem(await client.put(path, json=body, headers=actors.department), status)
    assert_problem(await client.put(url, json={"value": 1}, headers=actors.b), 403)
