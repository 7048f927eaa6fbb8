"""Programme progress on a district counts its people through the residence index: an
index-only scan of the district's communes, not a read of the whole placement table
(migration 0023; bench/README.md, "Programme progress: the residence index"). Not timed."""

from __future__ import annotations

import logging

import pytest

from tests.plans.conftest import PLACEMENTS, PROGRAMME
from tests.plans.explain import capture, connect, explain_reused, pick, reads, shape

pytestmark = pytest.mark.plans
logger = logging.getLogger(__name__)

INDEX = "ix_placement_active_residence_placed_on"


async def test_a_district_programme_counts_its_people_from_the_residence_index(
    plans_url: str, programme_plans: dict[str, str]
) -> None:
    path = f"/v1/stats/programmes/{PROGRAMME}?through=2026-06-30"
    sent = await capture(plans_url, path, headers=programme_plans)
    # repository.people_by_year: the one statement that counts distinct people by year.
    setup, statement = pick(
        sent, lambda sql: "count(DISTINCT placement.person_hash)" in sql and "residence" in sql
    )
    assert len(statement.args) > 20, "the district's communes are not in the statement"
    connection = await connect(plans_url)
    try:
        explained = await explain_reused(connection, statement, setup)
    finally:
        await connection.close()
    report = (
        f"{PLACEMENTS:,} placements, plan after five executions "
        f"({'generic' if explained.generic else 'custom'}):\n{shape(explained.reused)}"
        f"\n-- first (custom) plan:\n{shape(explained.first)}"
    )
    logger.info("%s", report)
    for plan in (explained.first, explained.reused):
        placements = reads(plan, "placement")
        assert placements == [("Index Only Scan", frozenset({INDEX}))], (
            f"placement read otherwise than by an index-only scan of {INDEX}: "
            f"{placements}\n{report}"
        )
