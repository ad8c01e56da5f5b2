"""Parsing what people and files give us: dates, amounts and percentages, each with one
parser used everywhere (command line, settings, scenario files, CSV), and messages naming
the value and what is expected."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from engine.errors import UserError
from engine.i18n import _
from engine.inert import first_unsafe
from models.money import to_money

# After normalisation (see number_text): an optional sign, digits, one optional "." mark.
# No exponent, no NaN, no Infinity, no "1_000".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Money is stored as integer cents (BIGINT): stay far below its bound.
MAX_AMOUNT = Decimal("999999999999.99")
# Record ids are INTEGER columns (32 bits on PostgreSQL): a larger one names nothing.
MAX_ID = 2**31 - 1
_SPACES = (" ", "\u00a0", "\u202f", "\u2009")  # space, no-break, narrow no-break, thin
# Digits grouped by three with a space as thousands separator: 1 234 or 12 345 678,90.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]*)?")
# Every date a person or a file gives lies in this range: far enough for any real debt, and
# dates computed from it (a step's delay, the next working day) stay far from year 9999.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)


class InvalidNumber(UserError):
    """A number that cannot be read or is out of range. ``expected`` says what would do,
    for callers that word their own message (a CSV line, a scenario step, a setting)."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.expected = expected


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InvalidDate(UserError):
    """A date that cannot be read or is out of range; ``expected`` as for InvalidNumber."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.expected = expected


def parse_date(value: str, what: str | None = None) -> dt.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``, from :data:`MIN_DATE` to :data:`MAX_DATE`."""
    text = value.strip()
    try:
        if "/" in text:
            day, month, year = text.split("/")
            if len(year) != 4:
                raise ValueError
            parsed_date = dt.date(int(year), int(month), int(day))
        elif ISO_DATE.fullmatch(text):
            # The usual form, read without pendulum (its import, 30–90 ms here, came before
            # the TUI's first paint whenever --today was given).
            parsed_date = dt.date.fromisoformat(text)
        else:
            import pendulum  # ~15 ms of import, paid only when a date is typed

            parsed = pendulum.parse(text, exact=True, strict=True)
            if (
                not isinstance(parsed, dt.date)
                or isinstance(parsed, dt.datetime)
                or len(text) != 10
            ):
                raise ValueError
            parsed_date = dt.date(parsed.year, parsed.month, parsed.day)
    except (ValueError, TypeError, OverflowError):
        raise InvalidDate(
            _("Invalid {what} {value!r}: expected YYYY-MM-DD or DD/MM/YYYY.").format(
                what=what or _("date"), value=value
            ),
            _("YYYY-MM-DD or DD/MM/YYYY"),
        ) from None
    check_date(parsed_date, what, value)
    return parsed_date


def date_range_text() -> str:
    """What :func:`check_date` expects, for messages that word their own sentence."""
    return _("a date from {first} to {last}").format(
        first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()
    )


def check_date(day: dt.date, what: str | None = None, value: object = None) -> dt.date:
    """``day`` when it lies from :data:`MIN_DATE` to :data:`MAX_DATE`, else a UserError
    naming the value and the range."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise InvalidDate(
            _("Invalid {what} {value!r}: expected {expected}.").format(
                what=what or _("date"),
                value=day.isoformat() if value is None else value,
                expected=date_range_text(),
            ),
            date_range_text(),
        )
    return day


def check_text(
    value: str, what: str, limit: int | None, *, plain: bool = False, multiline: bool = False
) -> str:
    """``value`` when it fits a text column of ``limit`` characters (None: no limit) and
    holds no NUL character (PostgreSQL refuses NUL in any text, SQLite would store it) nor
    an undecodable byte; else a UserError naming ``what`` and the limit.

    ``plain=True`` (a text a person types: a name, a note, a code) also refuses every
    character a terminal would obey (C0 but tab, DEL, C1, bidi controls, line separators:
    ``engine.inert``), naming the first one; ``multiline=True`` lets line breaks through.
    Otherwise control characters other than NUL are kept as given (they are shown inert)."""
    subject = what if "." in what else what[:1].upper() + what[1:]  # a column's name as is
    if plain:
        bad = first_unsafe(value, multiline=multiline)  # NUL included
        if bad is not None:
            raise UserError(
                _("{what} contains a control character ({char}): expected plain text.").format(
                    what=subject, char=bad
                )
            )
    if "\x00" in value:
        raise UserError(
            _("{what} contains a NUL character (\\0): expected text without it.").format(
                what=subject
            )
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(
            _("{what} holds a byte that is not UTF-8 text: expected UTF-8 text.").format(
                what=subject
            )
        ) from None
    if limit is not None and len(value) > limit:
        raise UserError(
            _("{what} is {length} characters long: expected at most {limit}.").format(
                what=subject, length=len(value), limit=limit
            )
        )
    return value


def number_text(value: str) -> str:
    """Thousands separators out, one ``.`` decimal mark left.

    ``.`` or ``,`` is the decimal mark; spaces (plain, no-break, narrow) separate thousands,
    and only them: ``1 234,56`` but not ``1 2 3`` (a number that is not readable so comes out
    as text the number pattern refuses);
    when both ``.`` and ``,`` appear, the last one is the decimal mark (``1.234,56``,
    ``1,234.56``) and the others are thousands separators.
    """
    text = value.strip()
    for space in _SPACES:
        text = text.replace(space, " ")
    if " " in text:
        if not _GROUPED.fullmatch(text):
            return "invalid"  # spaces only separate groups of three digits: never "1 2 3"
        text = text.replace(" ", "")
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
