"""The department dashboard in a real browser: the key, the indicators of a seeded year, the
monthly chart, the choropleth and the downloads."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import OpenPage, Watched
from tests.web.pages import wait_until
from tests.web.seed import PLAN, RESIDENCE, YEAR, Seeded

pytestmark = pytest.mark.browser

DASHBOARD = f"/dashboard?year={YEAR}&through=06-30"
BOARD_READY = """() => {
  const cards = document.querySelectorAll('#indicators .indicator').length;
  const map = window.jobMapDashboard;
  return cards > 0 && !document.getElementById('indicators').hasAttribute('aria-busy')
    && map && map.getSource('units') && map.loaded();
}"""


def key_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def sign_in(watched: Watched, key: str) -> None:
    await watched.page.fill("#key", key)
    await watched.page.click("#sign-in button[type=submit]")


CARD = """(indicator) => {
  const box = document.querySelector(`.indicator[data-indicator="${indicator}"]`);
  const fields = Object.fromEntries([...box.querySelectorAll("dd")]
    .map((dd) => [dd.dataset.field, dd.textContent]));
  const pct = box.querySelector(".pct");
  return {actual: box.querySelector(".actual").textContent, pct: pct && pct.textContent,
          ...fields};
}"""


async def card(watched: Watched, indicator: str) -> dict[str, str | None]:
    shown: dict[str, str | None] = await watched.page.evaluate(CARD, indicator)
    return shown


async def test_the_indicators_of_a_seeded_year_against_its_plan(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(DASHBOARD)
    page = watched.page
    assert await page.is_hidden("#board")
    await sign_in(watched, key_of(web_site.department))
    await wait_until(page, BOARD_READY)
    domestic = sum(d for d, _ in web_site.monthly.values())
    abroad = sum(a for _, a in web_site.monthly.values())
    new_jobs = domestic + abroad
    assert await card(watched, "new_jobs") == {
        "actual": f"{new_jobs} người",
        "pct": "25% kế hoạch",  # 10 of 40
        "dash.plan": str(PLAN["new_jobs"]),
        "dash.lastYear": str(web_site.last_year_first_half),
        "dash.change": "+150%",  # 4 -> 10
        # 10 / mean(4/4, 4/8) = 13.3, from 10 / 1 to 10 / 0.5; 13 of 40 is 32.5%.
        "dash.projected": "13 (10\u201320) · 32,5% kế hoạch",  # an en dash
        "dash.projectionBasis": f"2 năm trước ({YEAR - 2}, {YEAR - 1})",
    }
    assert await card(watched, "sent_abroad") == {
        "actual": f"{abroad} người",
        "pct": "25% kế hoạch",  # 2 of 8
        "dash.plan": str(PLAN["sent_abroad"]),
        "dash.lastYear": "0",  # no change: nothing to compare with
        # Nobody was sent abroad in past years.
        "dash.projected": "Chưa đủ số liệu các năm trước (cần ít nhất 2 năm)",
    }
    assert await page.inner_text("#period-label") == "Từ 01/01/2026 đến 30/06/2026"

    chart = await page.evaluate("() => Chart.getChart('monthly').data.datasets.map((d) => d.data)")
    assert chart[0] == [d for d, _ in web_site.monthly.values()]  # domestic, Jan..Jun
    assert chart[1] == [a for _, a in web_site.monthly.values()]  # abroad
    assert chart[2] == [1, 1, 1, 1, 0, 0]  # last year's, one a month Jan..Apr
    # The projection on the right axis: from June's year to date to December's range.
    labels = await page.evaluate("() => Chart.getChart('monthly').data.labels")
    assert labels == [f"{month:02d}/{YEAR}" for month in range(1, 13)]
    june_to_december = [None] * 5 + [new_jobs] + [None] * 5
    assert chart[3:] == [[*june_to_december, end] for end in (13, 20, 10)]

    people = await page.evaluate(
        "(code) => window.jobMapDashboard.querySourceFeatures('units')"
        ".filter((f) => f.properties.code === code).map((f) => f.properties.people)",
        RESIDENCE,
    )
    assert set(people) == {new_jobs}
    communes = await page.evaluate(
        "() => new Set(window.jobMapDashboard.querySourceFeatures('units')"
        ".map((f) => f.properties.code)).size"
    )
    assert communes == 124

    # Signed in for the tab: a reload keeps the board, signing out forgets the key.
    await page.reload()
    await wait_until(page, BOARD_READY)
    await page.click("#sign-out")
    await page.locator("#key").wait_for()
    assert await page.evaluate("() => sessionStorage.length") == 0


async def test_a_period_before_the_reorganisation_maps_the_old_districts(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(f"/dashboard?year={YEAR - 1}&through=03-31")
    await sign_in(watched, key_of(web_site.department))
    page = watched.page
    await wait_until(page, BOARD_READY)
    units = await page.evaluate(
        "() => [...new Set(window.jobMapDashboard.querySourceFeatures('units')"
        ".map((f) => f.properties.level))]"
    )
    assert units == ["district"]
    assert "theo huyện" in await page.inner_text("#choropleth-heading")
    actual = await page.locator('.indicator[data-indicator="new_jobs"] .actual').inner_text()
    assert actual == "3 người"  # last year's January to March


async def test_downloads_are_the_api_s_files(open_page: OpenPage, web_site: Seeded) -> None:
    watched = await open_page(DASHBOARD)
    page = watched.page
    await sign_in(watched, key_of(web_site.department))
    await wait_until(page, BOARD_READY)
    await page.select_option("#table", "area")
    async with page.expect_download() as download_info:
        await page.click("#download-csv")
    download = await download_info.value
    assert download.suggested_filename == f"placements_{YEAR}0101_{YEAR}0630.csv"
    path = await download.path()
    saved = path.read_bytes()
    async with httpx.AsyncClient(base_url=web_site.base) as client:
        expected = await client.get(
            "/v1/stats/placements",
            params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-06-30", "group_by": "area",
                    "area_level": "commune", "format": "csv"},
            headers=web_site.department,
        )  # fmt: skip
    assert saved.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    # The same rows; only the generation time may differ.
    assert _rows(saved) == _rows(expected.content)
    assert f"{RESIDENCE}," in saved.decode("utf-8-sig")
    async with page.expect_download() as download_info:
        await page.click("#download-xlsx")
    workbook = await (await download_info.value).path()
    assert workbook.read_bytes()[:2] == b"PK"  # a zip: the XLSX container


async def test_a_wrong_key_or_another_role_s_key_is_refused(
    open_page: OpenPage, web_site: Seeded
) -> None:
    watched = await open_page(DASHBOARD)
    watched.allowed_statuses.update({401, 403})
    page = watched.page
    await sign_in(watched, "jm_not_a_real_key_at_all")
    await wait_until(page, "() => document.getElementById('sign-in-error').textContent !== ''")
    assert await page.inner_text("#sign-in-error") == (
        "Khóa không hợp lệ hoặc không có quyền xem thống kê."
    )
    await sign_in(watched, key_of(web_site.employer))
    await wait_until(page, "() => document.getElementById('sign-in-error').textContent !== ''")
    assert await page.is_hidden("#board")
    assert await page.evaluate("() => sessionStorage.length") == 0


def _rows(csv: bytes) -> list[str]:
    return [line for line in csv.decode("utf-8-sig").splitlines() if "generated" not in line]


ATTENTION_READY = """() => {
  const list = document.getElementById("attention-list");
  return !list.hasAttribute("aria-busy") && list.children.length > 0;
}"""


async def test_places_that_need_attention_are_listed_and_coloured(
    open_page: OpenPage, web_site: Seeded
) -> None:
    """Long Châu has a plan of its own and reached 10% of it by 30 June (10 people): it is
    listed with why, and colouring the map by attention paints it as behind its plan."""
    watched = await open_page(DASHBOARD)
    page = watched.page
    await sign_in(watched, key_of(web_site.department))
    await wait_until(page, BOARD_READY)
    await wait_until(page, ATTENTION_READY)
    items = page.locator("#attention-list li")
    assert await items.count() == 1
    assert await items.first.get_attribute("data-code") == RESIDENCE
    text = await items.first.inner_text()
    assert "Long Châu" in text
    assert "Chậm so với kế hoạch" in text
    assert "Đạt 10.00% kế hoạch năm" in text
    await page.select_option("#choropleth-by", "attention")
    await wait_until(
        page,
        """() => JSON.stringify(window.jobMapDashboard.getPaintProperty("units", "fill-color"))
          .includes("attention")""",
    )
    reasons = await page.evaluate(
        """() => Object.fromEntries(window.jobMapDashboard.querySourceFeatures("units")
          .map((f) => [f.properties.code, f.properties.attention]))"""
    )
    assert reasons[RESIDENCE] == "behind_plan"
    assert {reason for code, reason in reasons.items() if code != RESIDENCE} == {"none"}
    assert "Chậm so với kế hoạch" in await page.inner_text("#choropleth-legend")


DEMAND_READY = """() => document.querySelectorAll("#demand-table tr").length > 1"""


async def test_demand_against_supply_is_charted_with_its_figures(
    open_page: OpenPage, web_site: Seeded
) -> None:
    """The seeded year's ten people were placed as welders (ISCO 72); no vacancy was
    published in the first half: group 7 has 10 placed against 0 posted."""
    watched = await open_page(DASHBOARD)
    page = watched.page
    await sign_in(watched, key_of(web_site.department))
    await wait_until(page, BOARD_READY)
    await wait_until(page, DEMAND_READY)
    row = await page.evaluate(
        """() => [...document.querySelector('#demand-table tr[data-code="7"]').cells]
          .map((cell) => cell.textContent)"""
    )
    assert row[1:4] == ["0", "10", "0"]
    datasets = await page.evaluate(
        """() => Chart.getChart("demand").data.datasets.map((d) => [d.label, d.data])"""
    )
    assert [label for label, _ in datasets] == [
        "Chỗ làm việc đăng tuyển", "Người được giải quyết việc làm", "Dự kiến đăng tuyển quý sau",
    ]  # fmt: skip
    assert 10 in datasets[1][1]
