"""What a customer owes (docs/RULES.md): open amounts through lettering groups, and the
principal / charges of dossiers.

Open amounts are stored on each entry and dossier totals on each dossier, so that lists
sort and filter in SQL; every change that can move them calls the refresh functions here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, case, func, select, tuple_, type_coerce, update
from sqlmodel import Session, col

from models.columns import pk
from models.money import from_cents
from models.tables import Dossier, DossierEntry, Entry

PRINCIPAL_KINDS = ("invoice", "credit_note", "deposit", "payment")
CHARGE_KINDS = ("fee", "penalty", "indemnity")
ZERO = Decimal("0.00")
CHUNK = 500  # ids per IN list: SQLite limits the parameters of one statement


@dataclass(frozen=True)
class Line:
    id: int
    debit: Decimal
    credit: Decimal
    order: tuple[dt.date, int]  # settle the oldest first: (due date or date, id)


def allocate_group(lines: Iterable[Line]) -> dict[int, Decimal]:
    """Open amount of each entry of one lettering group.

    A balanced group is settled. Otherwise the net stays open on the side that exceeds:
    on the debits (invoices) when the customer still owes, the oldest settled first; on the
    credits when they exceed the debits.
    """
    lines = sorted(lines, key=lambda line: line.order)
    signed = {line.id: line.debit - line.credit for line in lines}
    net = sum(signed.values(), ZERO)
    result = dict.fromkeys(signed, ZERO)
    if net == 0:
        return result
    owing = net > 0
    # What the other side brings, to settle this side oldest first.
    pool = sum((abs(s) for s in signed.values() if s != 0 and (s < 0) == owing), ZERO)
    for line in lines:
        amount = signed[line.id]
        if amount == 0 or (amount > 0) != owing:
            continue
        applied = min(abs(amount), pool)
        pool -= applied
        result[line.id] = amount - applied if owing else amount + applied
    return result


def refresh_open_amounts(
    session: Session, customer_id: int, groups: Iterable[tuple[str, str]] | None = None
) -> None:
    """Recompute the open amounts of a customer's entries (``groups``: (account, code) only)."""
    query = select(
        col(Entry.id),
        col(Entry.debit),
        col(Entry.credit),
        col(Entry.due_date),
        col(Entry.date),
        col(Entry.account),
        col(Entry.lettering),
        col(Entry.open_amount),
    ).where(col(Entry.customer_id) == customer_id)
    if groups is not None:
        wanted = list(set(groups))
        if not wanted:
            return
        query = query.where(tuple_(col(Entry.account), col(Entry.lettering)).in_(wanted))
    by_group: dict[tuple[str, str | None], list[Line]] = defaultdict(list)
    current: dict[int, Decimal] = {}
    for row in session.execute(query):
        line = Line(row.id, row.debit, row.credit, (row.due_date or row.date, row.id))
        current[row.id] = row.open_amount
        key = (row.account, row.lettering) if row.lettering else ("", f"#{row.id}")
        by_group[key].append(line)
    changed: dict[int, Decimal] = {}
    for lines in by_group.values():
        for entry_id, amount in allocate_group(lines).items():
            if current[entry_id] != amount:
                changed[entry_id] = amount
    if changed:
        session.execute(
            update(Entry),
            [{"id": entry_id, "open_amount": amount} for entry_id, amount in changed.items()],
        )


def allocate_group_on(lines: Iterable[tuple[Line, dt.date]], day: dt.date) -> dict[int, Decimal]:
    """Open amount on ``day`` of each entry of one lettering group dated on or before it.

    "The amount on day D" (docs/RULES.md) is what the entries dated on or before D leave
    open: the group is cut to those entries and allocated as :func:`allocate_group` does.
    Entries dated after ``day`` did not exist yet and are left out of the result.
    """
    return allocate_group(line for line, date in lines if date <= day)


