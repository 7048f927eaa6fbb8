"""Every `curl` example of README.md and docs/*.md, run as printed (in bash, with curl) against
the real service in its own process, on a database with the areas, the codes and a few
vacancies: each answers as documented (tests/docs/examples.py says how that is read).

The keys and ids the examples name as shell variables are made here, the way a reader would
have them: `$KEY` (an employer's), `$DEPT_KEY`, `$ADMIN_KEY`, `$EMPLOYER_ID`, `$NEW_KEY` (a
second key of the same employer), `$OLD_PREFIX` (the prefix of a third, to revoke),
`$VACANCY_ID` (open), `$DRAFT_ID` (a draft), `$CLOSED_ID` (closed as filled) and `$ETAG`
(`$VACANCY_ID`'s ETag, read just before the command that sends it). Examples run in the order
of each file, so that one can build on the one before (a vacancy posted, then its duplicate)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.docs.examples import DOCS_DATED, Example, dated, examples, files, runnable
from tests.factories import Actors, vacancy_payload
from tests.servers import running_server, seeded_database

# The travel-time examples (`travel_mode=`) need a street network (`jobmap osm load FILE`, an
# extract this harness does not have): their 409 saying so is taken as not run. The OSM tests
# (tests/osm) cover those answers on a network of their own.
NO_NETWORK = '"no_street_network"'
TODAY = datetime.now(UTC).date()
DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Service:
    base: str
    variables: dict[str, str]


def _site(lon: float, lat: float) -> list[dict[str, object]]:
    return [{"positions": 1, "coordinates": {"lon": lon, "lat": lat}}]


async def _post(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: object
) -> dict[str, Any]:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def _variables(base: str, actors: Actors) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base) as client:
        employer = str(actors.employer_a.id)
        keys = f"/v1/employers/{employer}/keys"
        new_key = (await _post(client, keys, actors.a, {"label": "docs: new"}))["key"]
        old = await _post(client, keys, actors.a, {"label": "docs: old"})
        # Away from the examples' own sites and titles: not duplicates of them.
        vacancy = await _post(
            client,
            "/v1/vacancies",
            actors.a,
            vacancy_payload(title="Thợ hàn", sites=_site(106.05, 10.10)),
        )
        draft = await _post(
            client,
            "/v1/vacancies",
            actors.a,
            vacancy_payload(title="Công nhân may", status="draft", sites=_site(106.1, 10.0)),
        )
        closed = await _post(
            client,
            "/v1/vacancies",
            actors.a,
            vacancy_payload(title="Thợ điện", sites=_site(106.15, 10.05)),
        )
        await _post(client, f"/v1/vacancies/{closed['id']}/close", actors.a, {"reason": "filled"})
    return {
        "KEY": actors.a["Authorization"].removeprefix("Bearer "),
        "DEPT_KEY": actors.department["Authorization"].removeprefix("Bearer "),
        "ADMIN_KEY": actors.admin["Authorization"].removeprefix("Bearer "),
        "EMPLOYER_ID": employer,
        "NEW_KEY": new_key,
        "OLD_PREFIX": old["prefix"],
        "VACANCY_ID": vacancy["id"],
        "DRAFT_ID": draft["id"],
        "CLOSED_ID": closed["id"],
    }


@pytest.fixture(scope="module")
async def service() -> AsyncIterator[Service]:
    async with (
        seeded_database("_docs") as (url, actors),
        running_server(url, rate_limits_enabled="false") as base,
    ):
        yield Service(base, await _variables(base, actors))


async def _etag(service: Service) -> str:
    async with httpx.AsyncClient(base_url=service.base) as client:
        response = await client.get(
            f"/v1/vacancies/{service.variables['VACANCY_ID']}",
            headers={"Authorization": f"Bearer {service.variables['KEY']}"},
        )
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _run(example: Example, service: Service, folder: Path) -> str | None:
    """What is wrong with the example's answer, or None."""
    variables = dict(service.variables)
    if "ETAG" in example.variables:
        variables["ETAG"] = await _etag(service)
    missing = example.variables - set(variables) - set(os.environ)
    if missing:
        return f"uses {sorted(missing)}, which the harness does not provide"
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", "set -o pipefail; " + dated(runnable(example.command, service.base), TODAY),
        cwd=folder, env={**os.environ, **variables},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    text = out.decode("utf-8", "replace")
    body, _, status = text.rpartition("\n")
    if process.returncode != 0 or not status.isdigit():
        return f"exit {process.returncode}: {err.decode(errors='replace')[:300]}"
    if int(status) == 409 and NO_NETWORK in body and example.expected != 409:
        return None  # travel times need a street network, which this database has not loaded
    if not example.accepts(int(status)):
        wanted = example.expected or "2xx/3xx"
        return f"answered {status}, documented {wanted}: {body[-400:]}"
    return None


