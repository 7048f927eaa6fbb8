"""The department's bulk import: CSV and XLSX, checked whole, all or nothing, fast."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient, Response
from openpyxl import Workbook
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Placement, Vacancy
from app.placements import importer
from tests.factories import Actors
from tests.placements.conftest import NEW_ONLY, OLD_ONLY, post_vacancy
from tests.problems import assert_problem

URL = "/v1/placements/import"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [
    "placed_on",
    "person_ref",
    "sex",
    "birth_year",
    "trained",
    "residence_commune_code",
    "destination",
    "destination_country",
    "employer_name",
    "occupation_code",
    "channel",
]
EMPLOYER = "Công ty TNHH Thủy sản Đồng Tháp Mười"


def row(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "placed_on": "2026-03-02",
        "person_ref": "086201001234",
        "sex": "female",
        "birth_year": "1999",
        "trained": "có",
        "residence_commune_code": NEW_ONLY,
        "destination": "domestic",
        "destination_country": "",
        "employer_name": EMPLOYER,
        "occupation_code": "24",
        "channel": "job_fair",
    }
    values.update(overrides)
    return values


def csv_bytes(
    rows: list[dict[str, Any]], *, columns: list[str] | None = None, bom: bool = False
) -> bytes:
    if columns is None:
        columns = list(rows[0]) if rows else COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(name, "") for name in columns])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def post(
    client: AsyncClient,
    body: bytes,
    headers: dict[str, str],
    content_type: str = CSV,
) -> Response:
    return await client.post(URL, content=body, headers={**headers, "Content-Type": content_type})


async def count(session: AsyncSession, batch: str | None = None) -> int:
    query = select(func.count()).select_from(Placement)
    if batch is not None:
        query = query.where(Placement.import_batch_id == uuid.UUID(batch))
    return int(await session.scalar(query) or 0)


async def batch_rows(session: AsyncSession, batch: str) -> list[Placement]:
    query = (
        select(Placement)
        .where(Placement.import_batch_id == uuid.UUID(batch))
        .order_by(Placement.birth_year)
    )
    return list((await session.scalars(query)).all())


@pytest.mark.parametrize("bom", [False, True])
async def test_a_csv_file_is_imported(
    client: AsyncClient, actors: Actors, session: AsyncSession, bom: bool
) -> None:
    rows = [
        row(),
        row(
            person_ref="086199004321",
            sex="Nam",
            birth_year="1997",
            trained="không",
            residence_commune_code="",
            destination="abroad",
            destination_country="jp",
            employer_name="  Công ty CP Cung ứng Nhân lực Quốc tế  ",
            occupation_code="72",
            channel="labour_export",
        ),
        row(person_ref="086200000001", birth_year="2000", trained="1", employer_name=""),
    ]
    response = await post(client, csv_bytes(rows, bom=bom), actors.department)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["imported"] == 3
    assert body["vacancies_filled"] == []
    uuid.UUID(body["import_batch_id"])

    stored = await batch_rows(session, body["import_batch_id"])
    assert [r.birth_year for r in stored] == [1997, 1999, 2000]
    abroad, first, third = stored
    assert (abroad.sex, abroad.trained, abroad.destination) == ("male", False, "abroad")
    assert (abroad.destination_country, abroad.residence_area_id) == ("JP", None)
    assert abroad.employer_name == "Công ty CP Cung ứng Nhân lực Quốc tế"
    assert first.employer_name == EMPLOYER  # diacritics survive, NFC
    assert (first.trained, first.age, first.channel) == (True, 27, "job_fair")
    assert first.residence_area_id is not None
    assert first.work_area_id is None
    assert third.employer_name is None
    assert all(r.recorded_by_key_id is not None and r.voided_at is None for r in stored)
    assert all(len(r.person_hash) == 32 for r in stored)

    # Read back through the API like any placement.
    read = await client.get(f"/v1/placements/{first.id}", headers=actors.department)
    assert read.status_code == 200, read.text
    assert read.json()["import_batch_id"] == body["import_batch_id"]
    assert read.json()["person"]["residence_commune"]["code"] == NEW_ONLY


async def test_the_person_hash_matches_the_json_api(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    single = await client.post(
        "/v1/placements",
        json={
            "placed_on": "2026-03-02",
            "person": {"person_ref": "086201001234", "sex": "female", "birth_year": 1999,
                       "trained": True},
            "channel": "job_fair",
        },
        headers=actors.department,
    )  # fmt: skip
    assert single.status_code == 201, single.text
    response = await post(client, csv_bytes([row(person_ref="086 201-001.234")]), actors.department)
    assert response.status_code == 201, response.text
    imported = (await batch_rows(session, response.json()["import_batch_id"]))[0]
    recorded = await session.get(Placement, uuid.UUID(single.json()["id"]))
    assert recorded is not None
    assert imported.person_hash == recorded.person_hash


async def test_semicolons_and_blank_lines(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    body = (
        b"placed_on;person_ref;sex;birth_year;trained;channel\n"
        b"2026-03-02;086201001234;female;1999;yes;direct\n"
        b";;;;;\n"
        b"\n"
        b"2026-03-03;086201001235;male;1990;no;direct\n"
    )
    response = await post(client, body, actors.department, "text/csv; charset=utf-8")
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    assert await count(session, response.json()["import_batch_id"]) == 2


async def test_an_xlsx_file_is_imported(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    header = [*COLUMNS, "industry_code", "work_commune_code"]
    rows: list[list[Any]] = [
        # Typed cells: a date (read back as a datetime), numbers for codes and the reference.
        [date(2026, 3, 2), 86201001234, "female", 1999, True, 28756, "domestic", None,
         EMPLOYER, 24, "job_fair", 1, 28756],
        ["2026-03-03", "086201001235", "male", 1998.0, "không", "28756", None, None,
         None, "72", "direct", "C", None],
        [None] * len(header),  # a blank row in the middle is skipped
        [date(2026, 3, 4), "086201001236", "female", 2001, 0, None, "abroad", "KR",
         None, None, "labour_export", None, None],
    ]  # fmt: skip
    response = await post(client, xlsx_bytes(header, rows), actors.department, XLSX)
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3
    stored = await batch_rows(session, response.json()["import_batch_id"])
    assert [r.birth_year for r in stored] == [1998, 1999, 2001]
    second, first, third = stored
    assert first.placed_on.isoformat() == "2026-03-02"
    assert (first.trained, first.occupation_code, first.industry_code) == (True, "24", "01")
    assert first.employer_name == EMPLOYER
    assert first.work_area_id is not None
    assert first.residence_area_id == first.work_area_id
    assert (second.trained, second.destination, second.industry_code) == (False, "domestic", "C")
    assert (third.trained, third.destination_country, third.placed_on.day) == (False, "KR", 4)


async def test_row_errors_are_listed_and_nothing_is_imported(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    before = await count(session)
    rows = [
        row(),  # row 2: fine
        row(birth_year="2015"),  # row 3: age 11
        row(residence_commune_code="99999", sex="x"),  # row 4: two errors
        row(channel=""),  # row 5: missing
        row(destination="abroad"),  # row 6: no country
        row(placed_on="02/03/2026"),  # row 7: not ISO
        row(residence_commune_code=OLD_ONLY),  # row 8: a commune before 2025-07-01 only
        row(person_ref="12"),  # row 9
        row(occupation_code="99"),  # row 10
        row(),  # row 11: fine
        row(employer_name="Công ty\x00"),  # row 12: a NUL would not reach the database
    ]
    response = await post(client, csv_bytes(rows), actors.department)
    body = assert_problem(
        response,
        422,
        "rows.3.person.birth_year",
        "rows.4.person.sex",
        "rows.5.channel",
        "rows.6",
        "rows.7.placed_on",
        "rows.9.person.person_ref",
    )
    fields = [error["field"] for error in body["errors"]]
    assert "rows.4.person.residence_commune_code" not in fields  # pydantic failed first
    assert "rows.8.person.residence_commune_code" in fields
    assert "rows.10.occupation_code" in fields
    assert "rows.12.employer_name" in fields
    assert not any(f.startswith(("rows.2.", "rows.11.")) for f in fields)
    rows_named = [int(f.split(".")[1]) for f in fields]
    assert rows_named == sorted(rows_named)
    assert body["detail"] == "9 rows have errors; nothing was imported."
    assert "086201001234" not in response.text
    assert await count(session) == before


async def test_only_the_first_errors_are_listed(
    client: AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "MAX_LISTED_ERRORS", 3)
    response = await post(
        client, csv_bytes([row(birth_year="2020") for _ in range(5)]), actors.department
    )
    body = assert_problem(response, 422)
    assert len(body["errors"]) == 3
    assert body["detail"] == (
        "5 rows have errors; nothing was imported. The first 3 of 5 errors are listed."
    )


async def test_the_header_must_name_known_columns(client: AsyncClient, actors: Actors) -> None:
    unknown = csv_bytes([row(nickname="Bé Ba")])
    body = assert_problem(await post(client, unknown, actors.department), 422, "header.nickname")
    assert "nickname" in body["detail"]

    missing = csv_bytes([row()], columns=[c for c in COLUMNS if c != "channel"])
    body = assert_problem(await post(client, missing, actors.department), 422, "header.channel")
    assert "missing columns: channel" in body["detail"]

    twice = b"placed_on,person_ref,sex,birth_year,trained,channel,sex\n"
    assert_problem(await post(client, twice, actors.department), 422, "header.sex")

    extra = (
        b"placed_on,person_ref,sex,birth_year,trained,channel\n"
        b"2026-03-02,0862010,male,1990,1,direct,oops\n"
    )
    assert_problem(await post(client, extra, actors.department), 422, "rows.2")


async def test_files_that_are_not_imports(client: AsyncClient, actors: Actors) -> None:
    dept = actors.department
    assert_problem(await post(client, b"", dept), 422)
    assert_problem(await post(client, b"\r\n\r\n", dept), 422)
    header_only = await post(client, csv_bytes([]), dept)
    assert "no data rows" in assert_problem(header_only, 422)["detail"]

    broken = csv_bytes([row(employer_name=""), row(employer_name="Công ty")])
    broken = broken.replace("ô".encode(), b"\xf4")  # Latin-1, not UTF-8
    body = assert_problem(await post(client, broken, dept), 422, "rows.3")
    assert "UTF-8" in body["detail"]

    assert_problem(await post(client, b"PK\x03\x04 not a zip", dept, XLSX), 422)
    assert_problem(await post(client, csv_bytes([row()]), dept, XLSX), 422)
    empty_sheet = xlsx_bytes([], [])
    assert_problem(await post(client, empty_sheet, dept, XLSX), 422)

    for content_type in ("application/json", "text/plain", "application/vnd.ms-excel"):
        body = assert_problem(await post(client, csv_bytes([row()]), dept, content_type), 415)
        assert body["type"].endswith("/unsupported-media-type")
    assert_problem(await post(client, csv_bytes([row()]), dept, "text/csv; charset=latin-1"), 415)
    response = await client.post(URL, content=csv_bytes([row()]), headers=dept)
    assert_problem(response, 415)


async def test_too_many_rows(
    client: AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    assert (await post(client, csv_bytes([row()] * 3), actors.department)).status_code == 201
    body = assert_problem(await post(client, csv_bytes([row()] * 4), actors.department), 422)
    assert "more than 3 rows" in body["detail"]


async def test_only_the_department_imports(client: AsyncClient, actors: Actors) -> None:
    body = csv_bytes([row()])
    assert_problem(await post(client, body, actors.anonymous), 401)
    assert_problem(await post(client, body, actors.anonymous, "application/json"), 401)
    assert_problem(await post(client, body, actors.a), 403)
    assert (await post(client, body, actors.admin)).status_code == 201


async def test_vacancy_rows_fill_and_close_the_vacancy(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy = await post_vacancy(client, actors, positions=3)
    other = await post_vacancy(client, actors, positions=5, title="Thợ may công nghiệp")
    hired = await client.post(
        "/v1/placements",
        json={
            "placed_on": "2026-03-01",
            "vacancy_id": vacancy["id"],
            "person": {"person_ref": "086201009999", "sex": "male", "birth_year": 1990,
                       "trained": False},
            "channel": "job_map",
        },
        headers=actors.a,
    )  # fmt: skip
    assert hired.status_code == 201, hired.text
    columns = ["placed_on", "vacancy_id", "person_ref", "sex", "birth_year", "trained", "channel"]
    before = await count(session)

    too_many = [
        {"placed_on": "2026-03-02", "vacancy_id": vacancy["id"], "person_ref": f"08620100{n:04}",
         "sex": "female", "birth_year": "1999", "trained": "yes", "channel": "job_map"}
        for n in range(3)
    ]  # fmt: skip
    too_many.append({**too_many[0], "vacancy_id": other["id"], "person_ref": "086201000100"})
    response = await post(client, csv_bytes(too_many, columns=columns), actors.department)
    body = assert_problem(response, 422, "rows.4.vacancy_id")
    assert [e["field"] for e in body["errors"]] == ["rows.4.vacancy_id"]
    assert body["errors"][0]["type"] == "over_filled"
    assert await count(session) == before
    still = (await client.get(f"/v1/vacancies/{vacancy['id']}", headers=actors.a)).json()
    assert still["status"] == "open"

    response = await post(client, csv_bytes(too_many[1:], columns=columns), actors.department)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["imported"] == 3
    assert result["vacancies_filled"] == [vacancy["id"]]
    read = (await client.get(f"/v1/vacancies/{vacancy['id']}", headers=actors.a)).json()
    assert (read["status"], read["close_reason"]) == ("closed", "filled")
    assert (await client.get(f"/v1/vacancies/{other['id']}", headers=actors.a)).json()[
        "status"
    ] == "open"

    stored = await batch_rows(session, result["import_batch_id"])
    assert {r.employer_id for r in stored} == {actors.employer_a.id}  # from the vacancy
    assert {r.occupation_code for r in stored} == {"24"}
    assert {r.industry_code for r in stored} == {"14"}
    assert all(r.work_area_id is not None for r in stored)  # the vacancy's site

    # Full now: one more is refused like a single hire would be.
    response = await post(client, csv_bytes(too_many[:1], columns=columns), actors.department)
    assert_problem(response, 422, "rows.2.vacancy_id")


async def test_vacancy_and_employer_references_are_checked(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy = await post_vacancy(client, actors, positions=5)
    draft = await client.post(
        "/v1/vacancies",
        json={**(await _draft_payload()), "status": "draft"},
        headers=actors.a,
    )
    assert draft.status_code == 201, draft.text
    columns = [
        "placed_on", "vacancy_id", "employer_id", "person_ref", "sex", "birth_year",
        "trained", "work_commune_code", "channel",
    ]  # fmt: skip
    base = {"placed_on": "2026-03-02", "person_ref": "086201001234", "sex": "male",
            "birth_year": "1990", "trained": "0", "channel": "direct"}  # fmt: skip
    rows = [
        {**base, "vacancy_id": str(uuid.uuid4())},  # 2
        {**base, "vacancy_id": draft.json()["id"]},  # 3
        {**base, "vacancy_id": vacancy["id"], "employer_id": str(actors.employer_b.id)},  # 4
        {**base, "vacancy_id": vacancy["id"], "work_commune_code": OLD_ONLY},  # 5
        {**base, "employer_id": str(uuid.uuid4())},  # 6
        {**base, "employer_id": str(actors.employer_b.id)},  # 7: fine
    ]
    before = await count(session)
    body = assert_problem(
        await post(client, csv_bytes(rows, columns=columns), actors.department),
        422,
        "rows.2.vacancy_id",
        "rows.3.vacancy_id",
        "rows.4.employer_id",
        "rows.5.work_commune_code",
        "rows.6.employer_id",
    )
    types = {e["field"]: e["type"] for e in body["errors"]}
    assert types["rows.2.vacancy_id"] == "unknown_vacancy"
    assert types["rows.3.vacancy_id"] == "not_published"
    assert types["rows.5.work_commune_code"] == "not_a_site"
    assert not any(f.startswith("rows.7") for f in types)
    assert await count(session) == before


async def _draft_payload() -> dict[str, Any]:
    from tests.factories import vacancy_payload

    return vacancy_payload()


async def test_idempotent_retries_import_once(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    headers = {**actors.department, "Idempotency-Key": "import-retry-1"}
    body = csv_bytes([row(), row(person_ref="086201001299")])
    first = await post(client, body, headers)
    again = await post(client, body, headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await count(session, first.json()["import_batch_id"]) == 2
    assert await count(session) == 2

    other = await post(client, csv_bytes([row()]), headers)
    assert_problem(other, 422)
    as_xlsx = await post(client, body, headers, XLSX)  # same bytes, other format
    assert_problem(as_xlsx, 422)


async def test_one_audit_event_per_import(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    response = await post(client, csv_bytes([row()] * 4), actors.department)
    assert response.status_code == 201, response.text
    batch = response.json()["import_batch_id"]
    events = list(
        (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.entity_type == "placement_import")
            )
        ).all()
    )
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.entity_id, event.actor_role) == ("import", batch, "department")
    assert event.after is not None
    assert (event.after["rows"], event.after["format"]) == (4, "csv")
    assert "086201001234" not in str(event.after)
    assert (
        await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "placement")
        )
        == 0
    )

    trail = await client.get(
        "/v1/audit",
        params={"entity_type": "placement_import", "entity_id": batch},
        headers=actors.department,
    )
    assert trail.status_code == 200, trail.text
    assert [e["action"] for e in trail.json()["items"]] == ["import"]


async def test_thousands_of_rows(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    rows = [
        row(person_ref=f"0862{n:08}", birth_year=str(1960 + n % 45), trained=str(n % 2))
        for n in range(5_000)
    ]
    response = await post(client, csv_bytes(rows, bom=True), actors.department)
    assert response.status_code == 201, response.text
    batch = response.json()["import_batch_id"]
    assert response.json()["imported"] == 5_000
    assert await count(session, batch) == await count(session) == 5_000
    distinct = await session.execute(
        select(
            func.count(func.distinct(Placement.import_batch_id)),
            func.count(func.distinct(Placement.person_hash)),
            func.count(func.distinct(Placement.id)),
            func.sum(cast(Placement.trained, Integer)),
        )
    )
    assert tuple(distinct.one()) == (1, 5_000, 5_000, 2_500)


async def test_the_import_is_documented(client: AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    operation = doc["paths"][URL]["post"]
    assert set(operation["requestBody"]["content"]) == {CSV, XLSX}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PlacementImportResult"
    }
    assert {"401", "403", "415", "422"} <= set(operation["responses"])
    assert operation["description"].startswith("Record many placements from a file")


async def test_the_vacancy_table_is_untouched_by_a_failed_import(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    vacancy = await post_vacancy(client, actors, positions=1)
    columns = ["placed_on", "vacancy_id", "person_ref", "sex", "birth_year", "trained", "channel"]
    rows = [
        {"placed_on": "2026-03-02", "vacancy_id": vacancy["id"], "person_ref": "086201001234",
         "sex": "female", "birth_year": "1999", "trained": "yes", "channel": "job_map"},
        {"placed_on": "2099-03-02", "person_ref": "086201001235", "sex": "female",
         "birth_year": "1999", "trained": "yes", "channel": "job_map"},
    ]  # fmt: skip
    body = assert_problem(
        await post(client, csv_bytes(rows, columns=columns), actors.department),
        422,
        "rows.3.placed_on",
    )
    assert body["detail"] == "1 row has errors; nothing was imported."
    status = await session.scalar(
        select(Vacancy.status).where(Vacancy.id == uuid.UUID(vacancy["id"]))
    )
    assert status == "open"
