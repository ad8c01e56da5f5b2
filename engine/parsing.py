"""Parsing what people and files give us: dates, amounts and percentages, each with one
parser used everywhere (command line, settings, scenario files, CSV), and messages naming
the value and what is expected."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from engine.errors import UserError
from engine.i18n import _
from models.money import to_money

# After normalisation (see number_text): an optional sign, digits, one optional "." mark.
# No exponent, no NaN, no Infinity, no "1_000".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Money is stored as integer cents (BIGINT): stay far below its bound.
MAX_AMOUNT = Decimal("999999999999.99")
_SPACES = (" ", "\u00a0", "\u202f", "\u2009")  # space, no-break, narrow no-break, thin


class InvalidNumber(UserError):
    """A number that cannot be read or is out of range. ``expected`` says what would do,
    for callers that word their own message (a CSV line, a scenario step, a setting)."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.expected = expected


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


def number_text(value: str) -> str:
    """Thousands separators out, one ``.`` decimal mark left.

    ``.`` or ``,`` is the decimal mark; spaces (plain, no-break, narrow) separate thousands;
    when both ``.`` and ``,`` appear, the last one is the decimal mark (``1.234,56``,
    ``1,234.56``) and the others are thousands separators.
    """
    text = value.strip()
    for space in _SPACES:
        text = text.replace(space, "")
    if "," in text and "." in text:
        mark = max(text.rfind(","), text.rfind("."))
        text = text[:mark].replace(",", "").replace(".", "") + "." + text[mark + 1 :]
    return text.replace(",", ".")


def _decimal(value: object) -> Decimal | None:
    """The finite number written in ``value``, or None."""
    text = number_text(str(value))
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        return None
    if not number.is_finite():  # pragma: no cover - idem: belt and braces
        return None
    return abs(number) if number == 0 else number  # no "-0"


def _invalid(value: object, what: str, expected: str) -> InvalidNumber:
    return InvalidNumber(
        _("Invalid {what} {value!r}: expected {expected}.").format(
            what=what, value=value, expected=expected
        ),
        expected,
    )


def parse_amount(
    value: object, what: str | None = None, *, minimum: Decimal | None = None
) -> Decimal:
    """An amount with 2 decimals (half-up), finite, at most :data:`MAX_AMOUNT` either way,
    and at least ``minimum`` (after rounding) when given."""
    what = what or _("amount")
    number = _decimal(value)
    if number is None:
        raise _invalid(value, what, _("a number such as 1200.50 or 1 200,50"))
    # Rounding a number of more than 28 digits would overflow the decimal context.
    amount = to_money(number) if abs(number) <= 2 * MAX_AMOUNT else number
    if amount == 0:
        amount = abs(amount)  # no "-0.00"
    if minimum is not None and amount < minimum:
        raise _invalid(value, what, _("an amount of {minimum} or more").format(minimum=minimum))
    if abs(amount) > MAX_AMOUNT:
        raise _invalid(value, what, _("an amount of at most {maximum}").format(maximum=MAX_AMOUNT))
    return amount


def parse_percent(value: object, what: str | None = None) -> Decimal:
    """A percentage from 0 to 100 (a trailing ``%`` is fine), finite, kept as written."""
    text = str(value).strip().removesuffix("%")
    number = _decimal(text)
    if number is None or not Decimal(0) <= number <= Decimal(100):
        raise _invalid(value, what or _("percentage"), _("a percentage from 0 to 100"))
    return number
