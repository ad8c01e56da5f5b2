"""The preventive reminder proposal of a day, grouped by customer (docs/RULES.md, preventive
reminders): what `reminders`, `reminders send` and the Reminders screen (key 5) read.

One query finds the candidates through the due date index (an invoice due in the window,
dated on or before the day, neither it nor its customer excluded, never reminded); the open
amount on the day (engine.balances: the stored one, or the lettering group allocated on
the day when it holds a later entry) keeps those still owed. The rule itself,
and what sending writes, is engine.reminders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TypedDict, cast

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from engine.balances import CHUNK, ZERO, Line, allocate_group_on
from engine.reads.views import entry_row
from models.tables import Customer, Entry, EntryReminder


class ReminderEntry(TypedDict):
    """One proposed invoice: the ``entries[]`` keys of ``dossier show --json``
    (engine.reads.views.entry_row), ``open_amount`` being the amount open on the day, plus
    what the screen needs (``days_before_due``, ``version`` for the count's edit), which
    ``json_groups`` leaves out."""

    id: int
    kind: str
    journal: str
    date: dt.date
    piece: str
    invoice: str
    reference: str
    account: str
    label: str
    due_date: dt.date
    debit: Decimal
    credit: Decimal
    lettering: str | None
    open_amount: Decimal
    reminder_count: int
    excluded: bool
    days_before_due: int
    version: int


class ReminderGroup(TypedDict):
    """One customer's letter: its proposed invoices and their total open amount."""

    customer_id: int
    customer: str  # the code
    name: str
    address: str
    email: str
    total: Decimal
    entries: list[ReminderEntry]


def window(today: dt.date, period_days: int) -> tuple[dt.date, dt.date] | None:
    """The due dates proposed on ``today``: [today, today + period]; None when off (0)."""
    if period_days <= 0:
        return None
    return today, today + dt.timedelta(days=period_days)


def reminder_groups(
    session: Session,
    today: dt.date,
    period_days: int,
    customer_ids: set[int] | None = None,
) -> list[ReminderGroup]:
    """The proposal of ``today``, by customer code then due date (``customer_ids``: only
    those customers)."""
    span = window(today, period_days)
    if span is None:
        return []
    entry_id = col(Entry.id)
    reminded = exists().where(col(EntryReminder.entry_id) == entry_id)
    # The stored open amount is the amount on the day unless the invoice's lettering group
    # holds an entry dated after it (a payment since: a day in the past); those few are
    # allocated again on the day (engine.balances), the others are read as stored.
    other = aliased(Entry)
    later = (
        exists()
        .where(
            col(other.customer_id) == col(Entry.customer_id),
            col(other.account) == col(Entry.account),
            col(other.lettering) == col(Entry.lettering),
            col(other.date) > today,
        )
        .correlate(Entry)
    )
    query = (
        select(Entry, Customer, later.label("later"))
        .join(Customer, col(Customer.id) == col(Entry.customer_id))
        .where(
            col(Entry.kind) == "invoice",
            col(Entry.due_date) >= span[0],
            col(Entry.due_date) <= span[1],
            col(Entry.date) <= today,
            col(Entry.excluded).is_(False),
            col(Customer.excluded_from_reminders).is_(False),
            or_(col(Entry.open_amount) > 0, and_(col(Entry.lettering).is_not(None), later)),
            ~reminded,
        )
        .order_by(col(Customer.code), col(Entry.due_date), entry_id)
    )
    if customer_ids is not None:
        query = query.where(col(Customer.id).in_(sorted(customer_ids)))
    rows = session.execute(query).all()
    amounts = {entry.id: entry.open_amount for entry, _customer, _later in rows}
    again = [entry.id for entry, _customer, moved in rows if moved and entry.id is not None]
    amounts.update(_open_on(session, again, today))
    groups: dict[int, ReminderGroup] = {}
    for entry, customer, _later in rows:
        assert entry.id is not None and customer.id is not None and entry.due_date
        amount = amounts.get(entry.id, ZERO)
        if amount <= 0:
            continue
        group = groups.get(customer.id)
        if group is None:
            group = groups[customer.id] = {
                "customer_id": customer.id,
                "customer": customer.code,
                "name": customer.name,
                "address": customer.address,
                "email": customer.email,
                "total": ZERO,
                "entries": [],
            }
        group["total"] += amount
        item = {**entry_row(entry), "open_amount": amount}
        item["days_before_due"] = (entry.due_date - today).days
        item["version"] = entry.version
        group["entries"].append(cast(ReminderEntry, item))
    return list(groups.values())


def _open_on(session: Session, ids: list[int], today: dt.date) -> dict[int, Decimal]:
    """The open amount on ``today`` of lettered invoices (engine.balances.allocate_group_on
    over each one's lettering group), their groups read through the lettering index: what
    ``open_amounts_on`` gives, in one query per 500 invoices."""
    other = aliased(Entry)
    found: dict[int, Decimal] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                col(Entry.id).label("owner"),
                col(other.id).label("id"),
                col(other.debit),
                col(other.credit),
                col(other.due_date),
                col(other.date),
            )
            .join(
                other,
                and_(
                    col(other.customer_id) == col(Entry.customer_id),
                    col(other.account) == col(Entry.account),
                    col(other.lettering) == col(Entry.lettering),
                ),
            )
            .where(col(Entry.id).in_(ids[start : start + CHUNK]))
        )
        groups: dict[int, list[tuple[Line, dt.date]]] = defaultdict(list)
        for row in rows:
            line = Line(row.id, row.debit, row.credit, (row.due_date or row.date, row.id))
            groups[row.owner].append((line, row.date))
        for owner, lines in groups.items():
            found[owner] = allocate_group_on(lines, today).get(owner, ZERO)
    return found


EXTRA_KEYS = ("days_before_due", "version")


def json_groups(groups: list[ReminderGroup]) -> list[dict[str, object]]:
    """``reminders --json``: one item per customer, ``customer, name, total, entries[]``."""
    return [
        {
            "customer": g["customer"],
            "name": g["name"],
            "total": g["total"],
            "entries": [{k: v for k, v in e.items() if k not in EXTRA_KEYS} for e in g["entries"]],
        }
        for g in groups
    ]
