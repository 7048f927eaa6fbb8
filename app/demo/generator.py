"""Deterministic demo rows from a seed: employers, vacancies and work sites, ready for COPY."""

from __future__ import annotations

import random
import unicodedata
import uuid
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import NamedTuple, TypeVar

from app.demo import catalogue
from app.demo.catalogue import Job, Trade
from app.models import CloseReason, EmploymentType, SalaryPeriod, VacancyStatus
from app.vacancies.salary import monthly_vnd

VACANCIES_PER_EMPLOYER = 20
MIN_EMPLOYERS = 5
DAY = 86_400  # seconds

# Where sites go: this share in the communes of old Vĩnh Long (before the 2025 merger), the
# rest in those of old Bến Tre and Trà Vinh; within each, a phường (town) draws 4x a xã.
OLD_VINH_LONG_SHARE = 0.6
WARD_WEIGHT = 4
APPROXIMATE_SHARE = 0.03  # sites known only by their commune, placed at its label point

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
REF_PREFIXES = ("HR", "TD", "TTVL", "VL")
EMAIL_USERS = ("tuyendung", "nhansu", "hr", "hcns")
MOBILE_PREFIXES = "35789"  # +84 3x, 5x, 7x, 8x, 9x: Vietnamese mobile numbers
NO_EXPERIENCE = "nhận người chưa có kinh nghiệm"

T = TypeVar("T")


@dataclass(frozen=True)
class Commune:
    """A current commune as the generator needs it; `area_id` is passed through to the rows."""

    area_id: int
    code: str
    name: str
    full_name: str
    ward: bool  # phường (urban) rather than xã
    old_vinh_long: bool  # part of Vĩnh Long before the 2025 merger


class EmployerRow(NamedTuple):
    id: uuid.UUID
    name: str
    tax_code: str
    address: str
    phone: str
    email: str
    website: str | None
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


class VacancyRow(NamedTuple):
    id: uuid.UUID
    employer_id: uuid.UUID
    external_ref: str | None
    title: str
    description: str
    occupation_code: str
    industry_code: str
    employment_type: str
    salary_min: int | None
    salary_max: int | None
    salary_currency: str
    salary_period: str | None
    salary_negotiable: bool
    salary_monthly_min: int | None
    salary_monthly_max: int | None
    education_level: str | None
    experience_years: int | None
    age_min: int | None
    age_max: int | None
    contact_name: str
    contact_phone: str
    contact_email: str | None
    status: str
    close_reason: str | None
    valid_through: datetime
    positions: int
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class SiteRow(NamedTuple):
    """A work site without its point: PostGIS draws the points (see `Batch.point_seed`)."""

    seq: int  # order within the batch
    vacancy_id: uuid.UUID
    positions: int
    approximate: bool
    area_id: int
    commune_code: str
    commune_no: int  # index in code order, stable across databases
    # 1-based index among this batch's exact sites in the commune; 0 for approximate sites.
    ordinal: int
    address: str | None


@dataclass(frozen=True)
class Batch:
    vacancies: list[VacancyRow]
    sites: list[SiteRow]
    # Commune number i draws its points with ST_GeneratePoints(geom, k, point_seed + i).
    point_seed: int


@dataclass
class _Firm:
    id: uuid.UUID
    name: str
    tax_code: str
    trade: Trade
    industry: str
    domain: str
    ref_prefix: str
    created: datetime
    refs: int = 0  # external_ref serial, unique per employer


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only ("Phước Hậu" -> "phuochau")."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded.lower() if c.isascii() and c.isalnum())


