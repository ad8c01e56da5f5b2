"""Checks of identity data: the company's identifiers (SIREN/SIRET, VAT, IBAN, BIC), e-mail
addresses, phone numbers and postal addresses of several lines.

Each check takes the text as typed and returns it as stored (compact, upper case…), or
raises ValueError whose text says what was expected; the caller names the field and the
value (engine.settings.parse_setting, engine.contacts). python-stdnum and schwifty are
imported when a value is checked, not when the program starts.

A postal address is several lines: in a value, a line break or the two characters ``\\n``
separate lines (a command line cannot easily type a line break), at most
:data:`MAX_ADDRESS_LINES` lines.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import parseaddr

from engine.i18n import _
from engine.inert import first_unsafe

MAX_ADDRESS_LINES = 6
_PHONE = re.compile(r"[0-9+().\- ]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# Characters with a meaning in an address header (a display name, a group, a comment, a
# second address): one plain address holds none of them.
_HEADER_SPECIALS = set('<>,;:"()[]\\')


def check_plain(text: str, multiline: bool = False) -> str:
    """``text`` when it holds no control character (line breaks only with ``multiline``)."""
    bad = first_unsafe(text, multiline=multiline)
    if bad is not None:
        raise ValueError(
            _("expected plain text without a control character ({char})").format(char=bad)
        )
    return text


def siren_or_siret(value: str) -> str:
    """A SIREN (9 digits) or SIRET (14 digits) with valid check digits, stored compact."""
    from stdnum.exceptions import ValidationError
    from stdnum.fr import siren, siret

    text = check_plain(value.strip())
    compact = siret.compact(text)
    try:
        if len(compact) == 9:
            return str(siren.validate(compact))
        if len(compact) == 14:
            return str(siret.validate(compact))
    except ValidationError:
        pass
    raise ValueError(
        _(
            "expected a SIREN (9 digits) or a SIRET (14 digits) with valid check digits, "
            "such as 732 829 320"
        )
    )


def vat_number(value: str) -> str:
    """A European VAT number (FR…, DE…), stored compact in upper case."""
    from stdnum.eu import vat
    from stdnum.exceptions import ValidationError

    text = check_plain(value.strip())
    try:
        return str(vat.validate(text)).upper()
    except ValidationError:
        raise ValueError(
            _("expected a European VAT number with its country prefix, such as FR40303265045")
        ) from None


def iban(value: str) -> str:
    """An IBAN with a valid checksum, stored compact (shown grouped by 4: :func:`iban_grouped`)."""
    from schwifty import IBAN

    text = check_plain(value.strip())
    try:
        return str(IBAN(text).compact)
    except ValueError:
        raise ValueError(
            _("expected an IBAN with a valid checksum, such as FR14 2004 1010 0505 0001 3M02 606")
        ) from None


def iban_grouped(compact: str) -> str:
    """An IBAN as people read it: groups of 4 characters."""
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def bic(value: str) -> str:
    """A BIC (8 or 11 characters), stored compact in upper case."""
    from schwifty import BIC

    text = check_plain(value.strip())
    try:
        return str(BIC(text).compact)
    except ValueError:
        raise ValueError(
            _("expected a BIC of 8 or 11 characters (bank, country, place), such as BNPAFRPP")
        ) from None


def bic_country(compact: str) -> str:
    """The country of a compact BIC: its letters 5 and 6."""
    return compact[4:6]


def email_address(value: str) -> str:
    """One plain e-mail address (``compta@dupont.fr``): no display name, no second address,
    no line break — it goes into a message header as it is."""
    text = check_plain(value.strip())
    expected = _("expected one e-mail address such as compta@dupont.fr, without a name")
    if not text.isascii() or _HEADER_SPECIALS & set(text) or not _EMAIL.fullmatch(text):
        raise ValueError(expected)
    name, address = parseaddr(text)
    if name or address != text:
        raise ValueError(expected)
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError, TypeError):
        raise ValueError(expected) from None
    if parsed.addr_spec != text or not parsed.domain or not parsed.username:
        raise ValueError(expected)
    return text


def phone(value: str) -> str:
    """Digits, spaces and + . ( ) -, with at least one digit."""
    text = value.strip()
    if not (_PHONE.fullmatch(text) and any(c.isdigit() for c in text)):
        raise ValueError(_("expected digits, spaces and + . ( ) - such as +33 1 23 45 67 89"))
    return text


def address_lines(value: str) -> list[str]:
    """The lines of a postal address: a line break or the two characters ``\\n`` separate
    them; each line stripped, empty lines at either end dropped."""
    text = value.replace("\r\n", "\n").replace("\\n", "\n")
    lines = [line.strip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def postal_address(value: str) -> str:
    """A postal address as stored: its lines joined by line breaks, at most
    :data:`MAX_ADDRESS_LINES`, no control character."""
    lines = address_lines(value)
    for line in lines:
        check_plain(line)
    if len(lines) > MAX_ADDRESS_LINES:
        raise ValueError(
            _("expected at most {n} lines (separated by a line break or \\n), not {count}").format(
                n=MAX_ADDRESS_LINES, count=len(lines)
            )
        )
    return "\n".join(lines)


def address_one_line(stored: str) -> str:
    """A stored address as typed on a command line: its lines joined by ``\\n``."""
    return stored.replace("\n", "\\n")
