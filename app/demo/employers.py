"""Demo employers: firms and their branches, with tax codes that pass the checksum, and what
their vacancies take from them (trade, web domain, reference serials)."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from app.demo.draws import Draws
from app.demo.jobs import Trade
from app.demo.places import Commune, address
from app.demo.rows import EmployerRow
from app.demo.trades import TRADES
from app.demo.words import BRANDS

REF_PREFIXES = ("HR", "TD", "TTVL", "VL")
BRANCH_SHARE = 0.08
# Tax-office prefixes of the three provinces merged into Vĩnh Long in 2025, weighted roughly
# by their share of firms: old Vĩnh Long, Bến Tre, Trà Vinh.
TAX_PREFIXES = ("15", "13", "21")
TAX_PREFIX_WEIGHTS = (5, 3, 2)

_TRADE_CUM = list(accumulate(t.weight for t in TRADES))
_TAX_PREFIX_CUM = list(accumulate(TAX_PREFIX_WEIGHTS))


@dataclass
class Firm:
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


def draw_employers(
    draws: Draws,
    communes: Sequence[Commune],
    commune_cum: Sequence[float],
    *,
    count: int,
    taken: frozenset[str],
    now: datetime,
) -> tuple[list[EmployerRow], list[Firm]]:
    """`count` employers at home in communes drawn by `commune_cum`, none with a tax code in
    `taken`; the rows to write and the firms their vacancies are drawn for."""
    used = set(taken)
    domains: dict[str, int] = {}
    rows: list[EmployerRow] = []
    firms: list[Firm] = []
    mains: list[Firm] = []
    # Firms exist before the oldest vacancy (120 days back).
    newest = now - timedelta(days=150)
    for _ in range(count):
        firm_id = draws.uuid()
        home = communes[draws.pick(commune_cum)]
        if mains and draws.random() < BRANCH_SHARE:
            firm = _branch(draws, firm_id, draws.of(mains), home, used, newest)
        else:
            firm = _main(draws, firm_id, home, used, domains, newest)
            mains.append(firm)
        firms.append(firm)
        created = firm.created
        verified = created + draws.seconds(0.05, 14) if draws.random() < 0.9 else None
        rows.append(
            EmployerRow(
                id=firm.id,
                name=firm.name,
                tax_code=firm.tax_code,
                address=address(draws, home),
                phone=f"+849{draws.below(100_000_000):08d}",
                email=f"lienhe@{firm.domain}",
                website=f"https://{firm.domain}" if draws.random() < 0.4 else None,
                verified_at=verified,
                created_at=created,
                updated_at=verified or created,
            )
        )
    return rows, firms


def _branch(
    draws: Draws, firm_id: uuid.UUID, parent: Firm, home: Commune, used: set[str], newest: datetime
) -> Firm:
    """A branch: the parent's name and code with a 3-digit branch suffix."""
    branch = 1
    while f"{parent.tax_code}-{branch:03d}" in used:
        branch += 1
    tax_code = f"{parent.tax_code}-{branch:03d}"
    used.add(tax_code)
    created = parent.created + (newest - parent.created) * draws.random()
    return Firm(
        firm_id, f"{parent.name} - Chi nhánh {home.name}", tax_code, parent.trade,
        parent.industry, parent.domain, parent.ref_prefix, created,
    )  # fmt: skip


def _main(
    draws: Draws,
    firm_id: uuid.UUID,
    home: Commune,
    used: set[str],
    domains: dict[str, int],
    newest: datetime,
) -> Firm:
    """A firm of its own, named after a brand or its home commune."""
    trade = TRADES[draws.pick(_TRADE_CUM)]
    place = draws.of(BRANDS) if draws.random() < 0.6 else home.name
    slug = ascii_slug(place)
    domains[slug] = domains.get(slug, 0) + 1
    domain = f"{slug}{domains[slug] if domains[slug] > 1 else ''}.example.com"
    created = newest - draws.seconds(0, 570)
    return Firm(
        firm_id, f"{draws.of(trade.prefixes)} {place}", _tax_code(draws, used), trade,
        draws.of(trade.industries), domain, draws.of(REF_PREFIXES), created,
    )  # fmt: skip


def _tax_code(draws: Draws, used: set[str]) -> str:
    while True:
        prefix = TAX_PREFIXES[draws.pick(_TAX_PREFIX_CUM)]
        serial = 1 + draws.below(9_999_999)  # 0000000 is not a valid serial
        first_nine = f"{prefix}{serial:07d}"
        check = tax_check_digit(first_nine)
        code = f"{first_nine}{check}"
        if check is not None and code not in used:
            used.add(code)
            return code