def test_curl_is_installed() -> None:
    # scripts/test-tools.sh installs it (and uuidgen, which an example uses) when missing.
    assert shutil.which("curl"), "curl is missing: scripts/test-tools.sh installs it"
    assert shutil.which("uuidgen"), "uuidgen is missing: scripts/test-tools.sh installs it"


async def test_every_curl_example_answers_as_documented(service: Service, tmp_path: Path) -> None:
    named: dict[str, str] = {}
    for document in DOCUMENTS:
        for name, content in files(document.read_text(encoding="utf-8")).items():
            assert name not in named or named[name] == content, f"two different {name}"
            named[name] = content
            (tmp_path / name).write_text(dated(content, TODAY), encoding="utf-8")
    failures = []
    ran: dict[str, int] = {}
    for document in DOCUMENTS:
        label = str(document.relative_to(PROJECT_ROOT))
        for example in examples(document, label):
            wrong = await _run(example, service, tmp_path)
            ran[label] = ran.get(label, 0) + 1
            if wrong:
                first = example.command.strip().split("\n", 1)[0]
                failures.append(f"{example.source} {first[:100]}\n    {wrong}")
    assert not failures, f"{len(failures)} examples fail:\n" + "\n".join(failures)
    # The extraction found what the documents hold (an empty harness would pass).
    assert ran.get("README.md", 0) >= 3, ran
    assert ran.get("docs/api.md", 0) >= 15, ran
    assert ran.get("docs/employers.md", 0) >= 18, ran


def test_the_extraction_reads_what_a_reader_sees(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_text(
        "Text.\n\n"
        "```sh\n"
        "curl 'http://127.0.0.1:8000/v1/areas?x=1'   # 400\n"
        "curl -X POST http://127.0.0.1:8000/v1/vacancies \\\n"
        '  -H "Authorization: Bearer $KEY" -d \'{"a": 1,\n'
        '  "b": 2}\'\n'
        "```\n\n"
        "- In a list:\n\n"
        "  ```sh\n"
        "  curl -s -i http://127.0.0.1:8000/v1/keys/$OLD_PREFIX\n"
        "  ```\n\n"
        "  ```\n"
        "  HTTP/1.1 204 No Content\n"
        "  ```\n\n"
        "```sh\n"
        'curl -H "Authorization: Bearer $KEY" …\n'
        "curl -LO https://download.geofabrik.de/asia/vietnam-latest.osm.pbf\n"
        "curl -d @body.json http://127.0.0.1:8000/v1/vacancies\n"
        "```\n\n"
        "```json file=body.json\n"
        '{"title": "x"}\n'
        "```\n\n"
        "```json\n"
        '{"type": "https://jobmap.vinhlong.gov.vn/problems/conflict", "status": 409}\n'
        "```\n",
        encoding="utf-8",
    )
    found = examples(document, "doc.md")
    assert [(e.source, e.expected) for e in found] == [
        ("doc.md:4", 400),
        ("doc.md:5", None),  # two commands in its block: the next block is not its answer
        ("doc.md:13", 204),
        ("doc.md:23", None),  # the illustration and the download are left out
    ]
    assert found[1].command.endswith('"b": 2}\'')
    assert found[1].variables == {"KEY"}
    assert files(document.read_text(encoding="utf-8")) == {"body.json": '{"title": "x"}\n'}
    assert runnable(found[0].command, "http://h:1").startswith(
        "curl --max-time 60 -w '\\n%{http_code}' 'http://h:1/v1/areas?x=1'"
    )
    assert found[0].accepts(400)
    assert not found[0].accepts(200)
    assert all(found[1].accepts(status) for status in (200, 201, 304))
    assert not found[1].accepts(404)


def test_valid_through_dates_move_with_the_calendar() -> None:
    body = '{"valid_through": "2026-12-31T17:00:00+07:00", "published_at": "2026-12-01T00:00:00Z"}'
    later = dated(body, date(2027, 3, 5))  # 90 days after DOCS_DATED
    assert later == (
        '{"valid_through": "2027-03-31T17:00:00+07:00", "published_at": "2026-12-01T00:00:00Z"}'
    )
    assert dated(body, DOCS_DATED) == body
    assert dated('-d \'{"status": "open", "valid_through": "2027-01-31T17:00:00+07:00"}\'',
                 date(2026, 12, 6)).endswith('"2027-02-01T17:00:00+07:00"}\'')  # fmt: skip
