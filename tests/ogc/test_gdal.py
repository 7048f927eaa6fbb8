"""GDAL's OAPIF driver (Debian's gdal-bin, installed by `make test`) reads /ogc from a
running server: the layers, their feature counts with and without filters, and every feature
through the `next` links. ogrinfo exits 0 even when a request fails, so its errors are read
from its output."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from app.config import Settings
from tests.conftest import Live
from tests.factories import CITY_CENTRE
from tests.servers import running_server

LON, LAT = CITY_CENTRE


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[str]:
    async with running_server(settings.database_url) as base:
        yield base


async def ogrinfo(*args: str) -> str:
    program = shutil.which("ogrinfo")
    if program is None:
        pytest.fail("ogrinfo is missing: `make test` installs Debian's gdal-bin")
    process = await asyncio.create_subprocess_exec(
        program, "-ro", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    printed = output.decode()
    assert process.returncode == 0, printed
    assert "ERROR" not in printed, printed
    return printed


def feature_counts(printed: str) -> dict[str, int]:
    """Layer name -> the Feature Count ogrinfo printed for it."""
    layers = re.findall(r"^Layer name: (\S+)$", printed, re.MULTILINE)
    counts = re.findall(r"^Feature Count: (\d+)$", printed, re.MULTILINE)
    assert len(layers) == len(counts), printed
    return {layer: int(count) for layer, count in zip(layers, counts, strict=True)}


def site(lon: float, lat: float) -> dict[str, Any]:
    return {"positions": 1, "coordinates": {"lon": lon, "lat": lat}}


@pytest.fixture
async def posted(live: Live) -> None:
    """Employer A: seven sites over three vacancies; B: one; the unverified employer: one."""
    spread = [site(LON + 0.002 * step, LAT) for step in range(4)]
    for key, title, sites in (
        (live.actors.a, "Kế toán kho", spread),
        (live.actors.a, "Tài xế", [site(106.0765, 10.2636), site(106.0671, 10.2225)]),
        (live.actors.a, "Thợ may", [site(LON, LAT + 0.002)]),
        (live.actors.b, "Công nhân", [site(LON, LAT)]),
        (live.actors.unverified_key, "Chưa duyệt", [site(LON, LAT)]),
    ):
        response = await live.client.post(
            "/v1/vacancies",
            json={
                "title": title,
                "description": "Việc làm thử nghiệm cho GDAL.",
                "occupation_code": "24",
                "employment_type": "full_time",
                "contact": {"name": "Chị Lan", "phone": "0912 345 678"},
                "sites": sites,
            },
            headers=key,
        )
        assert response.status_code == 201, response.text


async def scalar(live: Live, sql: str, **values: Any) -> int:
    async with live.engine.connect() as connection:
        return int((await connection.execute(text(sql), values)).scalar_one())


PUBLIC = "SELECT count(*) FROM vacancy_site WHERE public AND valid_through > now()"


@pytest.mark.usefixtures("posted")
async def test_gdal_lists_both_layers_with_their_counts(server: str, live: Live) -> None:
    counts = feature_counts(await ogrinfo("-al", "-so", f"OAPIF:{server}/ogc"))
    assert counts == {
        "vacancies": await scalar(live, PUBLIC),
        "areas": await scalar(live, "SELECT count(*) FROM area"),
    }
    assert counts["vacancies"] >= 8  # ours, not the unverified employer's


@pytest.mark.usefixtures("posted")
async def test_gdal_counts_with_attribute_and_spatial_filters(server: str, live: Live) -> None:
    source = f"OAPIF:{server}/ogc"
    employer = live.actors.employer_a.id
    by_employer = await ogrinfo("-so", "-where", f"employer_id = '{employer}'", source, "vacancies")
    assert feature_counts(by_employer) == {"vacancies": 7}
    west, south, east, north = LON - 0.001, LAT - 0.001, LON + 0.003, LAT + 0.001
    in_box = await ogrinfo(
        "-so", "-spat", str(west), str(south), str(east), str(north), source, "vacancies"
    )
    expected = await scalar(
        live,
        f"{PUBLIC} AND geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)",
        w=west, s=south, e=east, n=north,
    )  # fmt: skip
    assert feature_counts(in_box) == {"vacancies": expected}
    assert expected >= 3  # two of A's spread sites and B's
    communes = await ogrinfo("-so", "-where", "level = 'commune'", source, "areas")
    assert feature_counts(communes) == {
        "areas": await scalar(live, "SELECT count(*) FROM area WHERE level = 'commune'")
    }


@pytest.mark.usefixtures("posted")
async def test_gdal_reads_every_feature_across_pages(server: str, live: Live) -> None:
    employer = live.actors.employer_a.id
    printed = await ogrinfo(
        "-oo", "PAGE_SIZE=2", "-where", f"employer_id = '{employer}'",
        f"OAPIF:{server}/ogc", "vacancies",
    )  # fmt: skip
    assert printed.count("OGRFeature(vacancies):") == 7
    titles = re.findall(r"^  title \(String\) = (.+)$", printed, re.MULTILINE)
    assert sorted(titles) == sorted(["Kế toán kho"] * 4 + ["Tài xế"] * 2 + ["Thợ may"])
    assert printed.count("POINT (") == 7
