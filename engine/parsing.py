"""Parsing what people and files give us: dates and amounts, with messages naming the value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from engine.errors import UserError
from engine.i18n import _
from models.types import to_money


def parse_date(value: str, what: str | None = None) -> dt.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    text = value.strip()
    try:
        if "/" in text:
            day, month, year = text.split("/")
            if len(year) != 4:
                raise ValueError
            return dt.date(int(year), int(month), int(day))
        import pendulum  # ~15 ms of import, paid only when a date is typed

        parsed = pendulum.parse(text, exact=True, strict=True)
        if not isinstance(parsed, dt.date) or isinstance(parsed, dt.datetime) or len(text) != 10:
            raise ValueError
        return dt.date(parsed.year, parsed.month, parsed.day)
    except (ValueError, TypeError):
        raise UserError(
            _("Invalid {what} {value!r}: expected YYYY-MM-DD or DD/MM/YYYY.").format(
                what=what or _("date"), value=value
            )
        ) from None


def parse_amount(value: str, what: str | None = None) -> Decimal:
    text = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return to_money(Decimal(text))
    except InvalidOperation:
        raise UserError(
            _("Invalid {what} {value!r}: expected a number such as 1200.50 or 1200,50.").format(
                what=what or _("amount"), value=value
            )
        ) from None
