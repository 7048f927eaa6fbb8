"""`jobmap demo load`: counts, places, codes, status mix, salaries, determinism, the CLI."""

from __future__ import annotations

import asyncio
import gc
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Row, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app.config import get_settings
from app.demo.cli import demo_cli
from app.demo.employers import tax_check_digit
from app.demo.generator import DemoGenerator
from app.demo.jobs import GENERIC_JOBS
from app.demo.loader import DemoError, DemoReport, has_vacancies, load_demo
from app.demo.places import Commune
from app.demo.trades import TRADES
from app.models import Area, Employer, Industry, Occupation, SalaryPeriod, Vacancy, VacancySite
from app.vacancies.salary import monthly_vnd
from tests.conftest import database_url

N = 500
SEED = 86
NOW = datetime.now(UTC).replace(microsecond=0)
TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")


@pytest.fixture
async def loaded(session: AsyncSession) -> DemoReport:
    return await load_demo(session, N, SEED, now=NOW)


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_counts_match_the_report_and_progress(session: AsyncSession) -> None:
    steps: list[int] = []
    report = await load_demo(session, N, SEED, steps.append, now=NOW, batch_size=200)
    assert steps == [200, 200, 100]
    assert report.employers == N // 20
    assert report.vacancies == N
    assert await _count(session, Employer) == report.employers
    assert await _count(session, Vacancy) == N
    assert await _count(session, VacancySite) == report.sites
    assert N * 1.05 < report.sites < N * 1.25  # 1 site each, 2-3 for about 10%


@pytest.mark.usefixtures("loaded")
async def test_sites_lie_inside_their_current_commune_and_the_province(
    session: AsyncSession,
) -> None:
    province = (
        select(Area.geom).where(Area.level == "province", Area.valid_to.is_(None)).scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                func.ST_Covers(Area.geom, VacancySite.geom),
                func.ST_Covers(province, VacancySite.geom),
                Area.level,
                Area.valid_to,
                Area.code == VacancySite.commune_code,
                VacancySite.approximate,
                func.ST_Equals(Area.label_point, VacancySite.geom),
            ).join(Area, Area.id == VacancySite.area_id)
        )
    ).all()
    assert rows
    for in_commune, in_province, level, valid_to, same_code, approximate, at_label in rows:
        assert (in_commune, in_province) == (True, True)
        assert (level, valid_to, same_code) == ("commune", None, True)
        assert at_label == approximate  # exact points are random, never the label point
    approximate_share = sum(row.approximate for row in rows) / len(rows)
    assert 0 < approximate_share < 0.08


@pytest.mark.usefixtures("loaded")
async def test_sites_favour_old_vinh_long_and_its_towns(session: AsyncSession) -> None:
    old_province = Area.attributes["old_province_code"].astext
    rows = await session.execute(
        select(old_province, Area.type).join(VacancySite, VacancySite.area_id == Area.id)
    )
    sites = Counter((province, kind) for province, kind in rows)
    total = sum(sites.values())
    old_vinh_long = sum(count for (province, _), count in sites.items() if province == "86")
    assert old_vinh_long / total == pytest.approx(0.6, abs=0.07)

    communes = Counter(
        await session.scalars(
            select(Area.type).where(Area.level == "commune", Area.valid_to.is_(None))
        )
    )
    per_ward = sum(c for (_, kind), c in sites.items() if kind == "Phường") / communes["Phường"]
    per_xa = sum(c for (_, kind), c in sites.items() if kind == "Xã") / communes["Xã"]
    assert 2.5 < per_ward / per_xa < 6.5  # a phường draws about 4x a xã


@pytest.mark.usefixtures("loaded")
async def test_employers_have_valid_unique_tax_codes_and_are_mostly_verified(
    session: AsyncSession,
) -> None:
    employers = (await session.execute(select(Employer))).scalars().all()
    codes = [e.tax_code for e in employers]
    assert len(set(codes)) == len(codes)
    assert all(TAX_CODE.match(code) for code in codes)
    assert all(tax_check_digit(code[:9]) == int(code[9]) for code in codes)
    assert all(e.phone and re.fullmatch(r"\+849[0-9]{8}", e.phone) for e in employers)
    assert all(e.name and not e.name.isascii() for e in employers)
    verified = sum(e.verified_at is not None for e in employers) / len(employers)
    assert 0.7 <= verified < 1


@pytest.mark.usefixtures("loaded")
async def test_titles_are_vietnamese_and_codes_span_isco_groups(session: AsyncSession) -> None:
    rows = (
        await session.execute(
            select(
                Vacancy.title, Vacancy.description, Vacancy.occupation_code, Vacancy.industry_code
            )
        )
    ).all()
    assert all(not title.isascii() and not description.isascii() for title, description, *_ in rows)
    assert len({row.occupation_code[0] for row in rows}) >= 7  # ISCO-08 major groups
    assert len({row.industry_code for row in rows}) >= 10


