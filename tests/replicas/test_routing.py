"""Reads on a real streaming replica (issue 18): routing by request class, read-your-writes
with replay paused, the lag limit, and the header that carries a write's position."""

from __future__ import annotations

import asyncio

import pytest

from app.replicas.lsn import format_lsn, parse_lsn
from app.request_classes import SERVER_OF_CLASS, RequestClass, Server, server_for
from tests.conftest import Live
from tests.factories import vacancy_payload
from tests.problems import assert_problem
from tests.replicas.conftest import Served, caught_up, in_rotation

pytestmark = pytest.mark.usefixtures("replica")


def test_the_routing_rule() -> None:
    assert {kind for kind, server in SERVER_OF_CLASS.items() if server is Server.primary} == {
        RequestClass.write,
        RequestClass.bulk,
    }
    assert server_for("GET", "/v1/vacancies") is Server.replica
    assert server_for("GET", "/v1/tiles/vacancies/10/1/1.mvt") is Server.replica
    assert server_for("GET", "/v1/stats/placements") is Server.replica
    assert server_for("GET", "/ogc/collections/vacancies/items") is Server.replica
    assert server_for("GET", "/v1/vacancies/changes") is Server.primary  # gap-free
    assert server_for("POST", "/v1/vacancies") is Server.primary
    assert server_for("PATCH", "/v1/vacancies/x") is Server.primary
    assert server_for("POST", "/v1/vacancies/bulk") is Server.primary


def test_positions_read_and_print_as_postgresql_does() -> None:
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("0/16B3748")) == "0/16B3748"
    for bad in ("", "16", "x/1", "1/2/3", "123456789/0", "0/-1"):
        with pytest.raises(ValueError, match="WAL position"):
            parse_lsn(bad)


async def post_open_vacancy(live: Live) -> tuple[str, str]:
    """A public vacancy of employer A: its id and the X-Commit-LSN of the write."""
    posted = await live.client.post(
        "/v1/vacancies", json=vacancy_payload(status="open"), headers=live.actors.a
    )
    assert posted.status_code == 201, posted.text
    return posted.json()["id"], posted.headers["x-commit-lsn"]


async def test_reads_go_to_the_replica_and_writes_to_the_primary(live: Live) -> None:
    await in_rotation(live.app)
    vacancy_id, lsn = await post_open_vacancy(live)
    assert parse_lsn(lsn) > 0
    await caught_up()
    served = Served()
    for url in ("/v1/vacancies?q=ke%20toan", f"/v1/vacancies/{vacancy_id}", "/v1/areas"):
        response = await live.client.get(url)
        assert response.status_code == 200, (url, response.text)
        assert "x-commit-lsn" not in response.headers  # only writes have one
    assert served["replica-1"] == 3
    assert served["primary"] == 0
    changes = await live.client.get("/v1/vacancies/changes")
    assert changes.status_code == 200
    assert served["primary"] == 1  # the changes feed stays on the primary
    closed = await live.client.post(
        f"/v1/vacancies/{vacancy_id}/close", json={"reason": "filled"}, headers=live.actors.a
    )
    assert closed.status_code == 200, closed.text
    assert parse_lsn(closed.headers["x-commit-lsn"]) > parse_lsn(lsn)
    assert served["primary"] == 2


@pytest.mark.usefixtures("paused_replay")
async def test_a_writer_reads_its_write_while_the_replica_does_not_replay(live: Live) -> None:
    await in_rotation(live.app)
    vacancy_id, lsn = await post_open_vacancy(live)
    served = Served()
    # The writer's key: its reads wait for a server that has its write, here the primary.
    mine = await live.client.get(f"/v1/vacancies/{vacancy_id}", headers=live.actors.a)
    assert mine.status_code == 200, mine.text
    assert served["primary"] == 1
    # Anyone who carries the position in the header sees it too.
    carried = await live.client.get(f"/v1/vacancies/{vacancy_id}", headers={"X-Commit-LSN": lsn})
    assert carried.status_code == 200, carried.text
    assert served["primary"] == 2
    # An anonymous reader may be served by the replica within the lag limit (2 s): not there.
    stale = await live.client.get(f"/v1/vacancies/{vacancy_id}")
    assert stale.status_code == 404
    assert served["replica-1"] == 1
    # Past the limit the replica leaves the rotation and the primary answers everyone.
    await in_rotation(live.app, up=False)
    fresh = await live.client.get(f"/v1/vacancies/{vacancy_id}")
    assert fresh.status_code == 200
    assert served["primary"] == 3


async def test_the_replica_returns_once_it_has_caught_up(live: Live) -> None:
    """After replay resumes, the writer's reads move back to the replica."""
    from tests.replicas.conftest import on_replica

    await on_replica("SELECT pg_wal_replay_pause()")
    try:
        vacancy_id, _ = await post_open_vacancy(live)
        await in_rotation(live.app, up=False)
    finally:
        await on_replica("SELECT pg_wal_replay_resume()")
    await caught_up()
    await in_rotation(live.app)
    served = Served()
    read = await live.client.get(f"/v1/vacancies/{vacancy_id}", headers=live.actors.a)
    assert read.status_code == 200
    assert served["replica-1"] == 1
    assert served["primary"] == 0


async def test_a_malformed_position_is_a_422(live: Live) -> None:
    for bad in ("yesterday", "0/", "1/2/3", "' OR 1=1 --"):
        response = await live.client.get("/v1/areas", headers={"X-Commit-LSN": bad})
        assert_problem(response, 422)
        assert response.json()["errors"][0]["field"] == "X-Commit-LSN"


async def test_readiness_names_the_replica_and_its_lag(live: Live) -> None:
    await in_rotation(live.app)
    ready = await live.client.get("/readyz")
    assert ready.status_code == 200
    lag = ready.json()["replicas"]["replica-1"]
    assert lag is not None
    assert 0 <= lag <= 2


async def test_a_new_key_works_at_once_on_a_lagging_replica(live: Live) -> None:
    """A key made while the replica has not replayed it is found on the primary, not a 401."""
    from tests.replicas.conftest import on_replica

    await in_rotation(live.app)
    await on_replica("SELECT pg_wal_replay_pause()")
    try:
        made = await live.client.post(
            f"/v1/employers/{live.actors.employer_a.id}/keys",
            json={"label": "new"},
            headers=live.actors.admin,
        )
        assert made.status_code == 201, made.text
        await asyncio.sleep(0.3)  # the monitor has seen the primary move: still within 2 s
        served = Served()
        key = {"Authorization": f"Bearer {made.json()['key']}"}
        read = await live.client.get("/v1/areas?level=province", headers=key)
        assert read.status_code == 200, read.text
        assert served["replica-1"] == 1
    finally:
        await on_replica("SELECT pg_wal_replay_resume()")
        await caught_up()
