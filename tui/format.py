"""How amounts, dates and times read in each language (Babel): ``1 234,56 €`` in French.

Every screen formats through here: one money, one date, one time of day.

Amounts in a column and counts are written here with the language's separators, without
Babel: loading its locale data takes ~50 ms, which the first paint of the list (a column
of amounts) would wait for. Babel writes the amounts with a currency symbol, first used
once the list is up (the app loads it in its warm-up)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.i18n import current_language

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
# Decimal and group separators as Babel has them for LOCALES (the minus sign is "-" in
# both); tests/test_format.py checks they still agree.
SEPARATORS = {"fr": (",", "\u202f"), "en": (".", ",")}


def _locale() -> str:
    return LOCALES.get(current_language(), "en_GB")


def money(amount: Decimal | str | int | None, currency: str = "EUR", symbol: bool = True) -> str:
    """An amount, with its currency symbol or (in a column of amounts) without."""
    if amount is None or amount == "":
        return ""
    if not isinstance(amount, Decimal):
        try:
            amount = Decimal(amount)
        except (InvalidOperation, ValueError):
            return str(amount)
    if symbol:
        from babel.numbers import format_currency

        return format_currency(amount, currency, locale=_locale())
    return _separated(f"{amount:,.2f}")


def _separated(text: str) -> str:
    """``1,234.56`` (Python's separators) with the language's."""
    decimal, group = SEPARATORS.get(current_language(), SEPARATORS["en"])
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def amount(value: Any) -> str:
    """An amount in a column of amounts: no symbol (``2,393.77``; ``2 393,77`` in French)."""
    return money(value, symbol=False)


def date(day: dt.date | str | None) -> str:
    """ISO in English (sorts as it reads), DD/MM/YYYY in French as on French paperwork."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day[:10])
        except ValueError:
            return str(day)
    if isinstance(day, dt.datetime):
        day = day.date()
    if current_language() == "fr":
        return day.strftime("%d/%m/%Y")
    return day.isoformat()


def moment(value: dt.datetime) -> str:
    """A time something happened, in the machine's time zone: the date, then HH:MM."""
    local = value.astimezone()
    return f"{date(local.date())} {local:%H:%M}"


def number(value: int) -> str:
    """A count with the language's thousands separator: ``12 500`` in French."""
    return _separated(f"{value:,d}")