async def test_catalogue_codes_exist_in_the_classifications(session: AsyncSession) -> None:
    occupations = set(await session.scalars(select(Occupation.code).where(Occupation.level == 2)))
    industries = set(await session.scalars(select(Industry.code).where(Industry.level == 2)))
    jobs = [job for trade in TRADES for job in trade.jobs] + list(GENERIC_JOBS)
    assert len({job.title for job in jobs}) >= 40
    assert all(set(job.occupations) <= occupations for job in jobs)
    assert all(set(trade.industries) <= industries for trade in TRADES)
    assert all(not job.title.isascii() for job in jobs)


@pytest.mark.usefixtures("loaded")
async def test_status_mix_and_timestamps(session: AsyncSession) -> None:
    vacancies = (await session.execute(select(Vacancy))).scalars().all()
    kinds: Counter[str] = Counter()
    for v in vacancies:
        assert NOW - timedelta(days=120) <= v.created_at <= NOW
        assert v.version == 1
        if v.status == "draft":
            assert (v.published_at, v.closed_at, v.close_reason) == (None, None, None)
            kinds["draft"] += 1
            continue
        assert v.published_at is not None
        assert v.created_at <= v.published_at <= NOW
        if v.status == "closed":
            assert v.close_reason in {"filled", "withdrawn"}
            assert v.closed_at is not None
            assert v.published_at <= v.closed_at <= NOW
            kinds["closed"] += 1
        elif v.valid_through > NOW:
            assert v.valid_through <= NOW + timedelta(days=90)
            kinds["open"] += 1
        else:
            assert v.published_at <= v.valid_through
            kinds["expired"] += 1
    shares = {kind: count / len(vacancies) for kind, count in kinds.items()}
    assert shares["open"] == pytest.approx(0.80, abs=0.07)
    assert shares["expired"] == pytest.approx(0.10, abs=0.05)
    assert shares["closed"] == pytest.approx(0.07, abs=0.04)
    assert shares["draft"] == pytest.approx(0.03, abs=0.025)


@pytest.mark.usefixtures("loaded")
async def test_positions_are_the_sum_of_site_positions(session: AsyncSession) -> None:
    sums = (
        select(
            VacancySite.vacancy_id,
            func.sum(VacancySite.positions).label("positions"),
            func.count().label("sites"),
            func.max(VacancySite.positions).label("largest"),
        )
        .group_by(VacancySite.vacancy_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(Vacancy.positions, sums.c.positions, sums.c.sites, sums.c.largest).join(
                sums, sums.c.vacancy_id == Vacancy.id
            )
        )
    ).all()
    assert len(rows) == N
    assert all(positions == site_sum for positions, site_sum, _, _ in rows)
    assert {sites for *_, sites, _ in rows} <= {1, 2, 3}
    assert max(largest for *_, largest in rows) <= 20


@pytest.mark.usefixtures("loaded")
async def test_salaries_are_normalised_to_vnd_per_month(session: AsyncSession) -> None:
    vacancies = (await session.execute(select(Vacancy))).scalars().all()
    periods: Counter[str | None] = Counter()
    for v in vacancies:
        periods[v.salary_period] += 1
        if v.salary_period is None:
            assert (v.salary_min, v.salary_max, v.salary_negotiable) == (None, None, True)
            assert (v.salary_monthly_min, v.salary_monthly_max) == (None, None)
            continue
        period = SalaryPeriod(v.salary_period)
        assert v.salary_monthly_min == monthly_vnd(v.salary_min, period)
        assert v.salary_monthly_max == monthly_vnd(v.salary_max, period)
        bounds = {"hour": (25_000, 60_000), "day": (250_000, 500_000), "month": (2e6, 25e6)}
        low, high = bounds[v.salary_period]
        for amount in (v.salary_min, v.salary_max):
            assert amount is None or low <= amount <= high
    assert periods["month"] > N / 2
    assert min(periods["hour"], periods["day"], periods[None]) > 0


async def _snapshot(session: AsyncSession, seed: int) -> list[Row[Any]]:
    """Load in a savepoint, read what a seed should fix, roll the savepoint back."""
    savepoint = await session.begin_nested()
    await load_demo(session, 200, seed, now=NOW)
    rows = (
        await session.execute(
            select(
                Vacancy.id,
                Vacancy.title,
                Vacancy.status,
                Vacancy.salary_min,
                Vacancy.salary_max,
                Vacancy.external_ref,
                VacancySite.positions,
                VacancySite.commune_code,
                VacancySite.approximate,
                func.ST_AsText(VacancySite.geom),
            )
            .join(VacancySite, VacancySite.vacancy_id == Vacancy.id)
            .order_by(Vacancy.id, VacancySite.id)
        )
    ).all()
    await savepoint.rollback()
    return list(rows)


