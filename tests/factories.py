"""Small builders for test data (entries as the accounting system would have booked them)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlmodel import Session

from engine.balances import refresh_open_amounts
from models.tables import Customer, Entry

_keys = itertools.count(1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def add_customer(
    session: Session, code: str = "CDUPONT", name: str = "Dupont Frères", **fields: object
) -> Customer:
    customer = Customer(code=code, name=name, **fields)  # type: ignore[arg-type]
    session.add(customer)
    session.flush()
    return customer


def add_entry(
    session: Session,
    customer: Customer,
    kind: str,
    date: str,
    amount: str,
    *,
    due: str | None = None,
    lettering: str | None = None,
    invoice: str = "",
    account: str = "411000",
    journal: str | None = None,
) -> Entry:
    """An entry; debit for invoices, credit for the other principal kinds."""
    value = Decimal(amount)
    debit = value if kind in ("invoice", "fee", "penalty", "indemnity") else Decimal(0)
    credit = Decimal(0) if debit else value
    assert customer.id is not None
    entry = Entry(
        customer_id=customer.id,
        journal=journal or ("VTE" if kind == "invoice" else "BQ"),
        date=d(date),
        piece=invoice or f"P{next(_keys)}",
        invoice=invoice,
        account=account,
        label=f"{kind} {invoice}",
        due_date=d(due) if due else None,
        debit=debit,
        credit=credit,
        lettering=lettering,
        kind=kind,
        source="manual",
        source_key=f"test:{next(_keys)}",
        open_amount=debit - credit,
    )
    session.add(entry)
    session.flush()
    refresh_open_amounts(session, customer.id)
    return entry
