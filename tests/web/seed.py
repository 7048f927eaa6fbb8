"""What the page tests see: vacancies posted and placements recorded through the API, the way
employers and the department do, on a database of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.factories import CITY_CENTRE, Actors, vacancy_payload

LON, LAT = CITY_CENTRE
# Eight sites of one vacancy close together: one cluster with a count at low zoom.
FACTORY = (106.0765, 10.2636)
DRIVER_SITE = (105.9500, 10.2400)
ACCOUNTANT_TITLES = ("Kế toán tổng hợp", "Kế toán kho", "Nhân viên kế toán thuế")
ACCOUNTANT_SITES = ((LON + 0.001, LAT + 0.0005), (LON - 0.002, LAT + 0.001),
                    (LON + 0.004, LAT - 0.003))  # fmt: skip
YEAR = 2026
PLAN = {"new_jobs": 40, "sent_abroad": 8}
RESIDENCE = "29551"  # Phường Long Châu
RESIDENCE_PLAN = 100
# Two programmes for the dashboard, listed in code order: one on Long Châu for the year (a
# commune of 2025: no whole past year to project from), one for the province's 2026-2030
# term (projected as the indicator is: 13, from 10 to 20).
PROGRAMMES: dict[str, dict[str, Any]] = {
    "long-chau-2026": {
        "name": "Đề án việc làm phường Long Châu năm 2026",
        "period_from": f"{YEAR}-01-01",
        "period_to": f"{YEAR}-12-31",
        "areas": [RESIDENCE],
        "targets": [
            {"indicator": "new_jobs", "target": 20},
            {"indicator": "sent_abroad", "target": 4},
        ],
    },
    "nhiem-ky-2026-2030": {
        "name": "Kế hoạch giải quyết việc làm giai đoạn 2026-2030",
        "period_from": f"{YEAR}-01-01",
        "period_to": f"{YEAR + 4}-12-31",
        "targets": [
            {"indicator": "new_jobs", "target": 200},
            {"indicator": "new_jobs", "year": YEAR, "target": 40},
            {"indicator": "sent_abroad", "target": 40},
        ],
    },
}


@dataclass(frozen=True)
class Seeded:
    base: str
    department: dict[str, str]
    admin: dict[str, str]  # staff too, with its own rate limits: for the programme tests
    employer: dict[str, str]
    public_sites: int
    accountant_sites: int
    driver: dict[str, Any]  # the vacancy the card tests open
    # Placements in the dashboard's year, Jan-Jun, by month: (domestic, abroad).
    monthly: dict[str, tuple[int, int]]
    last_year_first_half: int
    # Another department key, whose reports no other test counts (the rate limit tests).
    analyst: dict[str, str] = field(default_factory=dict)


def site(lon: float, lat: float, positions: int = 1) -> dict[str, Any]:
    return {"positions": positions, "coordinates": {"lon": lon, "lat": lat}}


async def post(client: httpx.AsyncClient, key: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/vacancies", json=vacancy_payload(**fields), headers=key)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def seed(client: httpx.AsyncClient, base: str, actors: Actors) -> Seeded:
    accountant_sites = ACCOUNTANT_SITES
    for title, (lon, lat), code in zip(
        ACCOUNTANT_TITLES, accountant_sites, ("24", "33", "33"), strict=True
    ):
        await post(client, actors.a, title=title, occupation_code=code, sites=[site(lon, lat)])
    await post(client, actors.unverified_key, title="Kế toán chưa duyệt")  # never public
    factory_sites = [
        site(FACTORY[0] + 0.0004 * (i % 4), FACTORY[1] + 0.0004 * (i // 4)) for i in range(8)
    ]
    await post(
        client, actors.b, title="Công nhân may công nghiệp", occupation_code="75",
        description="May áo sơ mi xuất khẩu.", sites=factory_sites,
    )  # fmt: skip
    driver = await post(
        client, actors.b, title="Tài xế xe tải", occupation_code="83",
        description="Lái xe tải giao hàng trong tỉnh; có bằng C.",
        salary={"min": 9_000_000, "max": 14_000_000, "period": "month"},
        contact={"name": "Anh Hùng", "phone": "0913 222 333", "email": "tuyendung@cuulong.vn"},
        sites=[site(*DRIVER_SITE, positions=3)],
    )  # fmt: skip
    await post(
        client, actors.b, title="Nhân viên bán hàng", occupation_code="52",
        employment_type="part_time", salary={"min": 25_000, "period": "hour"},
        description="Bán hàng tại cửa hàng, ca tối.",
        sites=[site(LON + 0.008, LAT + 0.006)],
    )  # fmt: skip
    await post(client, actors.a, title="Thợ hàn", occupation_code="72", employment_type="seasonal",
               description="Hàn khung thép nhà xưởng.", sites=[site(LON, LAT + 0.006)])  # fmt: skip

    monthly = {"01": (2, 0), "02": (2, 0), "03": (1, 1), "04": (2, 1), "05": (1, 0), "06": (0, 0)}
    person = 0
    for month, (domestic, abroad) in monthly.items():
        for destination, count in (("domestic", domestic), ("abroad", abroad)):
            for _ in range(count):
                person += 1
                await place(client, actors.department, f"{YEAR}-{month}-10", person, destination)
    last_year = 4
    for index in range(last_year):
        person += 1
        await place(client, actors.department, f"{YEAR - 1}-0{index + 1}-15", person, "domestic")
    # The year before: half its 8 people by 30 June. With last year (all 4 by then), two past
    # years to project from: 10 / mean(1, 1/2) = 13, from 10 / 1 to 10 / (1/2).
    for placed_on in ("01-15", "01-15", "03-15", "03-15", "09-15", "09-15", "09-15", "09-15"):
        person += 1
        await place(client, actors.department, f"{YEAR - 2}-{placed_on}", person, "domestic")
    response = await client.put(
        f"/v1/plans/{YEAR}",
        json=[
            *({"indicator": code, "target": target} for code, target in PLAN.items()),
            # Long Châu's own plan: its 10 people by 30 June are 10% of it, behind pace.
            {"indicator": "new_jobs", "target": RESIDENCE_PLAN, "area_code": RESIDENCE},
        ],
        headers=actors.department,
    )
    assert response.status_code in (200, 201), response.text
    for code, programme in PROGRAMMES.items():
        response = await client.put(
            f"/v1/programmes/{code}", json=programme, headers=actors.department
        )
        assert response.status_code == 201, response.text
    return Seeded(
        base=base,
        department=actors.department,
        admin=actors.admin,
        employer=actors.a,
        public_sites=len(accountant_sites) + len(factory_sites) + 3,
        accountant_sites=len(accountant_sites),
        driver=driver,
        monthly=monthly,
        last_year_first_half=last_year,
    )


async def place(
    client: httpx.AsyncClient, key: dict[str, str], placed_on: str, person: int, destination: str
) -> None:
    abroad = destination == "abroad"
    # Last year's people live in old units: their residence is left unknown.
    residence = RESIDENCE if placed_on.startswith(str(YEAR)) else None
    response = await client.post(
        "/v1/placements",
        json={
            "placed_on": placed_on,
            "employer_name": "Công ty CP Cung ứng Nhân lực Quốc tế" if abroad else "Công ty Thử",
            "person": {
                "person_ref": f"0862000{person:05d}",
                "sex": "female" if person % 2 else "male",
                "birth_year": 1995,
                "trained": True,
                "residence_commune_code": residence,
            },
            "destination": destination,
            "destination_country": "JP" if abroad else None,
            "occupation_code": "72",
            "channel": "labour_export" if abroad else "job_map",
        },
        headers=key,
    )
    assert response.status_code == 201, response.text
