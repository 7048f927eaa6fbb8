"""How the department's reports write a share: percent to 2 decimals, halves rounded up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole x 100 to 2 decimals, halves rounded up (as reports are: 78.505 -> 78.51)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
