"""Deterministic demo rows from a seed: employers, vacancies and work sites, ready for COPY.

This module deals the vacancies (pay, status, sites) and holds the order of the draws; firms,
places and the posting's words come from their own modules, all from one `Draws`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from app.classifications.versions import industry_version_on
from app.demo import wording
from app.demo.draws import DAY, Draws
from app.demo.employers import draw_employers
from app.demo.jobs import GENERIC_JOBS, Job
from app.demo.places import Commune, address, commune_weights
from app.demo.rows import Batch, SiteRow, VacancyRow
from app.models import CloseReason, EmploymentType, SalaryPeriod, VacancyStatus
from app.vacancies.salary import monthly_vnd

VACANCIES_PER_EMPLOYER = 20
MIN_EMPLOYERS = 5
APPROXIMATE_SHARE = 0.03  # sites known only by their commune, placed at its label point
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# VSIC 2025 has no division 45: the sale of vehicles moved to 46/47 and their repair to 95. The
# demo's car and motorbike dealers post under retail (47) from 2025-11-15.
VSIC_2025_INSTEAD = {"45": "47"}

# Plain strings in the hot loop (enum attribute access is slow); COPY sends them as text.
FULL_TIME, PART_TIME, SEASONAL, CONTRACT, INTERNSHIP = (t.value for t in EmploymentType)
HOUR, DAY_PERIOD, MONTH = SalaryPeriod.hour.value, SalaryPeriod.day.value, SalaryPeriod.month.value
DRAFT, OPEN, CLOSED = (
    VacancyStatus.draft.value,
    VacancyStatus.open.value,
    VacancyStatus.closed.value,
)
FILLED, WITHDRAWN = CloseReason.filled.value, CloseReason.withdrawn.value

EMPLOYMENT_TYPES = ((FULL_TIME, 72), (PART_TIME, 10), (SEASONAL, 7), (CONTRACT, 8), (INTERNSHIP, 3))
# Part-time and intern monthly pay as a share of the full-time band.
PAY_SCALE = {PART_TIME: 0.5, INTERNSHIP: 0.6}
# Positions at one site: 1..20, mostly 1..5.
POSITION_WEIGHTS = (30, 20, 14, 8, 8, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 1)
EXPERIENCE_WEIGHTS = (35, 25, 18, 10, 6, 6)  # 0..5 years
AGE_MINIMA = (18, 18, 20, 22, 25)
AGE_MAXIMA = (30, 35, 40, 45, 50)

_TYPE_CUM = list(accumulate(w for _, w in EMPLOYMENT_TYPES))
_POSITION_CUM = list(accumulate(POSITION_WEIGHTS))
_EXPERIENCE_CUM = list(accumulate(EXPERIENCE_WEIGHTS))


@cache
def _monthly(amount: int | None, period: str) -> int | None:
    # Posted amounts sit on coarse grids, so a few hundred distinct values cover a million rows.
    return monthly_vnd(amount, SalaryPeriod(period))


class DemoGenerator:
    """Employers up front, then vacancies batch by batch, all from one `random.Random(seed)`.

    The same seed, vacancy count and communes give the same rows; only timestamps move with
    `now`. `taken_tax_codes` (codes already in the database) are skipped, which changes the
    output only when one would have been drawn. Not thread-safe: draw batches from one thread
    at a time.
    """

    def __init__(
        self,
        *,
        seed: int,
        vacancies: int,
        communes: Sequence[Commune],
        now: datetime,
        taken_tax_codes: frozenset[str] = frozenset(),
    ) -> None:
        if vacancies < 0:
            raise ValueError("vacancies must be >= 0")
        if not communes:
            raise ValueError("no communes to place sites in")
        self._draws = Draws(seed)
        self._now = now.replace(microsecond=0)
        self._remaining = vacancies
        self.communes = sorted(communes, key=lambda c: c.code)
        self._commune_cum = list(accumulate(commune_weights(self.communes)))
        count = max(MIN_EMPLOYERS, round(vacancies / VACANCIES_PER_EMPLOYER))
        self.employers, self._firms = draw_employers(
            self._draws,
            self.communes,
            self._commune_cum,
            count=count,
            taken=taken_tax_codes,
            now=self._now,
        )

    def batches(self, size: int) -> Iterator[Batch]:
        """The remaining vacancies, `size` at a time (the last batch may be smaller)."""
        if size < 1:
            raise ValueError("batch size must be >= 1")
        while self._remaining > 0:
            count = min(size, self._remaining)
            self._remaining -= count
            point_seed = 1 + self._draws.below(2**30)  # plus a commune number: still fits int4
            ordinals = [0] * len(self.communes)
            vacancies: list[VacancyRow] = []
            sites: list[SiteRow] = []
            for _ in range(count):
                vacancies.append(self._vacancy(sites, ordinals))
            # Grouped by employer: two of the table's indexes lead with employer_id, and
            # in-order inserts touch far fewer index pages (about 15% faster COPY).
            vacancies.sort(key=lambda row: row.employer_id.bytes)
            yield Batch(vacancies, sites, point_seed)

    def _vacancy(self, sites: list[SiteRow], ordinals: list[int]) -> VacancyRow:
        draws = self._draws
        random = draws.random
        of = draws.of
        firms = self._firms
        # A few big employers post most vacancies.
        firm = firms[int(len(firms) * random() ** 1.6)]
        job = of(firm.trade.jobs) if random() < 0.7 else of(GENERIC_JOBS)
        occupation = of(job.occupations)
        employment = EMPLOYMENT_TYPES[draws.pick(_TYPE_CUM)][0]
        salary_min, salary_max, period, negotiable = self._salary(job, employment)
        asks = self._asks(job)
        status, reason, created, published, closed, valid = self._status()
        vacancy_id = draws.uuid()
        version = industry_version_on(created.astimezone(VIETNAM).date())
        industry = firm.industry
        if version == "2025":
            industry = VSIC_2025_INSTEAD.get(industry, industry)
        positions, first_commune = self._sites(vacancy_id, sites, ordinals)
        contact, phone, email = wording.contact(draws, firm)
        external_ref = None
        if random() < 0.8:
            firm.refs += 1
            external_ref = f"{firm.ref_prefix}-{created.year}-{firm.refs:06d}"
        pay_stated = salary_min is not None or salary_max is not None
        description = wording.description(
            draws, firm, job, positions, first_commune, asks, pay_stated=pay_stated
        )
        return VacancyRow(
            id=vacancy_id,
            employer_id=firm.id,
            external_ref=external_ref,
            title=job.title,
            description=description,
            occupation_code=occupation,
            industry_code=industry,
            industry_version=version,
            employment_type=employment,
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency="VND",
            salary_period=period,
            salary_negotiable=negotiable,
            salary_monthly_min=_monthly(salary_min, period) if period else None,
            salary_monthly_max=_monthly(salary_max, period) if period else None,
            education_level=asks.education.value if asks.education is not None else None,
            experience_years=asks.experience,
            age_min=asks.age_min,
            age_max=asks.age_max,
            contact_name=contact,
            contact_phone=phone,
            contact_email=email,
            status=status,
            close_reason=reason,
            valid_through=valid,
            positions=positions,
            published_at=published,
            closed_at=closed,
            created_at=created,
            updated_at=closed or published or created,
            version=1,
        )

    def _salary(self, job: Job, employment: str) -> tuple[int | None, int | None, str | None, bool]:
        """salary_min, salary_max, salary_period, salary_negotiable (VND per period)."""
        random = self._draws.random
        roll = random()
        if roll < 0.10:
            return None, None, None, True  # "lương thỏa thuận": no figures at all
        negotiable = roll < 0.15  # figures given, open to negotiation
        if employment == PART_TIME:
            period = HOUR if random() < 0.7 else MONTH
        elif employment == SEASONAL:
            period = DAY_PERIOD if random() < 0.6 else MONTH
        elif job.pay[1] <= 12 and random() < 0.04:
            period = DAY_PERIOD  # day labourers on a daily wage
        else:
            period = MONTH
        if period == HOUR:
            low = (25 + self._draws.below(21)) * 1000
            high = min(60_000, low + self._draws.below(16) * 1000)
        elif period == DAY_PERIOD:
            low = (25 + self._draws.below(16)) * 10_000
            high = min(500_000, low + self._draws.below(16) * 10_000)
        else:
            scale = PAY_SCALE.get(employment, 1.0)
            a, b = job.pay[0] * scale, job.pay[1] * scale
            # Whole half-millions, as postings quote them; the maximum is at least the minimum.
            low_m = round((a + (b - a) * 0.6 * random()) * 2) / 2
            low = int(low_m * 1_000_000)
            high = max(low, int(round((low_m + (b - low_m) * random()) * 2) * 500_000))
        shape = random()
        if shape < 0.10:
            return low, None, period, negotiable  # "từ 8 triệu"
        if shape < 0.14:
            return None, high, period, negotiable  # "đến 12 triệu"
        return low, high, period, negotiable

    def _status(
        self,
    ) -> tuple[str, str | None, datetime, datetime | None, datetime | None, datetime]:
        """status, close_reason, created_at, published_at, closed_at, valid_through."""
        random = self._draws.random
        now = self._now
        seconds = self._draws.seconds
        roll = random()
        if roll < 0.03:
            created = now - seconds(0, 30)
            return DRAFT, None, created, None, None, now + seconds(14, 90)
        # Expired and closed vacancies need a history behind them.
        created = now - seconds(15 if roll < 0.20 else 0, 120)
        age = (now - created).total_seconds()
        published = created + timedelta(seconds=int(min(600 + 2 * DAY * random(), age / 2)))
        since = now - published
        if roll < 0.10:
            closed = published + since * (0.2 + 0.78 * random())
            reason = FILLED if random() < 0.6 else WITHDRAWN
            return CLOSED, reason, created, published, closed, published + seconds(30, 90)
        if roll < 0.20:
            # Still open but past its date: the expiry sweep has not run yet.
            return OPEN, None, created, published, None, published + since * (0.3 + 0.67 * random())
        return OPEN, None, created, published, None, now + seconds(1, 90)

    def _asks(self, job: Job) -> wording.Asks:
        random = self._draws.random
        of = self._draws.of
        education = None if random() < 0.1 else of(job.education)
        experience = None if random() < 0.1 else self._draws.pick(_EXPERIENCE_CUM)
        if experience is not None and job.pay[0] >= 12:
            experience = max(experience, 1)  # senior posts ask for some experience
        age_min = age_max = None
        if random() < 0.35:
            age_min = of(AGE_MINIMA)
            age_max = of(AGE_MAXIMA)
        return wording.Asks(education, experience, age_min, age_max)

    def _sites(
        self, vacancy_id: uuid.UUID, sites: list[SiteRow], ordinals: list[int]
    ) -> tuple[int, Commune]:
        """Appends the vacancy's 1-3 sites; returns its positions and its first site's commune."""
        draws = self._draws
        roll = draws.random()
        count = 1 if roll >= 0.10 else 2 if roll < 0.07 else 3
        positions = 0
        for _ in range(count):
            number = draws.pick(self._commune_cum)
            commune = self.communes[number]
            site_positions = draws.pick(_POSITION_CUM) + 1
            positions += site_positions
            approximate = draws.random() < APPROXIMATE_SHARE
            ordinal = 0
            if not approximate:
                ordinals[number] += 1
                ordinal = ordinals[number]
            address_text = None if approximate or draws.random() < 0.5 else address(draws, commune)
            sites.append(
                SiteRow(
                    len(sites), vacancy_id, site_positions, approximate, commune.area_id,
                    commune.code, number, ordinal, address_text,
                )
            )  # fmt: skip
        return positions, self.communes[sites[-count].commune_no]