def tax_check_digit(first_nine: str) -> int | None:
    """The 10th digit of a Vietnamese tax code, or None when no digit fits (such codes are
    never issued). Weights as published for the MST checksum."""
    total = sum(
        w * int(d) for w, d in zip((31, 29, 23, 19, 17, 13, 7, 5, 3), first_nine, strict=True)
    )
    check = 10 - total % 11
    return None if check == 10 else check


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
        self._rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
        # random() and int(random() * n) rather than choice()/randrange(): 5-10x cheaper, and
        # the hot loop draws about 40 numbers per vacancy.
        self._random = self._rng.random
        self._now = now.replace(microsecond=0)
        self._remaining = vacancies
        self.communes = sorted(communes, key=lambda c: c.code)
        self._commune_cum = list(accumulate(_commune_weights(self.communes)))
        self._trade_cum = list(accumulate(t.weight for t in catalogue.TRADES))
        self._type_cum = list(accumulate(w for _, w in EMPLOYMENT_TYPES))
        self._position_cum = list(accumulate(POSITION_WEIGHTS))
        self._experience_cum = list(accumulate(EXPERIENCE_WEIGHTS))
        self._tax_prefix_cum = list(accumulate(catalogue.TAX_PREFIX_WEIGHTS))
        self._firms: list[_Firm] = []
        count = max(MIN_EMPLOYERS, round(vacancies / VACANCIES_PER_EMPLOYER))
        self.employers = self._employers(count, taken_tax_codes)

    # -- drawing from the one generator ---------------------------------------------------

    def _below(self, n: int) -> int:
        return int(self._random() * n)

    def _of(self, items: Sequence[T]) -> T:
        return items[int(self._random() * len(items))]

    def _pick(self, cum: Sequence[float]) -> int:
        return bisect(cum, self._random() * cum[-1])

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def _seconds(self, low_days: float, high_days: float) -> timedelta:
        return timedelta(seconds=int((low_days + (high_days - low_days) * self._random()) * DAY))

    def _address(self, commune: Commune) -> str:
        if commune.ward:
            street = f"Số {1 + self._below(350)} đường {self._of(catalogue.STREETS)}"
        else:
            street = f"Ấp {self._of(catalogue.HAMLETS)}"
        return f"{street}, {commune.full_name}, tỉnh Vĩnh Long"

    def _tax_code(self, used: set[str]) -> str:
        while True:
            prefix = catalogue.TAX_PREFIXES[self._pick(self._tax_prefix_cum)]
            serial = 1 + self._below(9_999_999)  # 0000000 is not a valid serial
            first_nine = f"{prefix}{serial:07d}"
            check = tax_check_digit(first_nine)
            code = f"{first_nine}{check}"
            if check is not None and code not in used:
                used.add(code)
                return code

    # -- employers ------------------------------------------------------------------------

    def _employers(self, count: int, taken: frozenset[str]) -> list[EmployerRow]:
        used = set(taken)
        domains: dict[str, int] = {}
        rows: list[EmployerRow] = []
        mains: list[_Firm] = []
        # Firms exist before the oldest vacancy (120 days back).
        newest = self._now - timedelta(days=150)
        for _ in range(count):
            firm_id = self._uuid()
            home = self.communes[self._pick(self._commune_cum)]
            if mains and self._random() < 0.08:
                # A branch: the parent's name and code with a 3-digit branch suffix.
                parent = self._of(mains)
                branch = 1
                while f"{parent.tax_code}-{branch:03d}" in used:
                    branch += 1
                tax_code = f"{parent.tax_code}-{branch:03d}"
                used.add(tax_code)
                created = parent.created + (newest - parent.created) * self._random()
                firm = _Firm(
                    firm_id, f"{parent.name} - Chi nhánh {home.name}", tax_code, parent.trade,
                    parent.industry, parent.domain, parent.ref_prefix, created,
                )  # fmt: skip
            else:
                trade = catalogue.TRADES[self._pick(self._trade_cum)]
                place = self._of(catalogue.BRANDS) if self._random() < 0.6 else home.name
                slug = ascii_slug(place)
                domains[slug] = domains.get(slug, 0) + 1
                domain = f"{slug}{domains[slug] if domains[slug] > 1 else ''}.example.com"
                created = newest - self._seconds(0, 570)
                firm = _Firm(
                    firm_id, f"{self._of(trade.prefixes)} {place}", self._tax_code(used), trade,
                    self._of(trade.industries), domain, self._of(REF_PREFIXES), created,
                )  # fmt: skip
                mains.append(firm)
            self._firms.append(firm)
            verified = created + self._seconds(0.05, 14) if self._random() < 0.9 else None
            rows.append(
                EmployerRow(
                    id=firm.id,
                    name=firm.name,
                    tax_code=firm.tax_code,
                    address=self._address(home),
                    phone=f"+849{self._below(100_000_000):08d}",
                    email=f"lienhe@{firm.domain}",
                    website=f"https://{firm.domain}" if self._random() < 0.4 else None,
                    verified_at=verified,
                    created_at=created,
                    updated_at=verified or created,
                )
            )
        return rows

    # -- vacancies ------------------------------------------------------------------------

    def batches(self, size: int) -> Iterator[Batch]:
        """The remaining vacancies, `size` at a time (the last batch may be smaller)."""
        if size < 1:
            raise ValueError("batch size must be >= 1")
        while self._remaining > 0:
            count = min(size, self._remaining)
            self._remaining -= count
            point_seed = 1 + self._below(2**30)  # plus a commune number: still fits int4
            ordinals = [0] * len(self.communes)
            vacancies: list[VacancyRow] = []
            sites: list[SiteRow] = []
            for _ in range(count):
                vacancies.append(self._vacancy(sites, ordinals))
            # Grouped by employer: two of the table's indexes lead with employer_id, and
            # in-order inserts touch far fewer index pages (about 15% faster COPY).
            vacancies.sort(key=lambda row: row.employer_id.bytes)
            yield Batch(vacancies, sites, point_seed)

    def _salary(self, job: Job, employment: str) -> tuple[int | None, int | None, str | None, bool]:
        """salary_min, salary_max, salary_period, salary_negotiable (VND per period)."""
        random = self._random
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
            low = (25 + self._below(21)) * 1000
            high = min(60_000, low + self._below(16) * 1000)
        elif period == DAY_PERIOD:
            low = (25 + self._below(16)) * 10_000
            high = min(500_000, low + self._below(16) * 10_000)
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
        random = self._random
        now = self._now
        roll = random()
        if roll < 0.03:
            created = now - self._seconds(0, 30)
            return DRAFT, None, created, None, None, now + self._seconds(14, 90)
        # Expired and closed vacancies need a history behind them.
        created = now - self._seconds(15 if roll < 0.20 else 0, 120)
        age = (now - created).total_seconds()
        published = created + timedelta(seconds=int(min(600 + 2 * DAY * random(), age / 2)))
        since = now - published
        if roll < 0.10:
            closed = published + since * (0.2 + 0.78 * random())
            reason = FILLED if random() < 0.6 else WITHDRAWN
            return CLOSED, reason, created, published, closed, published + self._seconds(30, 90)
        if roll < 0.20:
            # Still open but past its date: the expiry sweep has not run yet.
            return OPEN, None, created, published, None, published + since * (0.3 + 0.67 * random())
        return OPEN, None, created, published, None, now + self._seconds(1, 90)

    def _vacancy(self, sites: list[SiteRow], ordinals: list[int]) -> VacancyRow:  # noqa: C901
        random = self._random
        below = self._below
        of = self._of
        firms = self._firms
        # A few big employers post most vacancies.
        firm = firms[int(len(firms) * random() ** 1.6)]
        job = of(firm.trade.jobs) if random() < 0.7 else of(catalogue.GENERIC_JOBS)
        occupation = of(job.occupations)
        employment = EMPLOYMENT_TYPES[self._pick(self._type_cum)][0]
        salary_min, salary_max, period, negotiable = self._salary(job, employment)

        education = None if random() < 0.1 else of(job.education)
        experience = None if random() < 0.1 else self._pick(self._experience_cum)
        if experience is not None and job.pay[0] >= 12:
            experience = max(experience, 1)  # senior posts ask for some experience
        age_min = age_max = None
        if random() < 0.35:
            age_min = of(AGE_MINIMA)
            age_max = of(AGE_MAXIMA)

        status, reason, created, published, closed, valid = self._status()

        vacancy_id = self._uuid()
        roll = random()
        count = 1 if roll >= 0.10 else 2 if roll < 0.07 else 3
        positions = 0
        for _ in range(count):
            number = self._pick(self._commune_cum)
            commune = self.communes[number]
            site_positions = self._pick(self._position_cum) + 1
            positions += site_positions
            approximate = random() < APPROXIMATE_SHARE
            ordinal = 0
            if not approximate:
                ordinals[number] += 1
                ordinal = ordinals[number]
            address = None if approximate or random() < 0.5 else self._address(commune)
            sites.append(
                SiteRow(
                    len(sites), vacancy_id, site_positions, approximate, commune.area_id,
                    commune.code, number, ordinal, address,
                )
            )  # fmt: skip
        first_commune = self.communes[sites[-count].commune_no]

        roll = random()
        if roll < 0.2:
            contact = of(catalogue.CONTACT_DESKS)
        elif roll < 0.68:
            contact = f"Chị {of(catalogue.FAMILY_NAMES)} {of(catalogue.FEMALE_NAMES)}"
        else:
            contact = f"Anh {of(catalogue.FAMILY_NAMES)} {of(catalogue.MALE_NAMES)}"
        phone = f"+84{of(MOBILE_PREFIXES)}{below(100_000_000):08d}"
        email = None if random() < 0.2 else f"{of(EMAIL_USERS)}@{firm.domain}"
        external_ref = None
        if random() < 0.8:
            firm.refs += 1
            external_ref = f"{firm.ref_prefix}-{created.year}-{firm.refs:06d}"

        title = job.title
        requirements = []
        if education is not None:
            requirements.append(catalogue.EDUCATION_PHRASE[education])
        if experience is not None:
            requirements.append(
                f"có ít nhất {experience} năm kinh nghiệm" if experience else NO_EXPERIENCE
            )
        if age_min is not None:
            requirements.append(f"độ tuổi từ {age_min} đến {age_max}")
        benefits = catalogue.BENEFITS
        first = below(len(benefits))
        second = (first + 1 + below(len(benefits) - 1)) % len(benefits)
        parts = [
            f"{firm.name} cần tuyển {positions} {title[0].lower()}{title[1:]} làm việc tại "
            f"{first_commune.full_name}.",
            *job.duties,
        ]
        if requirements:
            text = ", ".join(requirements)
            parts.append(f"{text[0].upper()}{text[1:]}.")
        if salary_min is None and salary_max is None:
            parts.append("Mức lương thỏa thuận theo năng lực.")
        parts += [benefits[first], benefits[second], of(catalogue.HOW_TO_APPLY)]

        return VacancyRow(
            id=vacancy_id,
            employer_id=firm.id,
            external_ref=external_ref,
            title=title,
            description=" ".join(parts),
            occupation_code=occupation,
            industry_code=firm.industry,
            employment_type=employment,
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency="VND",
            salary_period=period,
            salary_negotiable=negotiable,
            salary_monthly_min=_monthly(salary_min, period) if period else None,
            salary_monthly_max=_monthly(salary_max, period) if period else None,
            education_level=education.value if education is not None else None,
            experience_years=experience,
            age_min=age_min,
            age_max=age_max,
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


def _commune_weights(communes: Sequence[Commune]) -> list[float]:
    groups = {
        True: [c for c in communes if c.old_vinh_long],
        False: [c for c in communes if not c.old_vinh_long],
    }
    shares = {True: OLD_VINH_LONG_SHARE, False: 1 - OLD_VINH_LONG_SHARE}
    if not groups[True] or not groups[False]:
        shares = {True: 1.0, False: 1.0}  # one group only: it takes everything
    totals = {
        key: sum(WARD_WEIGHT if c.ward else 1 for c in members) or 1
        for key, members in groups.items()
    }
    return [
        shares[c.old_vinh_long] * (WARD_WEIGHT if c.ward else 1) / totals[c.old_vinh_long]
        for c in communes
    ]


# Exported column orders for COPY: the NamedTuple fields are the table's column names.
EMPLOYER_COLUMNS = EmployerRow._fields
VACANCY_COLUMNS = VacancyRow._fields
SITE_STAGE_COLUMNS = SiteRow._fields
