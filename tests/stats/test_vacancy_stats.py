"""Labour demand statistics on vacancies posted through the API: every measure exactly, zero
rows, areas, local days, open at the end of each period, files, and refusals."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from httpx import AsyncClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import db_now
from tests.factories import Actors, vacancy_payload
from tests.placements.conftest import NEW_ONLY, placement_payload, post_vacancy
from tests.problems import assert_problem

URL = "/v1/stats/vacancies"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MEASURES = (
    "vacancies_posted",
    "positions_posted",
    "vacancies_filled",
    "positions_filled",
    "open_vacancies",
    "open_positions",
)
ZERO = dict.fromkeys(MEASURES, 0)


@dataclass
class Demand:
    today: date
    centre: str  # the city-centre commune (sites by coordinates)
    other: str  # a second commune (vacancy B's second site)
    withdrawn_id: str


def _measures(row: dict[str, Any]) -> dict[str, int]:
    return {name: row[name] for name in MEASURES}


async def _hire(
    client: AsyncClient, actors: Actors, vacancy: str, ref: str, placed_on: str, **extra: Any
) -> str:
    response = await client.post(
        "/v1/placements",
        json=placement_payload(
            vacancy_id=vacancy, placed_on=placed_on, person={"person_ref": ref}, **extra
        ),
        headers=actors.a,
    )
    assert response.status_code == 201, response.text
    placement_id: str = response.json()["id"]
    return placement_id


async def _demand(client: AsyncClient, actors: Actors, session: AsyncSession) -> Demand:
    """A: 3 positions, one hire (and one voided); B: sites in two communes (2 + 1), one hire
    in the second; C: 2 positions, both hired (closed as filled); D: a draft; E: withdrawn.

    Expected today: posted 4 vacancies / 9 positions, 1 filled, 4 positions filled, open 2 / 6.
    """
    today = (await db_now(session)).astimezone(TZ).date()
    day = today.isoformat()
    a = await post_vacancy(client, actors, positions=3, title="Thợ may công nghiệp")
    centre = a["sites"][0]["commune"]["code"]
    b = await post_vacancy(
        client,
        actors,
        title="Công nhân kho",
        sites=[
            {"positions": 2, "coordinates": {"lon": 105.9723, "lat": 10.2537}},
            {"positions": 1, "commune_code": NEW_ONLY},
        ],
    )
    assert {s["commune"]["code"] for s in b["sites"]} == {centre, NEW_ONLY}
    c = await post_vacancy(client, actors, positions=2, title="Nhân viên bán hàng")
    draft = await client.post(
        "/v1/vacancies",
        json=vacancy_payload(title="Bản nháp", status="draft", sites=[
            {"positions": 5, "coordinates": {"lon": 105.9723, "lat": 10.2537}}
        ]),
        headers=actors.a,
    )  # fmt: skip
    assert draft.status_code == 201, draft.text
    e = await post_vacancy(client, actors, positions=1, title="Bảo vệ")
    closed = await client.post(
        f"/v1/vacancies/{e['id']}/close", json={"reason": "withdrawn"}, headers=actors.a
    )
    assert closed.status_code == 200, closed.text

    await _hire(client, actors, a["id"], "086201000001", placed_on=day)
    voided = await _hire(client, actors, a["id"], "086201000002", placed_on=day)
    response = await client.post(
        f"/v1/placements/{voided}/void", json={"reason": "Nhập trùng"}, headers=actors.a
    )
    assert response.status_code == 200, response.text
    await _hire(client, actors, b["id"], "086201000003", placed_on=day, work_commune_code=NEW_ONLY)
    await _hire(client, actors, c["id"], "086201000004", placed_on=day)
    await _hire(client, actors, c["id"], "086201000005", placed_on=day)
    read = (await client.get(f"/v1/vacancies/{c['id']}", headers=actors.a)).json()
    assert (read["status"], read["close_reason"]) == ("closed", "filled")
    return Demand(today=today, centre=centre, other=NEW_ONLY, withdrawn_id=e["id"])


async def _get(client: AsyncClient, actors: Actors, **params: Any) -> dict[str, Any]:
    response = await client.get(URL, params=params, headers=actors.department)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


EXPECTED_TOTAL = {
    "vacancies_posted": 4,
    "positions_posted": 9,
    "vacancies_filled": 1,
    "positions_filled": 4,
    "open_vacancies": 2,
    "open_positions": 6,
}


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


async def test_every_measure_for_the_current_month(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    demand = await _demand(client, actors, session)
    first = _month_start(demand.today)
    body = await _get(client, actors, **{"from": first.isoformat(), "to": demand.today.isoformat()})
    assert body["rows"] == []
    assert body["total"] == EXPECTED_TOTAL
    assert (body["from"], body["group_by"], body["area_level"]) == (
        first.isoformat(),
        [],
        "commune",
    )

    # By month over three months: the earlier two are zero rows; the last is the total.
    start = _month_start(demand.today, back=2)
    body = await _get(
        client, actors, **{"from": start.isoformat(), "to": demand.today.isoformat()},
        group_by="month",
    )  # fmt: skip
    labels = [f"{m:%Y-%m}" for m in (start, _month_start(demand.today, 1), first)]
    assert [row["month"] for row in body["rows"]] == labels
    assert [_measures(row) for row in body["rows"]] == [ZERO, ZERO, EXPECTED_TOTAL]
    assert set(body["rows"][0]) == {"month", *MEASURES}  # only the requested dimensions
    assert body["total"] == EXPECTED_TOTAL

    # The day before: nothing was posted yet, nothing open.
    yesterday = demand.today - timedelta(days=1)
    body = await _get(client, actors, **{"from": start.isoformat(), "to": yesterday.isoformat()})
    assert body["total"] == ZERO


async def test_occupation_and_industry(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    demand = await _demand(client, actors, session)
    period = {"from": _month_start(demand.today).isoformat(), "to": demand.today.isoformat()}
    body = await _get(client, actors, **period, group_by=["occupation_major", "industry_section"])
    rows = {(r["occupation_major"], r["industry_section"]): _measures(r) for r in body["rows"]}
    assert len(rows) == 10 * 22  # ISCO-08 major groups 0-9 x VSIC 2025 sections A-V (this month)
    assert rows.pop(("2", "C")) == EXPECTED_TOTAL  # occupation 24, industry 14 (section C)
    assert all(measures == ZERO for measures in rows.values())
    assert body["total"] == EXPECTED_TOTAL

    assert (await _get(client, actors, **period, occupation_major="2"))["total"] == EXPECTED_TOTAL
    assert (await _get(client, actors, **period, occupation_major="7"))["total"] == ZERO
    only_a = await _get(client, actors, **period, industry_section=["A", "B"], group_by="year")
    assert [_measures(row) for row in only_a["rows"]] == [ZERO]


async def test_by_commune_a_vacancy_counts_in_each_of_its_communes_and_once_in_total(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    demand = await _demand(client, actors, session)
    period = {"from": _month_start(demand.today).isoformat(), "to": demand.today.isoformat()}
    body = await _get(client, actors, **period, group_by="area")
    rows = {row["area_code"]: row for row in body["rows"]}
    assert len(rows) == len(body["rows"]) == 124  # every commune valid in the period
    centre, other = rows.pop(demand.centre), rows.pop(demand.other)
    # A, B (2 positions here), C, E; C filled; hires of A and C; A and B open.
    assert _measures(centre) == {
        "vacancies_posted": 4,
        "positions_posted": 8,
        "vacancies_filled": 1,
        "positions_filled": 3,
        "open_vacancies": 2,
        "open_positions": 5,
    }
    assert _measures(other) == {
        "vacancies_posted": 1,
        "positions_posted": 1,
        "vacancies_filled": 0,
        "positions_filled": 1,
        "open_vacancies": 1,
        "open_positions": 1,
    }
    assert other["area_name"] == "Phú Khương"
    assert (other["area_valid_from"], other["area_valid_to"]) == ("2025-07-01", None)
    assert all(_measures(row) == ZERO for row in rows.values())
    assert body["total"] == EXPECTED_TOTAL

    only_other = await _get(client, actors, **period, area=demand.other, group_by="area")
    assert [row["area_code"] for row in only_other["rows"]] == [demand.other]
    assert only_other["total"] == _measures(other)

    # Districts, for a period before they were abolished: the 8 of them, all zero.
    old = await _get(
        client, actors, **{"from": "2025-01-01", "to": "2025-06-30"},
        group_by="area", area_level="district",
    )  # fmt: skip
    assert len(old["rows"]) == 8
    assert {row["area_code"] for row in old["rows"]} == {"855", *map(str, range(857, 864))}
    assert old["total"] == ZERO


async def test_days_are_local_and_open_is_counted_at_the_end_of_each_period(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    demand = await _demand(client, actors, session)
    first = _month_start(demand.today)
    midnight = datetime.combine(first, time(0), tzinfo=TZ)  # 17:00 UTC the day before
    # E (1 position, withdrawn today) was published one second before this month began.
    await session.execute(
        text("UPDATE vacancy SET published_at = :at WHERE id = CAST(:id AS uuid)"),
        {"at": midnight - timedelta(seconds=1), "id": demand.withdrawn_id},
    )
    await session.commit()
    previous = _month_start(demand.today, back=1)
    body = await _get(
        client, actors, **{"from": previous.isoformat(), "to": demand.today.isoformat()},
        group_by="month",
    )  # fmt: skip
    last_month, this_month = (_measures(row) for row in body["rows"])
    # Open at the end of last month (still unexpired, not yet withdrawn).
    assert last_month == {
        "vacancies_posted": 1,
        "positions_posted": 1,
        "vacancies_filled": 0,
        "positions_filled": 0,
        "open_vacancies": 1,
        "open_positions": 1,
    }
    assert this_month == {**EXPECTED_TOTAL, "vacancies_posted": 3, "positions_posted": 8}
    # The total's open figures are those at `to`, not a sum over the months.
    assert body["total"] == {**EXPECTED_TOTAL, "vacancies_posted": 4, "positions_posted": 9}


async def test_csv_and_xlsx(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    demand = await _demand(client, actors, session)
    params = {
        "from": _month_start(demand.today, back=1).isoformat(),
        "to": demand.today.isoformat(),
        "group_by": "month",
    }
    response = await client.get(URL, params={**params, "format": "csv"}, headers=actors.department)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert ".csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["month", *MEASURES]
    assert lines[2] == [f"{demand.today:%Y-%m}", "4", "9", "1", "4", "2", "6"]
    assert len(lines) == 3

    response = await client.get(URL, params={**params, "format": "xlsx"}, headers=actors.department)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0] == "Nhu cầu tuyển dụng lao động"
    assert any(str(row[0]).startswith("Kỳ báo cáo:") for row in cells)
    header = next(i for i, row in enumerate(cells) if row[0] == "Tháng")
    assert cells[header][1:7] == (
        "Số tin tuyển dụng đăng mới",
        "Số vị trí đăng mới",
        "Số tin đã tuyển đủ",
        "Số vị trí đã tuyển",
        "Số tin còn mở cuối kỳ",
        "Số vị trí còn mở cuối kỳ",
    )
    assert cells[header + 2][:7] == (f"{demand.today:%Y-%m}", 4, 9, 1, 4, 2, 6)
    assert cells[header + 3][:7] == ("Tổng cộng", 4, 9, 1, 4, 2, 6)


async def test_who_may_ask_and_what_is_refused(client: AsyncClient, actors: Actors) -> None:
    period = {"from": "2026-01-01", "to": "2026-03-31"}
    assert_problem(await client.get(URL, params=period), 401)
    assert_problem(await client.get(URL, params=period, headers=actors.a), 403)
    assert (await client.get(URL, params=period, headers=actors.admin)).status_code == 200
    cases: list[tuple[dict[str, Any], str]] = [
        ({**period, "group_by": "sex"}, "query.group_by"),
        ({**period, "group_by": "month,year"}, "query.group_by"),
        ({**period, "group_by": ["area", "area"]}, "query.group_by"),
        ({**period, "area_level": "district"}, "query.area_level"),
        ({**period, "area_level": "province"}, "query.area_level"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "query.to"),
        ({"from": "2010-01-01", "to": "2026-02-01"}, "query.to"),
        ({**period, "format": "pdf"}, "query.format"),
        ({**period, "from": "20260101"}, "query.from"),
        ({"to": "2026-03-31"}, "query.from"),
        ({**period, "occupation_major": "24"}, "query.occupation_major.0"),
        ({**period, "industry_section": ["C", "Z"]}, "query.industry_section.1"),
        ({**period, "area": "1; DROP"}, "query.area.0"),
        (
            {"from": "2016-01-01", "to": "2025-12-31", "group_by": "month,area,occupation_major"},
            "query.group_by",
        ),
    ]
    for params, field in cases:
        assert_problem(await client.get(URL, params=params, headers=actors.department), 422, field)
