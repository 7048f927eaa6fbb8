"""Job-seeker search against a brute-force reference: radius edges, distances, order, paging,
Vietnamese text, every filter, facets, hidden vacancies, and bad parameters."""

from __future__ import annotations

import math
import random
import unicodedata
import uuid
from collections import Counter
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import cursors
from app.search import facets, pages, repository, reuse, spelling
from tests.factories import CITY_CENTRE, Actors, vacancy_payload
from tests.factories import post_vacancy as post
from tests.problems import assert_problem

LON, LAT = CITY_CENTRE
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563


def vincenty_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance on the WGS84 spheroid (Vincenty's inverse formula), independent of PostGIS."""
    b = WGS84_A * (1 - WGS84_F)
    u1 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = WGS84_F / 16 * cos2_alpha * (4 + WGS84_F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * WGS84_F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-12:
            break
    u_sq = cos2_alpha * (WGS84_A**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - delta)


async def projected(
    session: AsyncSession, metres: float, azimuth_deg: float
) -> tuple[float, float]:
    """The point `metres` from the centre on the spheroid, towards `azimuth_deg`."""
    row = (
        await session.execute(
            text(
                "SELECT ST_X(p::geometry), ST_Y(p::geometry) FROM ST_Project("
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :m, radians(:az)) p"
            ),
            {"lon": LON, "lat": LAT, "m": metres, "az": azimuth_deg},
        )
    ).one()
    return float(row[0]), float(row[1])


def at(lon: float, lat: float, positions: int = 1) -> list[dict[str, Any]]:
    return [{"positions": positions, "coordinates": {"lon": lon, "lat": lat}}]


async def search(client: AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/vacancies", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def walk_afresh(client: AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every page of a search, no statement reused from an earlier request."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        reuse.clear()
        page = await search(client, **params, **({"cursor": cursor} if cursor else {}))
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def walk(client: AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every page of a search."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await search(client, **params, **({"cursor": cursor} if cursor else {}))
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


# Near: radius edge, distances, order ---------------------------------------------------------


# Ordered by distance the radius is a KNN index condition; in any other order a box and an
# exact distance test: both must draw the same edge.
@pytest.mark.parametrize("sort", ["distance", "newest", "salary"])
async def test_radius_is_strict_at_the_edge(
    client: AsyncClient, actors: Actors, session: AsyncSession, sort: str
) -> None:
    inside = await projected(session, 999, 45)
    outside = await projected(session, 1001, 45)
    kept = await post(client, actors.a, title="Bên trong", sites=at(*inside))
    await post(client, actors.a, title="Bên ngoài", sites=at(*outside))
    items = await walk(client, near=f"{LON},{LAT}", radius_m=1000, sort=sort)
    assert [item["vacancy_id"] for item in items] == [kept["id"]]
    assert items[0]["distance_m"] == pytest.approx(999, abs=0.5)


async def test_near_matches_a_brute_force_reference(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    rng = random.Random(86)  # noqa: S311  (test data)
    items = [
        vacancy_payload(
            title=f"Việc làm số {i}",
            sites=at(LON + rng.uniform(-0.04, 0.04), LAT + rng.uniform(-0.04, 0.04)),
        )
        for i in range(120)
    ]
    response = await client.post("/v1/vacancies/bulk", json=items, headers=actors.a)
    assert response.json()["created"] > 80  # a few random points fall in the river
    rows = await session.execute(
        text("SELECT id, ST_X(geom), ST_Y(geom) FROM vacancy_site WHERE public")
    )
    radius = 3000.0
    reference = {site_id: vincenty_m(LON, LAT, x, y) for site_id, x, y in rows}

    found = await walk(client, near=f"{LON},{LAT}", radius_m=radius, limit=7)
    got = {item["site"]["id"]: item["distance_m"] for item in found}
    assert len(got) == len(found), "a site was returned twice"
    # Sites within a metre of the edge could go either way on rounding: leave them out.
    clear_in = {i for i, d in reference.items() if d < radius - 1}
    clear_out = {i for i, d in reference.items() if d > radius + 1}
    assert clear_in <= set(got)
    assert not clear_out & set(got)
    assert len(clear_in) > 10
    for site_id, distance in got.items():
        assert distance == pytest.approx(reference[site_id], rel=0.005, abs=0.1)
    distances = [item["distance_m"] for item in found]
    assert distances == sorted(distances)
    for sort in ("newest", "salary"):
        other = await walk(client, near=f"{LON},{LAT}", radius_m=radius, limit=7, sort=sort)
        assert {item["site"]["id"] for item in other} == set(got), sort


# Text ------------------------------------------------------------------------------------------


@pytest.fixture
async def catalogue(client: AsyncClient, actors: Actors) -> dict[str, str]:
    titles = {
        "accountant": ("Kế toán tổng hợp", "24"),
        "sewing": ("Công nhân may công nghiệp", "75"),
        "electrician": ("Thợ điện dân dụng", "74"),
        "technician": ("Kỹ thuật viên bảo trì", "31"),
        "driver": ("Tài xế xe tải", "83"),
    }
    ids = {}
    for i, (key, (title, occupation)) in enumerate(titles.items()):
        lon, lat = LON + 0.001 * i, LAT
        ids[key] = (
            await post(
                client, actors.a, title=title, occupation_code=occupation, sites=at(lon, lat)
            )
        )["id"]
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ke toan", "accountant"),
        ("Kế toán", "accountant"),
        ("KẾ TOÁN", "accountant"),
        (unicodedata.normalize("NFD", "kế toán"), "accountant"),
        ("ke tona", "accountant"),  # a typo
        ("cong nhan may", "sewing"),
        ("Công nhân may", "sewing"),
        ("dien", "electrician"),
        ("Điện", "electrician"),
        ("ĐIỆN", "electrician"),
        ("kĩ thuật", "technician"),  # kĩ/kỹ spellings
        ("ky thuat", "technician"),
        ("tai xe", "driver"),
        ("Thủy sản Cửu Long", None),  # employer B's name: none of A's vacancies
    ],
)
async def test_vietnamese_text(
    client: AsyncClient, catalogue: dict[str, str], query: str, expected: str | None
) -> None:
    found = [item["vacancy_id"] for item in await walk(client, q=query)]
    if expected is None:
        assert found == []
    else:
        assert found[0] == catalogue[expected], found


@pytest.mark.parametrize(
    ("q", "words", "phrase"),
    [
        ("Kế toán", "'ke' & 'toan':*", "'ke_toan':*"),
        ("ke t", "'ke' & 't':*", "'ke_t':*"),
        ("Điện", "'dien':*", "'dien':*"),
        ("a", "'a'", "'a'"),
        # each term once (the planner multiplies the selectivities of repeats)
        ("ke toan ke toan", "'ke' & 'toan' & 'toan':*", "'ke_toan' & 'ke_toan':* & 'toan_ke'"),
        # tsquery syntax in the input is just punctuation
        ("a:* & b | !c <-> d", "'a' & 'b' & 'c' & 'd':*", "'a_b' & 'b_c' & 'c_d':*"),
        ("中文", None, None),
        # a run over 64 letters is not a word: its neighbours become neighbours
        ("ke " + "b" * 70 + " toan", "'ke' & 'toan':*", "'ke_toan':*"),
    ],
)
async def test_query_terms(
    session: AsyncSession, q: str, words: str | None, phrase: str | None
) -> None:
    row = (
        await session.execute(
            text("SELECT jobmap_words_query(:q)::text, jobmap_phrase_query(:q)::text"),
            {"q": q},
        )
    ).one()
    assert tuple(row) == (words, phrase)


@pytest.mark.parametrize(
    "q",
    [
        "中文",
        "a" * 150,
        "ke " + "b" * 70 + " toan",
        "'; DROP TABLE vacancy; --",
        "a:* & b",
        "x | y",
        "!ke",
        "ke_toan",
        "Ǆ ﬁ",
        "0 1",
        "ke toan ke toan ke toan ke toan",
    ],
)
@pytest.mark.usefixtures("catalogue")
async def test_odd_queries_are_answered(client: AsyncClient, q: str) -> None:
    page = await search(client, q=q)
    assert page["text_match"] in ("words", "similar")
    assert (await client.get("/v1/vacancies.geojson", params={"q": q})).status_code == 200


async def test_text_covers_employer_occupation_and_description(
    client: AsyncClient, actors: Actors, catalogue: dict[str, str]
) -> None:
    by_employer = {i["vacancy_id"] for i in await walk(client, q="phuoc hau")}
    assert set(catalogue.values()) <= by_employer  # employer A: "May mặc Phước Hậu"
    by_occupation = {i["vacancy_id"] for i in await walk(client, q="drivers")}
    assert catalogue["driver"] in by_occupation  # ISCO 83: "Drivers and Mobile Plant Operators"
    special = await post(
        client, actors.a, title="Nhân viên kho", description="Sử dụng xe nâng hàng."
    )
    assert special["id"] in {i["vacancy_id"] for i in await walk(client, q="xe nang")}


async def test_relevance_is_the_default_with_q(
    client: AsyncClient, catalogue: dict[str, str]
) -> None:
    page = await search(client, q="ke toan")
    assert page["items"][0]["vacancy_id"] == catalogue["accountant"]


async def test_a_phrase_in_the_title_ranks_above_words_elsewhere(
    client: AsyncClient, actors: Actors
) -> None:
    # Posted oldest first: relevance must beat recency across tiers, recency orders within one.
    title_older = await post(client, actors.a, title="Kế toán kho")
    title_newer = await post(client, actors.a, title="Kế toán trưởng")
    words_apart = await post(
        client, actors.a, title="Thủ kho", description="Ghi sổ kế hoạch và toán học."
    )
    in_description = await post(
        client, actors.a, title="Bán hàng", description="Biết kế toán là lợi thế."
    )
    await post(client, actors.a, title="Bảo vệ", description="Làm ca đêm.")
    for limit in (1, 2, 20):  # cursors must carry the tier across pages
        found = [i["vacancy_id"] for i in await walk(client, q="ke toan", limit=limit)]
        assert found[:2] == [title_newer["id"], title_older["id"]]
        assert sorted(found[2:]) == sorted([words_apart["id"], in_description["id"]])
        assert found[2:] == [in_description["id"], words_apart["id"]]  # newest first in a tier


async def test_text_follows_edits_and_employer_renames(client: AsyncClient, actors: Actors) -> None:
    posted = await post(client, actors.a, title="Lái máy xúc")
    assert [i["vacancy_id"] for i in (await search(client, q="may xuc"))["items"]] == [posted["id"]]
    edited = await client.patch(
        f"/v1/vacancies/{posted['id']}",
        json={"title": "Thợ tiện"},
        headers={**actors.a, "If-Match": "*"},
    )
    assert edited.status_code == 200, edited.text
    assert (await search(client, q="may xuc"))["text_match"] == "similar"
    assert (await search(client, q="tho tien"))["items"][0]["vacancy_id"] == posted["id"]
    renamed = await client.patch(
        f"/v1/employers/{actors.employer_a.id}",
        json={"name": "Cơ khí Sông Tiền"},
        headers=actors.department,
    )
    assert renamed.status_code == 200, renamed.text
    assert [i["vacancy_id"] for i in await walk(client, q="co khi song tien")] == [posted["id"]]
    assert await walk(client, q="phuoc hau") == []


async def test_overlong_words_are_left_out_of_the_index(
    client: AsyncClient, actors: Actors
) -> None:
    # tsvector refuses lexemes over 2 KB: the posting must still succeed and stay searchable.
    long_word = "a" * 3000
    posted = await post(
        client, actors.a, title=f"Thợ sơn {'b' * 80}", description=f"Sơn nhà {long_word} đẹp."
    )
    for q in ("tho son", "son nha dep"):
        assert posted["id"] in {i["vacancy_id"] for i in await walk(client, q=q)}, q


async def test_the_last_word_is_a_prefix_while_typing(
    client: AsyncClient, catalogue: dict[str, str]
) -> None:
    for typed in ("ke t", "ke to", "cong nhan m", "dien d"):
        page = await search(client, q=typed)
        assert page["text_match"] == "words", typed
        assert page["items"], typed
    assert (await search(client, q="ke t"))["items"][0]["vacancy_id"] == catalogue["accountant"]


@pytest.mark.usefixtures("catalogue")
async def test_misspelt_words_are_corrected_only_when_no_open_vacancy_has_them(
    client: AsyncClient, actors: Actors
) -> None:
    exact = await search(client, q="ke toan")
    assert (exact["text_match"], exact["corrected_q"]) == ("words", None)
    cases = {
        "ke tona": "ke toan",  # two letters swapped
        "Kế tóna": "ke toan",  # diacritics fold away first
        "cong nhan mya": "cong nhan may",
        "cong nhna may": "cong nhan may",
        "cong nhan mey": "cong nhan may",  # a wrong letter
        "tai xee": "tai xe",  # a letter too many
        "ky thuat vien bao trri": "ki thuat vien bao tri",  # ky folds to ki
        "phuoc hua": "phuoc hau",  # employer A's name
        "drviers": "drivers",  # an occupation name
    }
    for typed, meant in cases.items():
        page = await search(client, q=typed)
        assert (page["text_match"], page["corrected_q"]) == ("corrected", meant), typed
        # Exactly what the corrected query finds, in the same order, across pages.
        expected = [i["site"]["id"] for i in await walk(client, q=meant)]
        assert [i["site"]["id"] for i in await walk(client, q=typed, limit=1)] == expected, typed
    # A word only some hidden vacancy had is not a correction: nothing open to show.
    await post(client, actors.a, title="Thợ mộc", status="draft")
    assert (await search(client, q="tho mco"))["corrected_q"] != "tho moc"


async def test_new_titles_are_corrected_towards_at_once(
    client: AsyncClient, actors: Actors
) -> None:
    assert (await search(client, q="tho hna"))["items"] == []
    posted = await post(client, actors.a, title="Thợ hàn")
    page = await search(client, q="tho hna")
    assert page["corrected_q"] == "tho han"
    assert [i["vacancy_id"] for i in page["items"]] == [posted["id"]]
    edited = await client.patch(
        f"/v1/vacancies/{posted['id']}",
        json={"title": "Thợ hàn điện"},
        headers={**actors.a, "If-Match": "*"},
    )
    assert edited.status_code == 200, edited.text
    assert (await search(client, q="tho han diwn"))["corrected_q"] == "tho han dien"


async def test_corrections_prefer_words_common_in_titles(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    for i in range(3):
        await post(client, actors.a, title=f"Tài xế xe tải {i}")
    await post(client, actors.a, title="Tài vụ, xếp lịch")
    # "xee" is one edit from both "xe" and "xep"; ANALYZE's statistics say "xe" is commoner.
    await session.execute(text("ANALYZE vacancy"))
    assert (await search(client, q="tai xee"))["corrected_q"] == "tai xe"


@pytest.mark.usefixtures("catalogue")
async def test_corrections_found_as_a_phrase_come_before_commoner_words(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    # "nhna" is one edit from "nhan" and from "nha", and "nha" is now the commoner in titles;
    # every vacancy has "cong" (its employer, Công ty ...), so "cong nha may" has all its
    # words in some vacancy. Only "Công nhân may" has its words as a phrase.
    for i in range(4):
        await post(client, actors.a, title=f"Bảo vệ nhà máy {i}", occupation_code="96")
    await session.execute(text("ANALYZE vacancy"))
    rows = await session.execute(
        text(
            "SELECT t.word, t.share FROM pg_stats AS s, unnest(s.most_common_elems::text"
            "::text[], s.most_common_elem_freqs) AS t(word, share)"
            " WHERE s.tablename = 'vacancy' AND s.attname = 'title_doc'"
            " AND s.schemaname = current_schema()"
        )
    )
    share: dict[str, float] = {str(row[0]): float(row[1]) for row in rows}
    assert share["nha"] > share.get("nhan", 0), share
    page = await search(client, q="cong nhna may")
    assert (page["text_match"], page["corrected_q"]) == ("corrected", "cong nhan may")
    # No phrase among the corrections: the words decide, the commoner word first.
    assert (await search(client, q="may bao vee"))["corrected_q"] == "may bao ve"


@pytest.mark.usefixtures("catalogue")
async def test_similar_titles_when_no_correction_matches(client: AsyncClient) -> None:
    # Every word is known but no open vacancy has them all: nothing to correct.
    page = await search(client, q="tai xe dien")
    assert (page["text_match"], page["corrected_q"]) == ("similar", None)
    # Too far from any word (3 edits) for a correction; the title is still similar.
    typo = await search(client, q="ke toanxyz")
    assert typo["text_match"] == "similar"
    assert "Kế toán" in typo["items"][0]["title"]
    walked = await walk(client, q="ke toanxyz", limit=1)
    assert walked[0]["title"] == typo["items"][0]["title"]
    assert len({i["site"]["id"] for i in walked}) == len(walked)
    assert (await search(client))["text_match"] is None


@pytest.mark.usefixtures("catalogue")
async def test_corrected_cursors_carry_the_correction(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Kế toán kho", sites=at(LON, LAT + 0.001))
    page = await search(client, q="ke tona", limit=1)
    shape = {"f": str, "k": object, "i": int, "t": int, "m": str}
    issued = cursors.decode(page["next_cursor"], "x", shape, {"c": str})
    assert (issued["m"], issued["c"]) == ("corrected", "ke toan")
    without = {key: value for key, value in issued.items() if key != "c"}
    for forged in ({**issued, "m": "words"}, without, {**issued, "c": 5}):
        response = await client.get(
            "/v1/vacancies",
            params={"limit": 1, "q": "ke tona", "cursor": cursors.encode(forged)},
        )
        assert_problem(response, 422, "query.cursor")


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("toan", "toan", 0),
        ("tona", "toan", 1),  # a swap of neighbours is one edit
        ("mya", "may", 1),
        ("xee", "xe", 1),
        ("kitten", "sitting", 3),
        ("ca", "abc", 3),  # optimal string alignment: no edits inside a swapped pair
        ("", "ab", 2),
    ],
)
def test_edit_distance(a: str, b: str, edits: int) -> None:
    assert spelling.edit_distance(a, b) == edits
    assert spelling.edit_distance(b, a) == edits


def test_corrections_are_tried_fewest_edits_first() -> None:
    near = {"may": 0.0, "my": 0.0, "mia": 0.0, "nhan": 0.5, "mya": 0.0}
    options = spelling.options("mya", near)
    # The word itself first, then same-length corrections before shorter ones.
    assert [(o.word, o.edits) for o in options] == [
        ("mya", 0), ("may", 1), ("mia", 1), ("my", 1),
    ]  # fmt: skip
    # Among corrections as near, the commoner in titles first.
    common = spelling.options("mya", {**near, "my": 0.01})
    assert [o.word for o in common] == ["mya", "my", "may", "mia"]
    assert spelling.options("xy", {"xe": 0.5}) == [spelling.Option("xy", 0)]  # too short
    tried = spelling.tries([[spelling.Option("cong", 0)], options])
    assert tried == ["cong may", "cong mia", "cong my"]
    assert spelling.allowed_edits("abcd") == 1
    assert spelling.allowed_edits("abcde") == 2


# Filters and visibility -------------------------------------------------------------------------


async def test_filters(client: AsyncClient, actors: Actors, session: AsyncSession) -> None:
    a = await post(
        client,
        actors.a,
        title="Kế toán",
        occupation_code="24",
        industry_code="14",
        employment_type="full_time",
        salary={"min": 8_000_000, "max": 9_000_000},
    )
    b = await post(
        client,
        actors.a,
        title="Phục vụ",
        occupation_code="51",
        industry_code="56",
        employment_type="part_time",
        salary={"min": 30_000, "period": "hour"},
    )
    c = await post(
        client,
        actors.b,
        title="Bốc xếp",
        occupation_code="93",
        industry_code="52",
        employment_type="seasonal",
        salary={"negotiable": True},
    )
    await session.execute(
        text(
            "UPDATE vacancy SET published_at = now() - interval '20 days' "
            "WHERE id = CAST(:id AS uuid)"
        ),
        {"id": c["id"]},
    )
    await session.commit()

    async def ids(**params: Any) -> set[str]:
        return {item["vacancy_id"] for item in await walk(client, **params)}

    assert await ids(occupation="2") == {a["id"]}
    assert await ids(occupation=["5", "9"]) == {b["id"], c["id"]}
    assert await ids(occupation="51") == {b["id"]}
    assert await ids(industry="C") == {a["id"]}  # section C holds division 14
    assert await ids(industry="56") == {b["id"]}
    assert await ids(employment_type=["part_time", "seasonal"]) == {b["id"], c["id"]}
    assert await ids(salary_min=6_000_000) == {a["id"], b["id"]}  # 30,000/h = 6.24 M/month
    assert await ids(salary_min=7_000_000) == {a["id"]}
    assert await ids(salary_min=7_000_000, include_unspecified=True) == {a["id"], c["id"]}
    assert await ids(posted_within_days=7) == {a["id"], b["id"]}
    assert await ids(employer_id=str(actors.employer_b.id)) == {c["id"]}
    assert await ids(area="29551") == {a["id"], b["id"], c["id"]}
    assert await ids(area="28777") == set()
    assert await ids(bbox=f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}") == {
        a["id"],
        b["id"],
        c["id"],
    }
    assert await ids(bbox="106.3,10.2,106.4,10.3") == set()
    # Edges: a site on the west edge is in; a micro-degree past the east edge is out (the
    # index compares single-precision boxes, which would let it in).
    assert len(await ids(bbox=f"{LON},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}")) == 3
    assert await ids(bbox=f"{LON - 0.01},{LAT - 0.01},{LON - 0.000001},{LAT + 0.01}") == set()
    salaries = [
        i["salary"]["monthly_max"] or i["salary"]["monthly_min"]
        for i in await walk(client, sort="salary")
    ]
    assert salaries == [9_000_000, 6_240_000, None]


async def test_a_section_filter_reads_sections_in_the_vsic_in_force(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    # Posted today, so coded in VSIC 2025: finance (64) is in section L, programming (62) in K
    # (in VSIC 2018, K was finance).
    finance = await post(
        client, actors.a, title="Giao dịch viên ngân hàng", occupation_code="42",
        industry_code="64",
    )  # fmt: skip
    programming = await post(
        client, actors.a, title="Lập trình viên", occupation_code="25", industry_code="62"
    )
    await session.commit()

    async def ids(**params: Any) -> set[str]:
        return {item["vacancy_id"] for item in await walk(client, **params)}

    assert await ids(industry="K") == {programming["id"]}
    assert await ids(industry="L") == {finance["id"]}
    assert await ids(industry="V") == set()


async def test_hidden_vacancies_never_appear(
    client: AsyncClient, actors: Actors, session: AsyncSession
) -> None:
    visible = await post(client, actors.a, title="Hiển thị")
    await post(client, actors.a, title="Bản nháp", status="draft")
    closed = await post(client, actors.a, title="Đã đóng")
    await client.post(
        f"/v1/vacancies/{closed['id']}/close", json={"reason": "filled"}, headers=actors.a
    )
    expired = await post(client, actors.a, title="Hết hạn")
    await session.execute(
        text("UPDATE vacancy SET valid_through = now() WHERE id = CAST(:id AS uuid)"),
        {"id": expired["id"]},
    )
    await session.commit()
    await post(client, actors.unverified_key, title="Chưa duyệt")
    for params in (
        {},
        {"near": f"{LON},{LAT}"},
        {"q": "a"},
        {"bbox": f"{LON - 0.1},{LAT - 0.1},{LON + 0.1},{LAT + 0.1}"},
    ):
        assert [i["vacancy_id"] for i in await walk(client, **params)] in ([visible["id"]], []), (
            params
        )
    assert [i["vacancy_id"] for i in await walk(client)] == [visible["id"]]
    geo = (await client.get("/v1/vacancies.geojson")).json()
    assert [f["properties"]["vacancy_id"] for f in geo["features"]] == [visible["id"]]
    # Verifying the employer makes its open vacancy appear.
    await client.post(f"/v1/employers/{actors.unverified.id}/verify", headers=actors.department)
    assert len(await walk(client)) == 2


# Paging, totals, facets ---------------------------------------------------------------------


async def test_cursor_walk_returns_each_match_once_while_vacancies_are_added(
    client: AsyncClient, actors: Actors
) -> None:
    originals = [
        (await post(client, actors.a, title=f"Ban đầu {i}", sites=at(LON + 0.0005 * i, LAT)))["id"]
        for i in range(25)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, "sort": "newest"}
        if cursor:
            params["cursor"] = cursor
        page = await search(client, **params)
        seen.extend(item["vacancy_id"] for item in page["items"])
        # Another employer posts between every two pages.
        await post(
            client, actors.b, title=f"Chen vào {len(seen)}", sites=at(LON, LAT + 0.001 * len(seen))
        )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a result was returned twice"
    assert set(originals) <= set(seen), "a result was skipped"


@pytest.mark.parametrize("bound", [2, 3, 5, 8])
async def test_totals_are_exact_up_to_the_bound(
    client: AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    monkeypatch.setattr(repository, "TOTAL_BOUND", bound)
    # 3 titles with the phrase "kế toán", 2 with the words apart: 5 results.
    for title in ("Kế toán", "Kế toán kho", "Kế toán thuế", "Toán kế", "Thủ kho"):
        await post(client, actors.a, title=title, description="Kế hoạch; toán học.")
    exact = bound >= 5
    for params in ({}, {"q": "ke toan"}, {"q": "ke toan", "sort": "newest"}):
        page = await search(client, limit=1, count="exact", **params)
        assert (page["total"], page["total_exact"]) == (min(5, bound), exact), params
        geo = (await client.get("/v1/vacancies.geojson", params=params)).json()
        key = "numberMatched" if exact else "numberMatchedAtLeast"
        assert geo[key] == min(5, bound), params
        assert geo["numberReturned"] == 5


async def test_totals_are_counted_only_on_request(client: AsyncClient, actors: Actors) -> None:
    for i in range(3):
        await post(client, actors.a, title=f"Đếm {i}", sites=at(LON + 0.001 * i, LAT))
    near: dict[str, Any] = {"near": f"{LON},{LAT}", "radius_m": 5000}
    plain = await search(client, **near)
    assert (plain["total"], plain["total_exact"], len(plain["items"])) == (None, None, 3)
    counted = await search(client, **near, count="exact")
    assert (counted["total"], counted["total_exact"]) == (3, True)
    assert counted["items"] == plain["items"]
    wrong = await client.get("/v1/vacancies", params={**near, "count": "all"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "query.count"


async def test_totals_and_facets_add_up(client: AsyncClient, actors: Actors) -> None:
    for i, (occupation, kind) in enumerate(
        [("24", "full_time"), ("24", "part_time"), ("93", "seasonal")]
    ):
        await post(
            client,
            actors.a,
            title=f"Việc {i}",
            occupation_code=occupation,
            employment_type=kind,
            sites=[
                {"positions": 1, "commune_code": "29557"},
                {"positions": 2, "coordinates": {"lon": LON, "lat": LAT + 0.001 * i}},
            ],
        )
    page = await search(client, facets="true", limit=2, count="exact")
    assert page["total"] == 6  # one result per site
    assert page["total_exact"] is True
    for dimension, counts in page["facets"].items():
        assert sum(counts.values()) == page["total"], dimension
    assert page["facets"]["occupation_group"] == {"2": 4, "9": 2}
    assert page["facets"]["commune"] == {"29557": 3, "29551": 3}
    second = await search(client, limit=2, cursor=page["next_cursor"], count="exact")
    assert second["total"] is None  # counted on the first page only


async def test_facets_beyond_the_exact_range_are_estimated_from_the_sample(
    client: AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 results; the bounds made small so that 40 is "many", and a 1-in-2 sample.
    for i in range(20):
        await post(
            client,
            actors.a,
            title=f"Mẫu {i}",
            occupation_code="24" if i % 3 else "93",
            sites=[at(LON + 0.001 * i, LAT)[0], {"positions": 1, "commune_code": "29557"}],
        )
    results = await walk(client, limit=100)
    assert len(results) == 40
    monkeypatch.setattr(repository, "TOTAL_BOUND", 10)
    monkeypatch.setattr(facets, "SAMPLE_EVERY", 2)
    monkeypatch.setattr(facets, "EXACT_UP_TO", 5)
    page = await search(client, facets="true", limit=1, count="exact")
    assert (page["total_exact"], page["facets_exact"]) == (False, False)
    sampled = [r for r in results if r["site"]["id"] % 2 == 0]
    groups = Counter(r["occupation_code"][0] for r in sampled)
    expected = {group: round(n * 2, 2 - len(str(n * 2))) for group, n in groups.items()}
    assert page["facets"]["occupation_group"] == expected
    communes = Counter(r["site"]["commune"]["code"] for r in sampled)
    assert sum(page["facets"]["commune"].values()) == sum(communes.values()) * 2
    # When the sample says the matches are few, they are counted exactly after all.
    monkeypatch.setattr(facets, "EXACT_UP_TO", 1000)
    exact = await search(client, facets="true", limit=1)
    assert exact["facets_exact"] is True
    assert exact["facets"]["occupation_group"] == dict(
        Counter(r["occupation_code"][0] for r in results).most_common()
    )
    assert (await search(client, limit=1))["facets_exact"] is None


async def test_geojson(client: AsyncClient, actors: Actors) -> None:
    for i in range(3):
        await post(client, actors.a, title=f"Bản đồ {i}", sites=at(LON + 0.001 * i, LAT))
    response = await client.get(
        "/v1/vacancies.geojson", params={"near": f"{LON},{LAT}", "limit": 2}
    )
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (3, 2)
    first = body["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [LON, LAT]}
    assert first["properties"]["distance_m"] == 0
    assert {"vacancy_id", "title", "employer", "positions", "occupation_group"} <= set(
        first["properties"]
    )
    negotiated = await client.get(
        "/v1/vacancies", params={"limit": 2}, headers={"Accept": "application/geo+json"}
    )
    assert negotiated.json()["type"] == "FeatureCollection"
    assert_problem(
        await client.get("/v1/vacancies.geojson", params={"limit": 2001}), 422, "query.limit"
    )


# Bad parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "abc"}, "query.near"),
        ({"near": "105.9"}, "query.near"),
        ({"near": "10.25,105.97"}, "query.near"),  # swapped: latitude 105.97
        ({"near": "NaN,10"}, "query.near"),
        ({"near": "inf,10"}, "query.near"),
        ({"near": "105.9,10.2", "radius_m": "0"}, "query.radius_m"),
        ({"near": "105.9,10.2", "radius_m": "100001"}, "query.radius_m"),
        ({"near": "105.9,10.2", "radius_m": "nan"}, "query.radius_m"),
        ({"bbox": "106,10,105,11"}, "query.bbox"),
        ({"bbox": "-180,-90,180,90"}, "query.bbox"),
        ({"bbox": "179,0,181,1"}, "query.bbox"),
        ({"bbox": "1,2,3"}, "query.bbox"),
        ({"near": "105.9,10.2", "bbox": "105.9,10.2,106,10.3"}, "query.near"),
        ({"area": "29551'--"}, "query.area"),
        ({"sort": "distance"}, "query.sort"),
        ({"sort": "relevance"}, "query.sort"),
        ({"sort": "random"}, "query.sort"),
        ({"q": "!!!"}, "query.q"),
        ({"q": "x" * 201}, "query.q"),
        ({"q": "a\x00b"}, "query.q"),
        ({"q": "a b c d e f g h i"}, "query.q"),
        ({"occupation": "2a"}, "query.occupation"),
        ({"industry": "Z"}, "query.industry"),
        ({"employment_type": "gig"}, "query.employment_type.0"),
        ({"salary_min": "-1"}, "query.salary_min"),
        ({"posted_within_days": "0"}, "query.posted_within_days"),
        ({"employer_id": "nope"}, "query.employer_id"),
        ({"limit": "0"}, "query.limit"),
        ({"limit": "101"}, "query.limit"),
        ({"cursor": "garbage"}, "query.cursor"),
        (
            {"cursor": cursors.encode({"f": "x", "k": "2026-01-01T00:00:00+00:00", "i": 1})},
            "query.cursor",
        ),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    client: AsyncClient, params: dict[str, str], field: str
) -> None:
    assert_problem(await client.get("/v1/vacancies", params=params), 422, field)


async def test_a_cursor_only_works_for_its_own_query(client: AsyncClient, actors: Actors) -> None:
    for i in range(3):
        await post(client, actors.a, title=f"Trang {i}", sites=at(LON + 0.001 * i, LAT))
    page = await search(client, limit=1, q="trang")
    other = await client.get(
        "/v1/vacancies", params={"limit": 1, "q": "khac", "cursor": page["next_cursor"]}
    )
    assert_problem(other, 422, "query.cursor")
    shape = {"f": str, "k": object, "i": int, "t": int, "m": str}
    issued = cursors.decode(page["next_cursor"], "x", shape)
    for tamper in ({"i": str(uuid.uuid4())}, {"k": 1.5}, {"k": "not a time"}, {"m": "fuzzy"}):
        forged = await client.get(
            "/v1/vacancies",
            params={"limit": 1, "q": "trang", "cursor": cursors.encode({**issued, **tamper})},
        )
        assert_problem(forged, 422, "query.cursor")


async def test_posted_within_takes_whole_days(client: AsyncClient) -> None:
    assert_problem(
        await client.get("/v1/vacancies", params={"posted_within_days": "1.5"}),
        422,
        "query.posted_within_days",
    )


# Areas for the choropleth ----------------------------------------------------------------------


async def test_areas_with_vacancy_counts(client: AsyncClient, actors: Actors) -> None:
    await post(client, actors.a, title="Một nơi", sites=at(LON, LAT, positions=3))
    two_sites = [
        {"positions": 2, "coordinates": {"lon": LON + 0.001, "lat": LAT}},
        {"positions": 5, "commune_code": "29557"},
    ]
    await post(client, actors.a, title="Hai nơi", sites=two_sites)
    await post(client, actors.a, title="Nháp", status="draft", sites=at(LON, LAT, positions=9))

    async def counts(**params: str) -> dict[str, tuple[int, int]]:
        response = await client.get(
            "/v1/areas", params={"with": "vacancies", "geometry": "none", **params}
        )
        assert response.status_code == 200, response.text
        return {
            f["id"]: (f["properties"]["open_vacancies"], f["properties"]["open_positions"])
            for f in response.json()["features"]
        }

    communes = await counts(level="commune")
    assert communes["29551"] == (2, 5)
    assert communes["29557"] == (1, 5)
    assert sum(v for v, _ in communes.values()) == 3  # a vacancy per commune it has sites in
    assert (await counts(level="province"))["86"] == (2, 10)  # distinct vacancies
    districts = await counts(level="district", at="2024-06-01")
    assert districts["855"][0] >= 1  # old Vĩnh Long city, by its boundary
    plain = await client.get("/v1/areas", params={"level": "commune", "geometry": "none"})
    assert "open_vacancies" not in plain.json()["features"][0]["properties"]
    assert_problem(await client.get("/v1/areas", params={"with": "placements"}), 422, "query.with")


async def post_at_one_point(client: AsyncClient, actors: Actors, count: int) -> None:
    """`count` vacancies of employer A, each with one site given by commune 29557, so all sit
    on its label point: equal distances from anywhere."""
    items = [
        vacancy_payload(title=f"Cùng chỗ {i}", sites=[{"positions": 1, "commune_code": "29557"}])
        for i in range(count)
    ]
    created = await client.post("/v1/vacancies/bulk", json=items, headers=actors.a)
    assert created.json()["created"] == count


async def test_nearest_pages_split_no_group_of_sites_at_one_point(
    client: AsyncClient, actors: Actors
) -> None:
    """Many sites at exactly one point (sites given by commune sit on its label point): more
    than the nearest-scan's margin, so paging must still give each exactly once, in id order."""
    await post_at_one_point(client, actors, 45)
    found = await walk(client, near=f"{LON},{LAT}", radius_m=20_000, limit=5)
    site_ids = [item["site"]["id"] for item in found]
    assert len(site_ids) == 45
    assert site_ids == sorted(site_ids)  # equal distances: by site id


async def test_a_run_of_equal_distances_is_taken_along_the_index_before_any_sort(
    client: AsyncClient, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run longer than the first margin is taken again along the KNN index with the larger
    one; only a run longer than every margin is ordered without it. Same pages either way."""
    await post_at_one_point(client, actors, 20)
    tries: list[tuple[bool, int]] = []
    original = pages._page

    async def recorded(*args: Any, knn: bool, margin: int = 0, **kwargs: Any) -> Any:
        tries.append((knn, margin))
        return await original(*args, knn=knn, margin=margin, **kwargs)

    monkeypatch.setattr(pages, "_page", recorded)
    near = f"{LON},{LAT}"
    expected: list[int] | None = None
    for margins in ((8, 256), (2, 4)):
        monkeypatch.setattr(pages, "KNN_TIE_MARGINS", margins)
        tries.clear()
        found = await walk(client, near=near, radius_m=20_000, limit=5)
        site_ids = [item["site"]["id"] for item in found]
        assert site_ids == sorted(site_ids)
        assert len(site_ids) == 20
        expected = expected or site_ids
        assert site_ids == expected
        if margins == (8, 256):  # every page: the small margin, then the large one
            assert set(tries) == {(True, 8), (True, 256)}
        else:  # 20 at one point exceed 5 + 4: the exact order without KNN
            assert (False, 0) in tries
            assert (True, 4) in tries


async def test_reused_geojson_statements_take_each_requests_values(
    client: AsyncClient, actors: Actors, caplog: pytest.LogCaptureFixture
) -> None:
    """The GeoJSON statement is built once per shape of request and run again with the next
    request's values: the second request of each pair must answer as if built afresh."""
    spots = [(LON + dx, LAT + dy) for dx, dy in ((0, 0), (0.02, 0.01), (-0.03, 0.02), (0.2, -0.05))]
    for index, (lon, lat) in enumerate(spots):
        await post(
            client,
            actors.a if index % 2 else actors.b,
            title=f"Việc {index}",
            occupation_code=("24", "51", "72", "24")[index],
            industry_code=("14", "56", "C", "10")[index],
            employment_type=("full_time", "part_time", "seasonal", "full_time")[index],
            salary={"min": (8, 12, 20, 5)[index] * 1_000_000, "period": "month"},
            sites=at(lon, lat),
        )
    box = f"{LON - 0.05},{LAT - 0.05},{LON + 0.05},{LAT + 0.05}"
    far_box = f"{LON + 0.15},{LAT - 0.1},{LON + 0.25},{LAT}"
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"bbox": box}, {"bbox": far_box}),
        ({"bbox": box, "limit": 1}, {"bbox": box, "limit": 3}),
        ({"near": f"{LON},{LAT}", "radius_m": 1000}, {"near": f"{LON},{LAT}", "radius_m": 5000}),
        ({"near": f"{LON},{LAT}", "sort": "newest"},
         {"near": f"{LON + 0.01},{LAT + 0.005}", "sort": "newest", "radius_m": 3000}),
        ({"bbox": box, "occupation": "2"}, {"bbox": box, "occupation": "5"}),
        ({"industry": "C"}, {"industry": ["14", "56"]}),
        ({"employment_type": "part_time"},
         {"employment_type": ["full_time", "seasonal"]}),
        ({"salary_min": 10_000_000}, {"salary_min": 6_000_000}),
        ({"posted_within_days": 1, "employer_id": str(actors.employer_a.id)},
         {"posted_within_days": 3, "employer_id": str(actors.employer_b.id)}),
        ({"area": "29551"}, {"area": "29557"}),
    ]  # fmt: skip

    async def features(params: dict[str, Any]) -> dict[str, Any]:
        response = await client.get("/v1/vacancies.geojson", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    for first, second in pairs:
        reuse.clear()
        await features(first)
        assert reuse._statements, f"not kept for reuse: {first}"
        reused = await features(second)
        reuse.clear()
        fresh = await features(second)
        assert reused == fresh, (first, second)
        # The JSON search reuses its statements too (pages, cursors, totals): walked with
        # statements kept and walked building every one afresh, it finds the same.
        plain = {k: v for k, v in second.items() if k != "limit"}
        reuse.clear()
        await search(client, **{k: v for k, v in first.items() if k != "limit"}, limit=1)
        listed = await walk(client, **plain, limit=1)
        assert listed == await walk_afresh(client, **plain, limit=1), (first, second)
        assert (await search(client, **plain, count="exact"))["total"] == len(listed)
        expected = {item["site"]["id"] for item in listed}
        if "limit" in second:
            assert reused["numberReturned"] == min(second["limit"], len(expected))
        else:
            assert {f["id"] for f in reused["features"]} == expected, (first, second)
    differing = [await features(p) for p in ({"bbox": box}, {"bbox": far_box})]
    assert differing[0]["numberReturned"] == 3
    assert differing[1]["numberReturned"] == 1
    assert "not reusable" not in caplog.text
