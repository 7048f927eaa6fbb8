"""The plain nearest search answered before routing reads a replica in rotation, on the
worker's map connection to it, as the route would (app/search/fast_path.py)."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.conftest import Live
from tests.factories import CITY_CENTRE
from tests.replicas.conftest import Served, caught_up, in_rotation
from tests.replicas.test_routing import post_open_vacancy

pytestmark = pytest.mark.usefixtures("replica")
URL = f"/v1/vacancies?near={CITY_CENTRE[0]},{CITY_CENTRE[1]}&radius_m=5000"


def answered() -> float:
    labels = {"search": "nearest", "result": "answered"}
    return REGISTRY.get_sample_value("jobmap_search_fast_path_total", labels) or 0.0


async def test_the_fast_path_reads_the_replica(live: Live) -> None:
    await in_rotation(live.app)
    vacancy_id, _ = await post_open_vacancy(live)
    await caught_up()
    served = Served()
    by_route = await live.client.get(f"{URL}&utm_source=x")  # the route keeps the statement
    before = answered()
    fast = await live.client.get(URL)
    assert answered() == before + 1
    assert fast.status_code == 200
    assert fast.content == by_route.content
    assert [item["vacancy_id"] for item in fast.json()["items"]] == [vacancy_id]
    assert served["replica-1"] == 2
    assert served["primary"] == 0
