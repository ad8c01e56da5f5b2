"""The EPC QR code of a payment: a SEPA credit transfer a banking app reads from a letter.

EPC069-12 ("Quick Response Code: guidelines to enable data capture for the initiation of a
SEPA credit transfer"), version 002: one field a line, UTF-8 (character set 1), the
credit transfer (SCT), the BIC (optional in version 002 within the EEA, written when set),
the beneficiary's name (at most 70 characters), the IBAN, the amount as ``EUR`` and two
decimals from 0.01 to 999999999.99, an empty purpose, no structured reference, and the
dossier number as unstructured remittance text (at most 140 characters). The payload is at
most 331 bytes and the code uses error correction level M, as the standard requires.

A payment that cannot be encoded is refused with a :class:`UserError` naming the field:
the code must never carry something other than what the letter says.
"""

from __future__ import annotations

import re
from decimal import Decimal

import segno
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from engine.documents.letter import Payment
from engine.errors import UserError
from engine.i18n import _

MAX_NAME = 70
MAX_REFERENCE = 140
MAX_PAYLOAD_BYTES = 331
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
CENT = Decimal("0.01")

# Any character that would break the one-field-a-line layout or that a banking app would
# show as garbage: C0, DEL, C1, line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _refuse(field: str, value: object, expected: str) -> UserError:
    return UserError(
        _("The payment's {field} {value!r} cannot go in a QR code: expected {expected}.").format(
            field=field, value=value, expected=expected
        )
    )


def _text(field: str, value: str, maximum: int, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise _refuse(field, value, _("a text"))
    if _CONTROL.search(text):
        raise _refuse(field, value, _("one line without control characters"))
    if len(text) > maximum:
        raise _refuse(field, value, _("at most {n} characters").format(n=maximum))
    return text


def epc_amount(amount: Decimal) -> str:
    """``amount`` as the payload writes it: ``EUR`` and two decimals (``EUR1234.50``)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise _refuse(_("amount"), str(amount), _("an amount in euros"))
    if amount.quantize(CENT) != amount:
        raise _refuse(_("amount"), str(amount), _("at most two decimals"))
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise _refuse(
            _("amount"),
            str(amount),
            _("from {low} to {high}").format(low=MIN_AMOUNT, high=MAX_AMOUNT),
        )
    return f"EUR{amount.quantize(CENT):f}"


def epc_payload(payment: Payment) -> str:
    """The text of the QR code (EPC069-12 version 002), lines separated by ``\\n``."""
    name = _text(_("beneficiary"), payment.beneficiary, MAX_NAME, required=True)
    try:
        iban = IBAN(payment.iban).compact
    except (SchwiftyException, ValueError, TypeError):
        raise _refuse(_("IBAN"), payment.iban, _("a valid IBAN")) from None
    bic = ""
    if payment.bic.strip():
        try:
            bic = str(BIC(payment.bic.strip()).compact)
        except (SchwiftyException, ValueError, TypeError):
            raise _refuse(_("BIC"), payment.bic, _("a valid BIC")) from None
    amount = epc_amount(payment.amount)
    reference = _text(_("reference"), payment.reference, MAX_REFERENCE, required=False)
    lines = ["BCD", "002", "1", "SCT", bic, name, str(iban), amount, "", "", reference]
    while not lines[-1]:  # the last field written is not followed by a line feed
        lines.pop()
    payload = "\n".join(lines)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise UserError(
            _(
                "The payment's details take {size} bytes, more than a QR code's "
                "{maximum}: shorten the beneficiary or the reference."
            ).format(size=size, maximum=MAX_PAYLOAD_BYTES)
        )
    return payload


def epc_qr(payment: Payment) -> segno.QRCode:
    """The QR code of ``payment``: error correction level M, never boosted (the standard's
    level), a full QR code (never a micro one), the payload as UTF-8 bytes."""
    payload = epc_payload(payment)
    return segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False)
