"""The accounting lines both flavours write: amounts in cents, lettering codes, the columns of
an entry and the labels a sales journal and a bank statement give them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from engine.settings import Settings
from models.types import to_money


def invoice_cents(rng: random.Random, consumer: bool) -> int:
    """An invoice amount in cents (integers only: money never passes through a float)."""
    if consumer:
        return rng.randint(4_000, 120_000)
    bucket = rng.randrange(100)
    if bucket < 30:
        return rng.randint(8_000, 50_000)
    if bucket < 75:
        return rng.randint(50_000, 250_000)
    if bucket < 95:
        return rng.randint(250_000, 1_000_000)
    return rng.randint(1_000_000, 4_500_000)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def to_cents(amount: Decimal) -> int:
    return int(to_money(amount) * 100)


class Lettering:
    """One customer account's lettering codes, in order: AA, AB, …, ZZ, then AAA…"""

    def __init__(self) -> None:
        self.used = 0

    def __call__(self) -> str:
        index = self.used
        self.used += 1
        width, start = 2, 0
        while index - start >= 26**width:
            start += 26**width
            width += 1
        value, out = index - start, ""
        for _index in range(width):
            value, rest = divmod(value, 26)
            out = chr(65 + rest) + out
        return out


def customer_account(settings: Settings) -> str:
    """The customers' collective account: the prefix padded to six digits (411 → 411000)."""
    return settings.customer_account_prefix.ljust(6, "0")


def entry_row(
    customer_id: int,
    kind: str,
    day: dt.date,
    debit: Decimal | int,
    credit: Decimal | int,
    open_amount: Decimal | int,
    *,
    journal: str,
    account: str,
    key: str,
    due: dt.date | None,
    code: str | None,
    piece: str = "",
    invoice: str = "",
    label: str = "",
    source: str = "manual",
) -> dict[str, Any]:
    """An entry's columns as the accounting import writes them; the amounts are in the caller's
    unit (Decimal euros for the ORM, integer cents for the bulk flavour's plain tables)."""
    return {
        "customer_id": customer_id,
        "journal": journal,
        "date": day,
        "piece": piece,
        "invoice": invoice,
        "reference": "",
        "account": account,
        "label": label,
        "due_date": due,
        "debit": debit,
        "credit": credit,
        "lettering": code,
        "kind": kind,
        "source": source,
        "source_key": key,
        "reminder_count": 0,
        "excluded": False,
        "open_amount": open_amount,
    }


def invoice_label(number: str, short: str) -> str:
    return f"Facture {number} {short}"


def credit_label(number: str, short: str, of: str | None = None) -> str:
    """A credit note's label: against the invoice ``of``, else a commercial gesture."""
    return (
        f"Avoir {number} s/ {of}" if of is not None else f"Avoir {number} geste commercial {short}"
    )


def payment_label(short: str, refs: str, mode: str = "VIR", cheque: str = "") -> str:
    """What the bank statement says of a payment: its mode, the payer and the invoices it pays
    (``refs``, their numbers; none for a transfer the customer did not explain)."""
    if mode == "CHQ":
        text_ = f"Chq n° {cheque} {short} {refs}"
    elif mode == "LCR":
        text_ = f"LCR échue {short} {refs}"
    else:
        text_ = f"Vir. {short} {refs}" if refs else f"Vir. {short} règlement à imputer"
    return text_.strip()[:200]
