"""Recording, reading, correcting and voiding placements; filling vacancies; the audit trail."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Placement
from app.placements.persons import normalise_ref, person_hash
from tests.conftest import Live
from tests.factories import Actors
from tests.placements.conftest import BOTH, NEW_ONLY, OLD_ONLY, placement_payload, post_vacancy
from tests.problems import assert_problem

PERSONAL = {"person_ref", "person_hash"}


def _keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_employer_records_a_hire_for_its_vacancy(client: AsyncClient, actors: Actors) -> None:
    vacancy = await post_vacancy(client, actors, positions=3)
    response = await client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=vacancy["id"], channel="job_map"),
        headers=actors.a,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["employer_id"] == str(actors.employer_a.id)
    assert body["occupation_code"] == "24"  # the vacancy's
    assert body["industry_code"] == "14"
    assert body["work_commune"]["code"] == vacancy["sites"][0]["commune"]["code"]
    assert body["person"] == {
        "sex": "female",
        "birth_year": 1999,
        "age": 27,
        "trained": True,
        "residence_commune": {
            "code": NEW_ONLY,
            "name": "Phú Khương",
            "valid_from": "2025-07-01",
            "valid_to": None,
        },
    }
    assert not _keys(body) & PERSONAL
    assert "086201001234" not in response.text
    assert response.headers["location"] == f"/v1/placements/{body['id']}"

    read = await client.get(response.headers["location"], headers=actors.a)
    assert read.json() == body
    assert (await client.get(response.headers["location"], headers=actors.b)).status_code == 404
    assert (await client.get(response.headers["location"], headers=actors.department)).is_success


async def test_the_last_position_closes_the_vacancy_and_no_more_can_be_hired(
    client: AsyncClient, actors: Actors
) -> None:
    vacancy = await post_vacancy(client, actors, positions=2)
    for ref in ("086201000001", "086201000002"):
        response = await client.post(
            "/v1/placements",
            json=placement_payload(vacancy_id=vacancy["id"], person={"person_ref": ref}),
            headers=actors.a,
        )
        assert response.status_code == 201, response.text
    read = (await client.get(f"/v1/vacancies/{vacancy['id']}", headers=actors.a)).json()
    assert (read["status"], read["close_reason"]) == ("closed", "filled")

    extra = await client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=vacancy["id"], person={"person_ref": "086201000003"}),
        headers=actors.department,
    )
    assert_problem(extra, 409)
    assert "2 positions" in extra.json()["detail"]


async def test_who_may_record_what(client: AsyncClient, actors: Actors) -> None:
    vacancy = await post_vacancy(client, actors)
    cases = [
        (actors.anonymous, placement_payload(vacancy_id=vacancy["id"]), 401, ()),
        (actors.a, placement_payload(), 422, ("body.vacancy_id",)),
        (actors.b, placement_payload(vacancy_id=vacancy["id"]), 404, ()),
        (
            actors.a,
            placement_payload(vacancy_id=vacancy["id"], employer_name="Công ty Khác"),
            422,
            ("body.employer_name",),
        ),
        (
            actors.a,
            placement_payload(vacancy_id=vacancy["id"], employer_id=str(actors.employer_b.id)),
            422,
            ("body.employer_id",),
        ),
        (
            actors.department,
            placement_payload(employer_id=str(uuid.uuid4())),
            422,
            ("body.employer_id",),
        ),
        (actors.department, placement_payload(vacancy_id=str(uuid.uuid4())), 404, ()),
    ]
    for headers, payload, status, fields in cases:
        assert_problem(
            await client.post("/v1/placements", json=payload, headers=headers), status, *fields
        )


async def test_a_draft_vacancy_cannot_be_filled(client: AsyncClient, actors: Actors) -> None:
    from tests.factories import vacancy_payload

    draft = await client.post(
        "/v1/vacancies", json=vacancy_payload(status="draft"), headers=actors.a
    )
    assert draft.status_code == 201, draft.text
    response = await client.post(
        "/v1/placements",
        json=placement_payload(vacancy_id=draft.json()["id"]),
        headers=actors.a,
    )
    assert_problem(response, 409)


async def test_the_department_records_placements_without_a_vacancy(
    client: AsyncClient, actors: Actors
) -> None:
    abroad = placement_payload(
        destination="abroad",
        destination_country="jp",
        employer_name="Công ty CP Cung ứng Nhân lực Quốc tế",
        occupation_code="72",
        channel="labour_export",
    )
    response = await client.post("/v1/placements", json=abroad, headers=actors.department)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["destination"], body["destination_country"]) == ("abroad", "JP")
    assert body["work_commune"] is None
    assert body["employer_id"] is None

    domestic = placement_payload(work_commune_code=NEW_ONLY, employer_id=str(actors.employer_b.id))
    response = await client.post("/v1/placements", json=domestic, headers=actors.department)
    assert response.status_code == 201, response.text
    assert response.json()["work_commune"]["code"] == NEW_ONLY
    assert response.json()["destination_country"] is None


async def test_invalid_placements_name_the_field(client: AsyncClient, actors: Actors) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (placement_payload(destination="abroad"), "body"),
        (placement_payload(destination="abroad", destination_country="VN"), "body"),
        (placement_payload(destination_country="JP"), "body"),
        (
            placement_payload(
                destination="abroad", destination_country="KR", work_commune_code=NEW_ONLY
            ),
            "body",
        ),
        (placement_payload(placed_on="2099-01-01"), "body.placed_on"),
        (placement_payload(placed_on="1999-12-31"), "body.placed_on"),
        (placement_payload(placed_on="2026-13-01"), "body.placed_on"),
        (placement_payload(placed_on="1700000000"), "body.placed_on"),
        (placement_payload(person={"birth_year": 2015}), "body.person.birth_year"),
        (placement_payload(person={"birth_year": 1900}), "body.person.birth_year"),
        (placement_payload(person={"person_ref": "12"}), "body.person.person_ref"),
        (placement_payload(person={"sex": "x"}), "body.person.sex"),
        (placement_payload(person={"residence_commune_code": "99999"}),
         "body.person.residence_commune_code"),
        # A pre-2025 commune after the reorganisation, and a new one before it.
        (placement_payload(person={"residence_commune_code": OLD_ONLY}),
         "body.person.residence_commune_code"),
        (placement_payload(placed_on="2025-06-30"), "body.person.residence_commune_code"),
        (placement_payload(work_commune_code="29542"), "body.work_commune_code"),
        (placement_payload(occupation_code="99"), "body.occupation_code"),
        (placement_payload(industry_code="Z"), "body.industry_code"),
        (placement_payload(channel="telepathy"), "body.channel"),
        (placement_payload(unexpected=1), "body.unexpected"),
        (placement_payload(person={"person_ref": "'; DROP TABLE placement; --"}), ""),
    ]  # fmt: skip
    for payload, field in cases:
        response = await client.post("/v1/placements", json=payload, headers=actors.department)
        if not field:  # an SQL-looking reference is just a reference
            assert response.status_code == 201, response.text
            continue
        body = assert_problem(response, 422)
        named = [e["field"] for e in body["errors"]]
        assert any(name.startswith(field) for name in named), (payload, named)
    old = placement_payload(placed_on="2025-06-30", person={"residence_commune_code": OLD_ONLY})
    response = await client.post("/v1/placements", json=old, headers=actors.department)
    assert response.status_code == 201, response.text
    assert response.json()["person"]["residence_commune"]["valid_to"] == "2025-07-01"


async def test_one_code_names_different_units_either_side_of_the_reorganisation(
    client: AsyncClient, actors: Actors
) -> None:
    ids = []
    for day in ("2025-06-30", "2025-07-01"):
        response = await client.post(
            "/v1/placements",
            json=placement_payload(placed_on=day, person={"residence_commune_code": BOTH}),
            headers=actors.department,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["person"]["residence_commune"])
    assert ids[0]["valid_to"] == "2025-07-01"
    assert ids[1]["valid_from"] == "2025-07-01"


async def test_the_person_is_stored_as_a_keyed_hash(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    ids = []
    for ref in ("086 201-001.234", "086201001234", "086201001235"):
        response = await client.post(
            "/v1/placements",
            json=placement_payload(person={"person_ref": ref}),
            headers=actors.department,
        )
        ids.append(uuid.UUID(response.json()["id"]))
    hashes = {
        row.id: row.person_hash
        for row in (await session.scalars(select(Placement).where(Placement.id.in_(ids))))
    }
    assert hashes[ids[0]] == hashes[ids[1]] != hashes[ids[2]]
    assert all(len(h) == 32 and b"086201001234" not in h for h in hashes.values())
    stored = await session.execute(text("SELECT row_to_json(p)::text FROM placement p"))
    assert not any("086201001234" in row[0] for row in stored)


async def test_corrections_and_voids_are_audited(client: AsyncClient, actors: Actors) -> None:
    vacancy = await post_vacancy(client, actors, positions=5)
    created = await client.post(
        "/v1/placements", json=placement_payload(vacancy_id=vacancy["id"]), headers=actors.a
    )
    placement = created.json()
    url = f"/v1/placements/{placement['id']}"

    stale = await client.patch(
        url, json={"person": {"birth_year": 1998}}, headers={**actors.a, "If-Match": '"p99"'}
    )
    assert_problem(stale, 412)
    fixed = await client.patch(
        url,
        json={"person": {"birth_year": 1998, "person_ref": "086198000777"}, "channel": "direct"},
        headers={**actors.a, "If-Match": created.headers["etag"]},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["person"]["birth_year"] == 1998
    assert fixed.json()["channel"] == "direct"
    assert fixed.json()["version"] == placement["version"] + 1

    assert_problem(await client.patch(url, json={"person": {"sex": None}}, headers=actors.a), 422)
    assert_problem(
        await client.patch(url, json={"work_commune_code": NEW_ONLY}, headers=actors.a),
        422,
        "body.work_commune_code",
    )
    assert_problem(await client.post(f"{url}/void", json={}, headers=actors.a), 422)
    assert_problem(await client.post(f"{url}/void", json={"reason": "x"}, headers=actors.b), 404)
    voided = await client.post(f"{url}/void", json={"reason": "Ghi trùng"}, headers=actors.a)
    assert voided.status_code == 200, voided.text
    assert (voided.json()["status"], voided.json()["void_reason"]) == ("voided", "Ghi trùng")
    assert_problem(
        await client.post(f"{url}/void", json={"reason": "again"}, headers=actors.a), 409
    )
    assert_problem(await client.patch(url, json={"channel": "other"}, headers=actors.a), 409)

    assert_problem(await client.get("/v1/audit", headers=actors.a), 403)
    assert_problem(await client.get("/v1/audit"), 401)
    trail = await client.get(
        "/v1/audit",
        params={"entity_type": "placement", "entity_id": placement["id"]},
        headers=actors.department,
    )
    assert trail.status_code == 200, trail.text
    events = trail.json()["items"]
    assert [e["action"] for e in events] == ["void", "update", "create"]
    void, update, create = events
    assert create["before"] is None
    assert create["after"]["birth_year"] == 1999
    assert update["before"]["birth_year"] == 1999
    assert update["after"]["birth_year"] == 1998
    assert update["after"]["person_ref_changed"] is True
    assert void["reason"] == "Ghi trùng"
    assert void["after"]["status"] == "voided"
    assert {e["actor"]["role"] for e in events} == {"employer"}
    assert all(e["actor"]["employer_id"] == str(actors.employer_a.id) for e in events)
    assert "086198000777" not in trail.text
    assert "086201001234" not in trail.text
    assert not _keys(trail.json()) & {"person_hash"}

    page = await client.get("/v1/audit", params={"limit": 1}, headers=actors.admin)
    assert len(page.json()["items"]) == 1
    assert page.json()["next_cursor"]
    older = await client.get(
        "/v1/audit",
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
        headers=actors.admin,
    )
    assert older.json()["items"][0]["id"] < page.json()["items"][0]["id"]
    assert_problem(
        await client.get("/v1/audit", params={"cursor": "bm90IG91cnM"}, headers=actors.admin),
        422,
        "query.cursor",
    )


async def test_lists_show_each_caller_its_own(client: AsyncClient, actors: Actors) -> None:
    mine = await post_vacancy(client, actors, positions=10)
    for n in range(3):
        response = await client.post(
            "/v1/placements",
            json=placement_payload(vacancy_id=mine["id"], person={"person_ref": f"0862010000{n}0"}),
            headers=actors.a,
        )
        assert response.status_code == 201
    await client.post("/v1/placements", json=placement_payload(), headers=actors.department)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/placements", params=params, headers=actors.a)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3
    assert (await client.get("/v1/placements", headers=actors.b)).json()["items"] == []
    everything = await client.get("/v1/placements", headers=actors.department)
    assert len(everything.json()["items"]) >= 4


async def test_idempotent_retries_record_once(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    headers = {**actors.department, "Idempotency-Key": "placement-retry-1"}
    first = await client.post("/v1/placements", json=placement_payload(), headers=headers)
    again = await client.post("/v1/placements", json=placement_payload(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    count = await session.scalar(
        select(AuditEvent.id).where(AuditEvent.entity_id == first.json()["id"]).limit(2)
    )
    assert count is not None


async def test_concurrent_hires_never_over_fill(live: Live) -> None:
    client, actors = live.client, live.actors
    vacancy = await post_vacancy(client, actors, positions=3)

    async def hire(n: int) -> int:
        response = await client.post(
            "/v1/placements",
            json=placement_payload(
                vacancy_id=vacancy["id"], person={"person_ref": f"08620100{n:04}"}
            ),
            headers=actors.a,
        )
        return response.status_code

    statuses = await asyncio.gather(*(hire(n) for n in range(12)))
    assert sorted(statuses) == [201] * 3 + [409] * 9
    async with live.engine.connect() as connection:
        filled = await connection.scalar(
            text("SELECT count(*) FROM placement WHERE vacancy_id = :v AND voided_at IS NULL"),
            {"v": vacancy["id"]},
        )
        state = (
            await connection.execute(
                text("SELECT status, close_reason FROM vacancy WHERE id = :v"), {"v": vacancy["id"]}
            )
        ).one()
    assert filled == 3
    assert tuple(state) == ("closed", "filled")


def test_references_normalise_to_one_spelling() -> None:
    same = [
        "086201001234",
        "086 201 001 234",
        "086-201.001/234",
        "86201001234",
        "".join(chr(0xFF10 + int(digit)) for digit in "086201001234"),  # full-width digits
    ]
    assert {normalise_ref(ref) for ref in same} == {"086201001234"}
    assert normalise_ref("b1234567") == "B1234567"  # passports keep their letters
    assert normalise_ref("123456789") == "123456789"  # a 9-digit CMND is not padded
    assert person_hash("k" * 32, "86201001234") == person_hash("k" * 32, "086201001234")
    assert person_hash("k" * 32, "086201001234") != person_hash("j" * 32, "086201001234")


async def test_personal_references_never_reach_the_logs(
    client: AsyncClient, actors: Actors, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = "086201099999"
    await client.post(
        "/v1/placements", json=placement_payload(person={"person_ref": ref}), headers=actors.a
    )  # refused: an employer needs a vacancy
    await client.post(
        "/v1/placements",
        json=placement_payload(person={"person_ref": ref, "birth_year": 2020}),
        headers=actors.department,
    )  # refused: too young
    created = await client.post(
        "/v1/placements",
        json=placement_payload(person={"person_ref": ref}),
        headers=actors.department,
    )
    assert created.status_code == 201
    body = (
        "placed_on,person_ref,sex,birth_year,trained,channel\n"
        f"2026-03-02,{ref},female,1990,true,job_fair\n"
    )
    imported = await client.post(
        "/v1/placements/import",
        content=body.encode(),
        headers={**actors.department, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    assert caplog.records  # the access log did run
    assert ref not in caplog.text
    assert ref not in created.text
    assert ref not in imported.text


async def test_corrections_are_checked_as_the_record_will_be(
    client: AsyncClient, actors: Actors
) -> None:
    created = await client.post(
        "/v1/placements",
        json=placement_payload(
            placed_on="2025-06-30",
            person={"residence_commune_code": OLD_ONLY},
            work_commune_code=OLD_ONLY,
            employer_name="Cơ sở Hòa Bình",
        ),
        headers=actors.department,
    )
    assert created.status_code == 201, created.text
    url = f"/v1/placements/{created.json()['id']}"

    # Moved past the reorganisation, the old communes no longer exist on that date.
    moved = await client.patch(url, json={"placed_on": "2025-07-01"}, headers=actors.department)
    problem = assert_problem(moved, 422)
    assert {e["field"] for e in problem["errors"]} == {
        "body.person.residence_commune_code",
        "body.work_commune_code",
    }
    moved = await client.patch(
        url,
        json={
            "placed_on": "2025-07-01",
            "person": {"residence_commune_code": NEW_ONLY},
            "work_commune_code": BOTH,
        },
        headers=actors.department,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["work_commune"]["valid_from"] == "2025-07-01"

    # Abroad: a country is needed, and the work commune goes.
    assert_problem(
        await client.patch(url, json={"destination": "abroad"}, headers=actors.department), 422
    )
    abroad = await client.patch(
        url, json={"destination": "abroad", "destination_country": "kr"}, headers=actors.department
    )
    assert abroad.status_code == 200, abroad.text
    assert (abroad.json()["destination_country"], abroad.json()["work_commune"]) == ("KR", None)
    home = await client.patch(url, json={"destination": "domestic"}, headers=actors.department)
    assert home.status_code == 200, home.text
    assert home.json()["destination_country"] is None

    assert_problem(
        await client.patch(url, json={"person": {"birth_year": 2015}}, headers=actors.department),
        422,
        "body.person.birth_year",
    )
    assert_problem(
        await client.patch(url, json={"vacancy_id": None}, headers=actors.department),
        422,
        "body.vacancy_id",
    )
    unchanged = await client.patch(url, json={}, headers=actors.department)
    assert unchanged.json()["version"] == home.json()["version"]
    # Department records are not the employer's to read or change.
    assert_problem(await client.patch(url, json={"channel": "other"}, headers=actors.a), 404)
