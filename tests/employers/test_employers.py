"""Employers and keys: who may register, read, change, verify, issue and revoke."""

from __future__ import annotations

import hashlib

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey
from tests.factories import Actors, bearer, tax_code
from tests.problems import assert_problem


def employer_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"name": "Công ty TNHH Cơ khí Long Hồ", "tax_code": tax_code()}
    body.update(overrides)
    return body


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("a", 403), ("revoked", 401)])
async def test_only_staff_register_employers(
    client: AsyncClient, actors: Actors, who: str, status: int
) -> None:
    response = await client.post(
        "/v1/employers", json=employer_body(), headers=getattr(actors, who)
    )
    assert_problem(response, status)
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("who", ["department", "admin"])
async def test_staff_register_an_employer(client: AsyncClient, actors: Actors, who: str) -> None:
    body = employer_body(phone="0270 3822 345", verified=True)
    response = await client.post("/v1/employers", json=body, headers=getattr(actors, who))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["tax_code"] == body["tax_code"]
    assert created["phone"] == "+842703822345"
    assert created["verified"] is True
    assert response.headers["location"] == f"/v1/employers/{created['id']}"


@pytest.mark.parametrize(
    "bad", ["150012345", "15001234567", "1500123456-01", "1500123456-0001", "15OO123456", " "]
)
async def test_tax_code_format(client: AsyncClient, actors: Actors, bad: str) -> None:
    response = await client.post(
        "/v1/employers", json=employer_body(tax_code=bad), headers=actors.department
    )
    assert_problem(response, 422, "body.tax_code")


async def test_branch_tax_code_is_accepted(client: AsyncClient, actors: Actors) -> None:
    response = await client.post(
        "/v1/employers",
        json=employer_body(tax_code=actors.employer_a.tax_code + "-001"),
        headers=actors.department,
    )
    assert response.status_code == 201


async def test_duplicate_tax_code_is_409_with_a_link(client: AsyncClient, actors: Actors) -> None:
    response = await client.post(
        "/v1/employers",
        json=employer_body(tax_code=actors.employer_a.tax_code),
        headers=actors.department,
    )
    body = assert_problem(response, 409)
    assert body["existing"] == f"/v1/employers/{actors.employer_a.id}"


async def test_employer_sees_itself_only(client: AsyncClient, actors: Actors) -> None:
    mine = await client.get(f"/v1/employers/{actors.employer_a.id}", headers=actors.a)
    assert mine.status_code == 200
    assert mine.json()["name"] == "Công ty TNHH May mặc Phước Hậu"
    assert_problem(await client.get(f"/v1/employers/{actors.employer_b.id}", headers=actors.a), 404)
    staff = await client.get(f"/v1/employers/{actors.employer_b.id}", headers=actors.department)
    assert staff.status_code == 200
    assert_problem(await client.get(f"/v1/employers/{actors.employer_a.id}"), 401)


async def test_employer_changes_contacts_but_not_identity(
    client: AsyncClient, actors: Actors
) -> None:
    url = f"/v1/employers/{actors.employer_a.id}"
    ok = await client.patch(url, json={"email": "hr@phuochau.vn"}, headers=actors.a)
    assert ok.status_code == 200, ok.text
    assert ok.json()["email"] == "hr@phuochau.vn"
    assert_problem(await client.patch(url, json={"name": "Khác"}, headers=actors.a), 403)
    assert_problem(await client.patch(url, json={"verified": False}, headers=actors.a), 403)
    other = f"/v1/employers/{actors.employer_b.id}"
    assert_problem(await client.patch(other, json={"email": "x@y.vn"}, headers=actors.a), 404)
    renamed = await client.patch(url, json={"name": "Tên mới"}, headers=actors.department)
    assert renamed.json()["name"] == "Tên mới"
    assert_problem(await client.patch(url, json={"name": None}, headers=actors.department), 422)
    assert_problem(await client.patch(url, json={"bogus": 1}, headers=actors.department), 422)