def open_amounts_on(session: Session, entry_ids: Iterable[int], day: dt.date) -> dict[int, Decimal]:
    """Open amount on ``day`` of each entry (0 for an entry dated after ``day``)."""
    ids = sorted(set(entry_ids))
    result: dict[int, Decimal] = dict.fromkeys(ids, ZERO)
    groups: set[tuple[int, str, str]] = set()
    singles: list[int] = []
    entry_id = col(Entry.id)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                entry_id, col(Entry.customer_id), col(Entry.account), col(Entry.lettering)
            ).where(entry_id.in_(ids[start : start + CHUNK]))
        )
        for row in rows:
            if row.lettering:
                groups.add((row.customer_id, row.account, row.lettering))
            else:
                singles.append(row.id)
    columns = select(
        entry_id, col(Entry.debit), col(Entry.credit), col(Entry.due_date), col(Entry.date)
    )
    members: dict[tuple[int, str, str] | int, list[tuple[Line, dt.date]]] = defaultdict(list)
    for start in range(0, len(singles), CHUNK):
        for row in session.execute(columns.where(entry_id.in_(singles[start : start + CHUNK]))):
            members[row.id].append(_dated_line(row))
    wanted = sorted(groups)
    group_of = tuple_(col(Entry.customer_id), col(Entry.account), col(Entry.lettering))
    for start in range(0, len(wanted), CHUNK // 3):  # three parameters a group
        chunk = wanted[start : start + CHUNK // 3]
        grouped = columns.add_columns(
            col(Entry.customer_id), col(Entry.account), col(Entry.lettering)
        ).where(group_of.in_(chunk))
        for row in session.execute(grouped):
            members[(row.customer_id, row.account, row.lettering)].append(_dated_line(row))
    for lines in members.values():
        for line_id, amount in allocate_group_on(lines, day).items():
            if line_id in result:
                result[line_id] = amount
    return result


def _dated_line(row: Any) -> tuple[Line, dt.date]:
    date = _as_date(row.date)
    assert date is not None
    return Line(row.id, row.debit, row.credit, (_as_date(row.due_date) or date, row.id)), date


def principal_on(session: Session, dossier_id: int, day: dt.date) -> Decimal:
    """A dossier's principal on ``day``: the open amounts on that day of its invoices,
    credit notes, deposits and payments dated on or before it."""
    ids = session.execute(
        select(col(Entry.id))
        .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
        .where(
            col(DossierEntry.dossier_id) == dossier_id,
            col(Entry.kind).in_(PRINCIPAL_KINDS),
            col(Entry.date) <= day,
        )
    ).scalars()
    return sum(open_amounts_on(session, ids, day).values(), ZERO)


def refresh_dossiers(session: Session, dossier_ids: Iterable[int] | None = None) -> None:
    """Recompute principal and charges (``dossier_ids`` None: every dossier, closed ones too,
    since their unpaid charges stay visible). Only rows whose totals changed are written,
    so the daily pass over 100,000 dossiers writes nothing on a quiet day."""
    if dossier_ids is None:
        _refresh_dossier_chunk(session, None)
    else:
        ids = sorted(set(dossier_ids))
        for start in range(0, len(ids), CHUNK):
            _refresh_dossier_chunk(session, ids[start : start + CHUNK])
    session.expire_all()


def _refresh_dossier_chunk(session: Session, ids: list[int] | None) -> None:
    # Raw cents on both sides: exact integer comparison, and no Money type to infer for the
    # CASE expressions.
    cents = type_coerce(col(Entry.open_amount), BigInteger)
    is_charge = col(Entry.kind).in_(CHARGE_KINDS)
    invoice_owed = (col(Entry.kind) == "invoice") & (col(Entry.open_amount) > 0)
    dossier_id = col(DossierEntry.dossier_id)
    sums = (
        select(
            dossier_id,
            func.sum(case((is_charge, 0), else_=cents)),
            func.sum(case((is_charge, cents), else_=0)),
            # The oldest due date still owed: how late the dossier is.
            func.min(case((invoice_owed, col(Entry.due_date)))),
        )
        .join(Entry, col(Entry.id) == col(DossierEntry.entry_id))
        .group_by(dossier_id)
    )
    current = select(
        pk(Dossier.id),
        type_coerce(col(Dossier.principal), BigInteger),
        type_coerce(col(Dossier.charges), BigInteger),
        col(Dossier.oldest_due),
    )
    if ids is not None:
        sums = sums.where(dossier_id.in_(ids))
        current = current.where(pk(Dossier.id).in_(ids))
    totals = {
        row[0]: (int(row[1] or 0), int(row[2] or 0), _as_date(row[3]))
        for row in session.execute(sums)
    }
    changes = [
        {
            "id": dossier_id,
            "principal": from_cents(want[0]),
            "charges": from_cents(want[1]),
            "oldest_due": want[2],
        }
        for dossier_id, principal, charges, oldest_due in session.execute(current)
        if (want := totals.get(dossier_id, (0, 0, None))) != (principal, charges, oldest_due)
    ]
    if changes:
        session.execute(update(Dossier), changes)


def _as_date(value: Any) -> dt.date | None:
    # MIN over a CASE loses the column type: SQLite hands back the ISO text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def dossiers_of_entries(session: Session, entry_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(entry_ids))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(
            session.execute(
                select(col(DossierEntry.dossier_id)).where(col(DossierEntry.entry_id).in_(chunk))
            ).scalars()
        )
    return found
