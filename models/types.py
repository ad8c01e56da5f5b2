"""Column types that keep money exact on every backend.

SQLite has no decimal type (its NUMERIC affinity stores floats), so amounts are stored as
whole cents in a BIGINT everywhere: sums in SQL stay exact and both backends behave alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.types import TypeDecorator

from models.money import CENT, from_cents, to_money

__all__ = ["CENT", "DecimalText", "Money", "to_money"]


class Money(TypeDecorator[Decimal]):
    """A Decimal amount stored as integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a Decimal, never a float")
        return int(to_money(value) * 100)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return from_cents(value)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal of any precision (rates, percentages, unrounded interest) stored as text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("decimals must not be floats")
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)
