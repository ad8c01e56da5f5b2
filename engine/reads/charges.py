"""The charges the collection created, as ``export charges`` reads them (the rules, the
references and the two formats are engine.charges_export).

A charge is an entry of source ``collection`` and kind fee, penalty or indemnity; its
``piece`` is the number of the dossier it was charged in (engine.effects).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import select
from sqlmodel import Session, col

from engine.balances import CHARGE_KINDS
from models.tables import Customer, Entry


class ChargeRow(TypedDict):
    id: int
    customer_code: str
    customer_name: str
    kind: str  # fee | penalty | indemnity
    date: dt.date
    due_date: dt.date | None
    dossier: str  # the dossier's number (the charge's piece)
    invoice: str  # the invoice a penalty or indemnity is about
    account: str  # the customer account it is on
    label: str
    amount: Decimal  # its debit
    lettering: str | None
    charge_ref: str | None  # its piece reference in the accounting, once exported
    exported_at: dt.datetime | None


def charge_rows(
    session: Session, *, since: dt.date | None = None, again: bool = False
) -> list[ChargeRow]:
    """The charges to export, by dossier then as they were charged: the ones never exported
    (``again``: all of them), dated on or after ``since`` when given."""
    query = (
        select(
            col(Entry.id),
            col(Customer.code),
            col(Customer.name),
            col(Entry.kind),
            col(Entry.date),
            col(Entry.due_date),
            col(Entry.piece),
            col(Entry.invoice),
            col(Entry.account),
            col(Entry.label),
            col(Entry.debit),
            col(Entry.lettering),
            col(Entry.charge_ref),
            col(Entry.exported_at),
        )
        .join(Customer, col(Customer.id) == col(Entry.customer_id))
        .where(col(Entry.source) == "collection", col(Entry.kind).in_(CHARGE_KINDS))
        .order_by(col(Entry.piece), col(Entry.id))
    )
    if not again:
        query = query.where(col(Entry.exported_at).is_(None))
    if since is not None:
        query = query.where(col(Entry.date) >= since)
    return [
        ChargeRow(
            id=row[0],
            customer_code=row[1],
            customer_name=row[2],
            kind=row[3],
            date=row[4],
            due_date=row[5],
            dossier=row[6],
            invoice=row[7],
            account=row[8],
            label=row[9],
            amount=row[10],
            lettering=row[11],
            charge_ref=row[12],
            exported_at=row[13],
        )
        for row in session.execute(query)
    ]


def referenced_counts(session: Session, dossiers: list[str]) -> dict[str, int]:
    """Dossier number -> how many of its charges already have a piece reference."""
    counts: dict[str, int] = dict.fromkeys(dossiers, 0)
    for start in range(0, len(dossiers), 500):
        chunk = dossiers[start : start + 500]
        for piece in session.execute(
            select(col(Entry.piece)).where(
                col(Entry.source) == "collection",
                col(Entry.piece).in_(chunk),
                col(Entry.charge_ref).is_not(None),
            )
        ).scalars():
            counts[piece] += 1
    return counts
