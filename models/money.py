"""The one rounding rule for amounts (no database code: the TUI's first paint imports it)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Two decimals, half-up: the one rounding rule for amounts."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def from_cents(cents: int) -> Decimal:
    """An amount stored as whole cents (every Money column) as the Decimal it stands for."""
    return (Decimal(int(cents)) / 100).quantize(CENT)