async def test_verification(client: AsyncClient, actors: Actors) -> None:
    url = f"/v1/employers/{actors.unverified.id}/verify"
    assert_problem(await client.post(url, headers=actors.unverified_key), 403)
    response = await client.post(url, headers=actors.department)
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    suspended = await client.patch(
        f"/v1/employers/{actors.unverified.id}", json={"verified": False}, headers=actors.admin
    )
    assert suspended.json()["verified"] is False


async def test_keys_are_shown_once_and_stored_hashed(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    response = await client.post(
        f"/v1/employers/{actors.employer_a.id}/keys", json={"label": "HR"}, headers=actors.a
    )
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["key"]
    assert key.startswith(f"jm_{created['prefix']}_")
    assert len(key) >= 3 + 8 + 1 + 43  # 32 random bytes, base64url
    row = (await session.scalars(select(ApiKey).where(ApiKey.prefix == created["prefix"]))).one()
    assert row.key_hash == hashlib.sha256(key.encode()).digest()
    # The key itself is nowhere in the database.
    dump = await session.scalar(text("SELECT string_agg(t::text, '') FROM api_key t"))
    assert key not in str(dump)
    # It works, and its use is recorded.
    assert (
        await client.get(f"/v1/employers/{actors.employer_a.id}", headers=bearer(key))
    ).status_code == 200
    listed = await client.get(f"/v1/employers/{actors.employer_a.id}/keys", headers=actors.a)
    (mine,) = [k for k in listed.json() if k["prefix"] == created["prefix"]]
    assert mine["last_used_at"] is not None
    assert "key" not in mine


async def test_keys_of_another_employer_are_404(client: AsyncClient, actors: Actors) -> None:
    url = f"/v1/employers/{actors.employer_b.id}/keys"
    assert_problem(await client.post(url, headers=actors.a), 404)
    assert_problem(await client.get(url, headers=actors.a), 404)
    assert (await client.post(url, headers=actors.department)).status_code == 201


async def test_revocation(client: AsyncClient, actors: Actors) -> None:
    issued = await client.post(f"/v1/employers/{actors.employer_a.id}/keys", headers=actors.a)
    key, prefix = issued.json()["key"], issued.json()["prefix"]
    assert_problem(await client.delete(f"/v1/keys/{prefix}", headers=actors.b), 404)
    assert (await client.delete(f"/v1/keys/{prefix}", headers=actors.a)).status_code == 204
    assert (await client.delete(f"/v1/keys/{prefix}", headers=actors.a)).status_code == 204
    body = assert_problem(
        await client.get(f"/v1/employers/{actors.employer_a.id}", headers=bearer(key)), 401
    )
    assert "revoked" in body["detail"]


async def test_only_admins_revoke_admin_keys(client: AsyncClient, actors: Actors) -> None:
    prefix = actors.admin["Authorization"].split("_")[1]
    assert_problem(await client.delete(f"/v1/keys/{prefix}", headers=actors.department), 403)
    assert_problem(await client.delete(f"/v1/keys/{prefix}", headers=actors.a), 404)
    assert (await client.delete(f"/v1/keys/{prefix}", headers=actors.admin)).status_code == 204
    assert_problem(await client.delete("/v1/keys/NOT-A-PREFIX", headers=actors.department), 422)


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer jm_aaaaaaaa_" + "x" * 43,
        "Bearer ' OR 1=1 --",
        "Bearer jm_short_key",
        "bearer " + "A" * 5000,
    ],
)
async def test_bad_credentials_are_401(client: AsyncClient, header: str) -> None:
    response = await client.get(
        "/v1/employers/00000000-0000-0000-0000-000000000000", headers={"Authorization": header}
    )
    assert_problem(response, 401)


async def test_unknown_employer_id_is_404_and_garbage_422(
    client: AsyncClient, actors: Actors
) -> None:
    assert_problem(
        await client.get(
            "/v1/employers/00000000-0000-0000-0000-000000000000", headers=actors.department
        ),
        404,
    )
    assert_problem(
        await client.get("/v1/employers/not-a-uuid", headers=actors.department),
        422,
        "path.employer_id",
    )