async def test_same_seed_same_data_other_seed_other_data(session: AsyncSession) -> None:
    first = await _snapshot(session, 7)
    assert first == await _snapshot(session, 7)
    other = await _snapshot(session, 8)
    assert other != first
    # Exact points are drawn per seed (approximate ones share the commune's label point).
    points = [{row[-1] for row in rows if not row.approximate} for rows in (first, other)]
    assert points[0].isdisjoint(points[1])


def test_generator_is_pure() -> None:
    communes = [
        Commune(i, f"{29000 + i}", f"Tân {i}", f"Xã Tân {i}", i % 5 == 0, i < 30) for i in range(90)
    ]

    def rows(seed: int) -> list[Any]:
        generator = DemoGenerator(seed=seed, vacancies=300, communes=communes, now=NOW)
        batches = list(generator.batches(128))
        return [generator.employers, *[(b.vacancies, b.sites, b.point_seed) for b in batches]]

    assert rows(1) == rows(1)
    assert rows(1) != rows(2)


async def test_loading_a_seed_twice_is_refused(session: AsyncSession) -> None:
    assert not await has_vacancies(session)
    await load_demo(session, 40, SEED, now=NOW)
    assert await has_vacancies(session)
    with pytest.raises(DemoError, match="already loaded"):
        await load_demo(session, 40, SEED, now=NOW)
    report = await load_demo(session, 40, SEED + 1, now=NOW)  # another seed adds more
    assert report.employers == 5
    assert await _count(session, Vacancy) == 80


async def test_the_cycle_collector_is_off_during_a_load_and_back_after(
    session: AsyncSession,
) -> None:
    during: list[bool] = []
    await load_demo(session, 40, SEED, lambda _: during.append(gc.isenabled()), now=NOW)
    assert during == [False]
    assert gc.isenabled()
    with pytest.raises(DemoError, match="already loaded"):  # a failed load restores it too
        await load_demo(session, 40, SEED, now=NOW)
    assert gc.isenabled()
    gc.disable()  # ... and leaves it as it found it
    try:
        await load_demo(session, 40, SEED + 1, now=NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.fixture
def test_env(
    monkeypatch: pytest.MonkeyPatch,
    engine: AsyncEngine,  # noqa: ARG001  (creates, migrates and loads the database)
) -> Iterator[None]:
    """APP_DATABASE_URL pointing at the test database; employers the CLI commits are deleted
    afterwards (their vacancies and sites cascade), with the words their titles added to the
    dictionary and the statistics its VACUUM (ANALYZE) took: the spelling correction reads both
    (search_word, pg_stats of title_doc), and the tests that follow expect the database as it
    was."""
    url = database_url()  # before the variable changes: it derives from APP_DATABASE_URL
    before = asyncio.run(_employer_ids(url))
    monkeypatch.setenv("APP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()
        asyncio.run(_employer_ids(url, delete_all_but=before))


_WORDS: set[str] = set()  # the dictionary before the CLI ran


async def _employer_ids(url: str, delete_all_but: set[Any] | None = None) -> set[Any]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            if delete_all_but is not None:
                await conn.execute(delete(Employer).where(Employer.id.not_in(delete_all_but)))
                await conn.execute(
                    text("DELETE FROM search_word WHERE word <> ALL(:words)"),
                    {"words": sorted(_WORDS)},
                )
                # ANALYZE of the now empty tables would keep the demo's statistics: forget them.
                # An auto-analyze begun while the demo's rows were there would write them back
                # after this transaction: the lock waits for it (autovacuum gives way to it).
                tables = "employer, vacancy, vacancy_site"
                await conn.execute(text(f"LOCK TABLE {tables} IN SHARE UPDATE EXCLUSIVE MODE"))
                await conn.execute(
                    text(
                        "DELETE FROM pg_statistic WHERE starelid = ANY(CAST(:tables AS regclass[]))"
                    ),
                    {"tables": ["employer", "vacancy", "vacancy_site"]},
                )
            else:
                _WORDS.clear()
                _WORDS.update(await conn.scalars(text("SELECT word FROM search_word")))
            return set(await conn.scalars(select(Employer.id)))
    finally:
        await engine.dispose()


@pytest.mark.usefixtures("test_env")
def test_cli_loads_once_and_if_empty_skips() -> None:
    runner = CliRunner()
    result = runner.invoke(demo_cli, ["load", "--vacancies", "60", "--seed", "4242"])
    assert result.exit_code == 0, result.output
    assert re.search(
        r"demo data loaded: 5 employers, 60 vacancies, \d+ sites in [0-9.]+ s", result.output
    )

    result = runner.invoke(demo_cli, ["load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "already has rows" in result.output

    result = runner.invoke(demo_cli, ["load", "--vacancies", "60", "--seed", "4242"])
    assert result.exit_code == 1
    assert "seed 4242 is already loaded" in result.output


async def test_temporary_staging_table_is_gone(session: AsyncSession) -> None:
    await load_demo(session, 30, SEED, now=NOW)
    staged = await session.scalar(text("SELECT to_regclass('pg_temp.demo_site_stage')"))
    assert staged is None
