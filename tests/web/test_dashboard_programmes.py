"""The dashboard's programmes in a real browser: the list, the chosen programme's progress per
target with exactly the API's figures (actual, target, % of target, time gone by, projection),
and its CSV and XLSX downloads, which are the API's files. Signed in with the admin's key
(staff as the department's): a key of its own, so that these loads and the other dashboard
tests' stay within one key's burst of reports (120 a minute)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.web.conftest import OpenPage, Watched
from tests.web.pages import wait_until
from tests.web.seed import PROGRAMMES, YEAR, Seeded
from tests.web.test_dashboard import BOARD_READY, DASHBOARD, key_of, sign_in

pytestmark = pytest.mark.browser

LONG_CHAU, TERM = PROGRAMMES  # in code order, as the list gives them
THROUGH = f"{YEAR}-06-30"  # the end of the dashboard's period (DASHBOARD), in the past
PROGRAMME_READY = """(code) => {
  const table = document.getElementById("programme-table");
  return document.getElementById("programme").value === code
    && !table.hasAttribute("aria-busy") && table.querySelectorAll("tbody tr").length > 0
    && document.getElementById("programme-about").textContent !== "";
}"""
ROWS = """() => [...document.querySelectorAll("#programme-table tbody tr")].map((tr) => ({
  indicator: tr.dataset.indicator, year: tr.dataset.year,
  ...Object.fromEntries([...tr.cells].map((td) => [td.dataset.field, td.textContent]))}))"""
REASONS = {"not_enough_history": "Chưa đủ số liệu các năm trước (cần ít nhất 2 năm)"}


def vi(number: float) -> str:
    """A number as the page writes it in Vietnamese (vi-VN: a decimal comma, up to 2
    decimals); the seeded figures are all under 1,000, so there is no thousands separator."""
    assert abs(number) < 1000
    return format(Decimal(str(number)).normalize(), "f").replace(".", ",")


def shown(target: dict[str, Any]) -> dict[str, str]:
    """What the page must show for a target of the API's answer."""
    if target["projected"] is None:
        projection = REASONS[target["projection_reason"]]
    else:
        projection = (
            f"{vi(target['projected'])} ({vi(target['projected_low'])}\u2013"
            f"{vi(target['projected_high'])}) · {vi(target['projected_pct_of_target'])}%"
        )
    return {
        "indicator": target["indicator"],
        "year": "" if target["year"] is None else str(target["year"]),
        "name": target["name_vi"],
        "span": "Cả giai đoạn" if target["year"] is None else str(target["year"]),
        "actual": vi(target["actual"]),
        "target": vi(target["target"]),
        "pct": f"{vi(target['pct_of_target'])}%",
        "elapsed": f"{vi(target['elapsed_pct'])}%",
        "projected": projection,
    }


async def api(site: Seeded, code: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site.base) as client:
        response = await client.get(
            f"/v1/stats/programmes/{code}",
            params={"through": THROUGH, **params},
            headers=site.admin,
        )
    assert response.status_code == 200, response.text
    return response


async def rows(watched: Watched, code: str) -> list[dict[str, str]]:
    await wait_until(watched.page, PROGRAMME_READY, code)
    found: list[dict[str, str]] = await watched.page.evaluate(ROWS)
    return found


async def test_programme_progress_is_the_api_s(open_page: OpenPage, web_site: Seeded) -> None:
    watched = await open_page(f"{DASHBOARD}&programme={TERM}")
    page = watched.page
    await sign_in(watched, key_of(web_site.admin))
    await wait_until(page, BOARD_READY)

    listed = await page.evaluate(
        "() => [...document.getElementById('programme').options].map((o) => o.value)"
    )
    assert listed == [LONG_CHAU, TERM]
    # The term chosen in the URL: the province's people, projected as the indicator is.
    term = (await api(web_site, TERM)).json()
    on_page = await rows(watched, TERM)
    assert on_page == [shown(target) for target in term["targets"]]
    whole, this_year, _abroad = on_page
    assert (whole["actual"], whole["target"], whole["pct"]) == ("10", "200", "5%")
    assert whole["elapsed"] == "9,91%"  # 181 of the term's 1,826 days
    assert whole["projected"] == "13 (10\u201320) · 6,5%"
    assert (this_year["pct"], this_year["elapsed"]) == ("25%", "49,59%")
    assert this_year["projected"] == "13 (10\u201320) · 32,5%"
    about = await page.inner_text("#programme-about")
    assert about == (
        "Giai đoạn 01/01/2026 \u2013 31/12/2030; số liệu đến 30/06/2026 · Địa bàn: toàn tỉnh"
    )

    # Another programme: Long Châu's residents, a commune of 2025 without past years.
    await page.select_option("#programme", LONG_CHAU)
    long_chau = (await api(web_site, LONG_CHAU)).json()
    on_page = await rows(watched, LONG_CHAU)
    assert on_page == [shown(target) for target in long_chau["targets"]]
    assert [(row["actual"], row["pct"]) for row in on_page] == [("10", "50%"), ("2", "50%")]
    assert "Long Châu (29551)" in await page.inner_text("#programme-about")
    assert f"programme={LONG_CHAU}" in page.url

    # Its files are the API's: the CSV byte for byte, the XLSX with the same figures.
    async with page.expect_download() as download_info:
        await page.click("#programme-csv")
    download = await download_info.value
    assert download.suggested_filename == f"programme_{LONG_CHAU}_{YEAR}0630.csv"
    saved = (await download.path()).read_bytes()
    assert saved == (await api(web_site, LONG_CHAU, format="csv")).content
    async with page.expect_download() as download_info:
        await page.click("#programme-xlsx")
    download = await download_info.value
    assert download.suggested_filename == f"programme_{LONG_CHAU}_{YEAR}0630.xlsx"
    sheet = load_workbook(io.BytesIO((await download.path()).read_bytes())).worksheets[0]
    figures = [row[:9] for row in sheet.iter_rows(values_only=True) if row[0] == "new_jobs"]
    assert [(row[6], row[7], row[8]) for row in figures] == [(20, 10, 50)]


async def test_a_period_before_a_programme_begins(open_page: OpenPage, web_site: Seeded) -> None:
    watched = await open_page(f"/dashboard?year={YEAR - 1}&through=06-30")
    page = watched.page
    await sign_in(watched, key_of(web_site.admin))
    await wait_until(page, BOARD_READY)
    await wait_until(page, "() => document.getElementById('programme-about').textContent")
    assert await page.inner_text("#programme-about") == (
        "Chương trình bắt đầu từ 01/01/2026: chưa có số liệu cho kỳ này."
    )
    assert await page.locator("#programme-table tr").count() == 0
    assert await page.is_disabled("#programme-csv")
