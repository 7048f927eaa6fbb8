"""Where the demo's employers and sites are: the current communes, how often each is drawn, and
street addresses in them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.demo.draws import Draws
from app.demo.words import HAMLETS, STREETS

# This share of sites goes to the communes of old Vĩnh Long (before the 2025 merger), the rest
# to those of old Bến Tre and Trà Vinh; within each, a phường (town) draws 4x a xã.
OLD_VINH_LONG_SHARE = 0.6
WARD_WEIGHT = 4


@dataclass(frozen=True)
class Commune:
    """A current commune as the generator needs it; `area_id` is passed through to the rows."""

    area_id: int
    code: str
    name: str
    full_name: str
    ward: bool  # phường (urban) rather than xã
    old_vinh_long: bool  # part of Vĩnh Long before the 2025 merger


def commune_weights(communes: Sequence[Commune]) -> list[float]:
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


def address(draws: Draws, commune: Commune) -> str:
    """A numbered street in a town (phường), a hamlet (ấp) in the countryside (xã)."""
    if commune.ward:
        street = f"Số {1 + draws.below(350)} đường {draws.of(STREETS)}"
    else:
        street = f"Ấp {draws.of(HAMLETS)}"
    return f"{street}, {commune.full_name}, tỉnh Vĩnh Long"
