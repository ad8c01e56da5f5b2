"""How amounts and dates read in each language (Babel): ``1 234,56 €`` in French."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from engine.i18n import current_language

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def money(amount: Decimal | None, currency: str = "EUR", symbol: bool = True) -> str:
    if amount is None:
        return ""
    locale = LOCALES.get(current_language(), "en_GB")
    if symbol:
        return format_currency(amount, currency, locale=locale)
    return format_decimal(amount, format="#,##0.00", locale=locale)


def date(day: dt.date | None) -> str:
    """ISO in English (sorts as it reads), DD/MM/YYYY in French as on French paperwork."""
    if day is None:
        return ""
    if current_language() == "fr":
        return day.strftime("%d/%m/%Y")
    return day.isoformat()


def number(value: int) -> str:
    """A count with the language's thousands separator: ``12 500`` in French."""
    return format_decimal(value, format="#,##0", locale=LOCALES.get(current_language(), "en_GB"))
