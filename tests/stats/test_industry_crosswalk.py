"""Industry statistics over a period spanning 2025-11-15 are reported in VSIC 2025: a VSIC 2018
record counts under the 2025 section its code corresponds to, a code whose activities VSIC 2025
splits between sections under a combined key ("G+T") with no shares; periods inside one version
keep each record's own section. Also the correspondence as loaded, and what is refused."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.classifications.service import ClassificationDataError, load_classifications
from app.classifications.versions import reporting_version
from tests.conftest import CLASSIFICATIONS_DATA
from tests.factories import Actors
from tests.problems import assert_problem

URL = "/v1/stats/placements"
SECTIONS_2018 = [chr(c) for c in range(ord("A"), ord("U") + 1)]
SECTIONS_2025 = [*SECTIONS_2018, "V"]

# (placed_on, VSIC version, code) of one person each.
RECORDS = [
    ("2025-11-10", "2018", "64"),  # finance: K in 2018, L in 2025
    ("2025-11-10", "2018", "62"),  # programming: J in 2018, K in 2025
    ("2025-11-12", "2018", "45"),  # vehicles: sale to 46/47 (G), repair to 95 (T)
    ("2025-11-13", "2018", "G"),  # the whole 2018 section G: G, and J and T through 47 and 45
    ("2025-11-14", "2018", "41"),  # building construction: F in both
    ("2025-11-20", "2025", "64"),
    ("2025-11-21", "2025", "K"),
    ("2025-11-22", "2025", "95"),
]


async def _placements(session: AsyncSession, records: list[tuple[str, str, str]]) -> None:
    for number, (placed_on, version, code) in enumerate(records):
        await session.execute(
            text(
                "INSERT INTO placement (placed_on, person_hash, sex, birth_year, trained, "
                "destination, channel, industry_version, industry_code) VALUES (CAST(:day AS "
                "date), sha256(convert_to(:person, 'UTF8')), 'female', 1995, true, 'domestic', "
                "'job_fair', :version, :code)"
            ),
            {
                "day": date.fromisoformat(placed_on),
                "person": f"crosswalk {number}",
                "version": version,
                "code": code,
            },
        )
    await session.commit()


async def _table(client: AsyncClient, actors: Actors, start: str, end: str, **params: Any) -> Any:
    response = await client.get(
        URL,
        params={"from": start, "to": end, "group_by": "industry_section", **params},
        headers=actors.department,
    )
    assert response.status_code == 200, response.text
    return [(row["industry_section"], row["people"]) for row in response.json()["rows"]]


def _zeros(sections: list[str], **counts: int) -> list[tuple[str, int]]:
    return [(s, counts.get(s, 0)) for s in sections]


async def test_the_correspondence_is_loaded_with_each_2018_codes_2025_sections(
    session: AsyncSession,
) -> None:
    pairs = await session.execute(
        text(
            "SELECT count(*), count(*) FILTER (WHERE from_code <> to_code), "
            "count(*) FILTER (WHERE source = 'isic+nso') FROM industry_correspondence "
            "WHERE from_version = '2018' AND to_version = '2025'"
        )
    )
    assert tuple(pairs.one()) == (98, 11, 29)
    found = await session.execute(
        text("SELECT version || ':' || code, successor_section FROM industry")
    )
    keys: dict[str, str | None] = {str(key): value for key, value in found.all()}
    assert {k: keys[k] for k in ("2018:45", "2018:47", "2018:63", "2018:41", "2018:30")} == {
        "2018:45": "G+T",
        "2018:47": "G+J",
        "2018:63": "J+K",
        "2018:41": "F",  # ISIC moves building projects to 68; the NSO table keeps 41 in 41
        "2018:30": "C",
    }
    assert {k: keys[k] for k in ("2018:G", "2018:J", "2018:K", "2018:S", "2018:U")} == {
        "2018:G": "G+J+T",
        "2018:J": "J+K",
        "2018:K": "L",
        "2018:S": "T",
        "2018:U": "V",
    }
    assert all(keys[k] for k in keys if k.startswith("2018:"))
    assert not any(keys[k] for k in keys if k.startswith("2025:"))


def test_the_reporting_version_of_a_period() -> None:
    assert reporting_version(date(2025, 1, 1), date(2025, 11, 14)) is None
    assert reporting_version(date(2025, 11, 15), date(2026, 1, 31)) is None
    assert reporting_version(date(2025, 11, 14), date(2025, 11, 15)) == "2025"


async def test_a_period_across_the_change_is_reported_in_vsic_2025(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _placements(session, RECORDS)
    november = await _table(client, actors, "2025-11-01", "2025-11-30")
    # Every 2025 section (zeros too), then the combined keys seen, in order; nothing twice.
    assert november == [
        *_zeros(SECTIONS_2025, F=1, K=2, L=2, T=1),
        ("G+J+T", 1),
        ("G+T", 1),
    ]
    # Inside one version, each record's own section: VSIC 2018 letters before the change...
    before = await _table(client, actors, "2025-11-01", "2025-11-14")
    assert before == _zeros(SECTIONS_2018, F=1, G=2, J=1, K=1)
    # ...and VSIC 2025 letters after it.
    after = await _table(client, actors, "2025-11-15", "2025-11-30")
    assert after == _zeros(SECTIONS_2025, K=1, L=1, T=1)

    # A filter takes the keys of the table it filters, combined ones too.
    only = await _table(client, actors, "2025-11-01", "2025-11-30", industry_section=["K", "G+T"])
    assert only == [("K", 2), ("G+T", 1)]
    response = await client.get(
        URL,
        params={"from": "2025-11-01", "to": "2025-11-30", "industry_section": ["L"]},
        headers=actors.department,
    )
    assert response.json()["total"]["people"] == 2


@pytest.mark.parametrize("value", ["G+", "GT", "G+Z", "+G", "g", "G+T+J+K+L+M+N"])
async def test_a_section_filter_that_is_no_key_is_a_422(
    client: AsyncClient, actors: Actors, value: str
) -> None:
    response = await client.get(
        URL,
        params={"from": "2025-11-01", "to": "2025-11-30", "industry_section": [value]},
        headers=actors.department,
    )
    (error,) = assert_problem(response, 422)["errors"]
    assert error["field"] == "query.industry_section.0"


async def test_demand_names_a_combined_row_after_its_sections(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    await _placements(session, RECORDS)
    response = await client.get(
        "/v1/stats/demand",
        params={"from": "2025-11-01", "to": "2025-11-30", "group_by": "industry"},
        headers=actors.department,
    )
    assert response.status_code == 200, response.text
    rows = {row["code"]: (row["placements"], row["name"]) for row in response.json()["rows"]}
    assert {code: placed for code, (placed, _) in rows.items()} == {
        "F": 1,
        "K": 2,
        "L": 2,
        "T": 1,
        "G+J+T": 1,
        "G+T": 1,
    }
    names = await session.execute(
        text("SELECT code, name_vi FROM industry WHERE version = '2025' AND code IN ('G', 'T')")
    )
    found: dict[str, str] = {str(code): str(name) for code, name in names.all()}
    g, t = found["G"], found["T"]
    assert rows["G+T"][1] == (
        f"Mã VSIC 2018 ứng với nhiều ngành VSIC 2025, không chia tách: G {g}; T {t}"
    )
    assert rows["T"][1] == t


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "classifications"
    shutil.copytree(CLASSIFICATIONS_DATA, target)
    return target


CROSSWALK = "vsic2018_vsic2025_divisions.csv"


async def test_a_crosswalk_file_that_is_missing_or_wrong_is_refused(
    session: AsyncSession, tmp_path: Path
) -> None:
    directory = _copy(tmp_path)
    path = directory / CROSSWALK
    good = path.read_text(encoding="utf-8")

    path.write_text(good + "45,45,isic\n", encoding="utf-8")  # 45 is no VSIC 2025 division
    with pytest.raises(ClassificationDataError, match="line 100: unknown division"):
        await load_classifications(session, directory)

    without_01 = "".join(line for line in good.splitlines(True) if not line.startswith("01,"))
    path.write_text(without_01, encoding="utf-8")
    with pytest.raises(ClassificationDataError, match="no pair for 01"):
        await load_classifications(session, directory)

    path.write_text(good.replace("30,25,isic", "30,25,"), encoding="utf-8")
    with pytest.raises(ClassificationDataError, match="unknown division"):
        await load_classifications(session, directory)

    path.unlink()
    with pytest.raises(ClassificationDataError, match="is missing"):
        await load_classifications(session, directory)


async def test_the_public_tables_of_2025_keep_each_records_own_section_letter(
    client: AsyncClient, session: AsyncSession
) -> None:
    # Six people each: March (VSIC 2018 finance, and vehicles), December (VSIC 2025 finance).
    march = [("2025-03-10", "2018", "64")] * 6 + [("2025-03-11", "2018", "45")] * 6
    await _placements(session, [*march, *[("2025-12-01", "2025", "64")] * 6])

    async def people(period: str) -> dict[str, Any]:
        response = await client.get(
            "/v1/public/stats/placements", params={"period": period, "group_by": "industry_section"}
        )
        assert response.status_code == 200, response.text
        return {row["industry_section"]: row["people"] for row in response.json()["rows"]}

    # Published tables never change: March's table is keyed as it was first published (VSIC
    # 2018 letters), and the year's adds the letters (K: finance in March, L in December),
    # not re-keyed by the correspondence the department's statistics use.
    in_march = await people("2025-03")
    assert (in_march["K"], in_march["G"], in_march["L"]) == (6, 6, 0)
    in_2025 = await people("2025")
    assert (in_2025["K"], in_2025["L"], in_2025["G"]) == (6, 6, 6)
    assert not any("+" in key for key in in_2025)
    assert list(in_2025)[:22] == SECTIONS_2025
