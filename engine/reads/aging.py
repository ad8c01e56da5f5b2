"""The aged balance (docs/RULES.md): every customer's open amounts by how many days past
their due date they are on a day, the totals, the DSO, and the daily snapshots.

Summed in SQL as raw cents, in one pass grouped by customer (the bucket of an entry is a
CASE on its due date against dates worked out here, so both backends read it alike): no
Python loop over the entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, case, exists, func, select, type_coerce, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col

from engine.reads.filters import LIKE_ESCAPE, key_pattern
from models.money import from_cents
from models.tables import AgingSnapshot, Customer, Entry

ZERO = Decimal("0.00")
DEFAULT_EDGES = (30, 60, 90)
DSO_DAYS = 90  # the sales period the DSO is measured on
NOT_DUE = "not_due"


def bucket_keys(edges: tuple[int, ...]) -> list[str]:
    """``(30, 60, 90)`` → ``not_due, 1-30, 31-60, 61-90, 91+``."""
    keys = [NOT_DUE]
    low = 1
    for edge in edges:
        keys.append(f"{low}-{edge}")
        low = edge + 1
    keys.append(f"{low}+")
    return keys


@dataclass(frozen=True)
class AgingFilter:
    text: str = ""  # customer code or name; case and accents ignored
    sort: str = "total"  # code | name | total | a bucket key
    descending: bool = True


@dataclass(frozen=True)
class AgingRow:
    """One customer's line (or the totals, code and name empty)."""

    code: str
    name: str
    total: Decimal
    buckets: tuple[Decimal, ...]  # not due first, then each bucket in order


@dataclass(frozen=True)
class AgingTotals:
    day: dt.date
    keys: list[str]
    total: AgingRow
    customers: int
    dso: int | None  # days; None when there were no sales in the period


def _cents(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _bucket_conditions(
    due: Any, today: dt.date, edges: tuple[int, ...]
) -> list[ColumnElement[bool]]:
    """One condition a bucket on the entry's due date (``due``: its date when it has none: a
    payment or an unmatched credit sits where it was made). Days past due = today - due."""
    conditions: list[ColumnElement[bool]] = [due >= today]
    newer = today  # the bucket's due dates are before this one …
    for edge in edges:
        older = today - dt.timedelta(days=edge)  # … and on or after this one
        conditions.append(and_(due < newer, due >= older))
        newer = older
    conditions.append(due < newer)
    return conditions


def _open_on(session: Session, today: dt.date) -> Any:
    """Each entry dated on or before ``today`` with what it left open on that day, in cents
    (columns customer_id, due, cents): "the amount on day D" of docs/RULES.md.

    An entry's stored open amount is that of today's ledger. It is the amount on ``today``
    too unless its lettering group has an entry dated after ``today`` (a payment booked
    later, lettered with it since): those groups are cut to the entries dated on or before
    ``today`` and allocated again here, in SQL (engine.balances.allocate_group's rule: the
    side that exceeds stays open, its oldest entries settled first). On the current day no
    group has a later entry (one probe of the date index says so): the stored amounts.
    """
    due = func.coalesce(col(Entry.due_date), col(Entry.date))
    stored = select(
        col(Entry.customer_id).label("customer_id"),
        due.label("due"),
        _cents(Entry.open_amount).label("cents"),
    ).where(col(Entry.open_amount) != 0, col(Entry.date) <= today)
    any_later = select(col(Entry.id)).where(
        col(Entry.date) > today, col(Entry.lettering).is_not(None)
    )
    if session.execute(any_later.limit(1)).first() is None:  # the current day: a range probe
        return stored.subquery("open_on")
    later = (
        select(col(Entry.customer_id), col(Entry.account), col(Entry.lettering))
        .where(col(Entry.date) > today, col(Entry.lettering).is_not(None))
        .distinct()
        .subquery("later")
    )
    other = aliased(Entry)
    cut_later = exists().where(
        col(other.customer_id) == col(Entry.customer_id),
        col(other.account) == col(Entry.account),
        col(other.lettering) == col(Entry.lettering),
        col(other.date) > today,
    )
    stored = stored.where(~cut_later)
    # The groups cut on the day: each entry's amount, its group's sums and what the entries
    # of its side before it (oldest first) take.
    signed = _cents(Entry.debit) - _cents(Entry.credit)
    group = (col(Entry.customer_id), col(Entry.account), col(Entry.lettering))
    order = (due, col(Entry.id))
    debit = case((signed > 0, signed), else_=0)
    credit = case((signed < 0, -signed), else_=0)
    members = (
        select(
            col(Entry.customer_id).label("customer_id"),
            due.label("due"),
            signed.label("signed"),
            func.sum(debit).over(partition_by=group).label("debits"),
            func.sum(credit).over(partition_by=group).label("credits"),
            (func.sum(debit).over(partition_by=group, order_by=order) - debit).label(
                "debits_before"
            ),
            (func.sum(credit).over(partition_by=group, order_by=order) - credit).label(
                "credits_before"
            ),
        )
        .join(
            later,
            and_(
                later.c.customer_id == col(Entry.customer_id),
                later.c.account == col(Entry.account),
                later.c.lettering == col(Entry.lettering),
            ),
        )
        .where(col(Entry.date) <= today)
        .subquery("members")
    )
    m = members.c

    def applied(pool: Any, before: Any, amount: Any) -> Any:
        """What the other side's pool has left for this entry: 0 to its whole amount."""
        left = pool - before
        return case((left <= 0, 0), (left >= amount, amount), else_=left)

    opened = case(
        (
            and_(m.debits > m.credits, m.signed > 0),
            m.signed - applied(m.credits, m.debits_before, m.signed),
        ),
        (
            and_(m.credits > m.debits, m.signed < 0),
            m.signed + applied(m.debits, m.credits_before, -m.signed),
        ),
        else_=0,
    )
    recut = select(m.customer_id, m.due, opened.label("cents")).subquery("recut")
    return union_all(
        stored, select(recut.c.customer_id, recut.c.due, recut.c.cents).where(recut.c.cents != 0)
    ).subquery("open_on")


def _sums(session: Session, today: dt.date, edges: tuple[int, ...]) -> Any:
    """Each customer's total and bucket amounts on ``today``, in cents: one grouped pass.
    Entries dated after ``today`` did not exist yet on that day."""
    opens = _open_on(session, today)
    columns = [
        func.sum(case((cond, opens.c.cents), else_=0))
        for cond in _bucket_conditions(opens.c.due, today, edges)
    ]
    return (
        select(
            opens.c.customer_id.label("customer_id"),
            func.sum(opens.c.cents).label("total"),
            *[c.label(f"b{i}") for i, c in enumerate(columns)],
        )
        .group_by(opens.c.customer_id)
        .subquery("aging")
    )


def _rows_query(sums: Any, flt: AgingFilter, count: int) -> Select[Any]:
    query = select(
        col(Customer.code),
        col(Customer.name),
        sums.c.total,
        *[sums.c[f"b{i}"] for i in range(count)],
    ).join(sums, sums.c.customer_id == col(Customer.id))
    if flt.text.strip():
        query = query.where(
            col(Customer.search_key).like(key_pattern(flt.text), escape=LIKE_ESCAPE)
        )
    return query


def _order(sums: Any, flt: AgingFilter, keys: list[str]) -> Any:
    if flt.sort == "code":
        key: Any = col(Customer.code)
    elif flt.sort == "name":
        key = col(Customer.name)
    elif flt.sort in keys:
        key = sums.c[f"b{keys.index(flt.sort)}"]
    else:
        key = sums.c.total
    return key.desc() if flt.descending else key.asc()


def _row(values: Any) -> AgingRow:
    code, name, total, *buckets = values
    return AgingRow(code, name, from_cents(total or 0), tuple(from_cents(b or 0) for b in buckets))


def aging_window(
    session: Session,
    today: dt.date,
    edges: tuple[int, ...] = DEFAULT_EDGES,
    flt: AgingFilter = AgingFilter(),
    offset: int = 0,
    limit: int | None = None,
) -> list[AgingRow]:
    """Customers with an open entry on ``today``, filtered and sorted (``limit`` None: to
    the end)."""
    keys = bucket_keys(edges)
    sums = _sums(session, today, edges)
    query = (
        _rows_query(sums, flt, len(keys))
        .order_by(_order(sums, flt, keys), col(Customer.code))
        .offset(offset)
        .limit(limit)
    )
    return [_row(values) for values in session.execute(query)]


def aging_count(session: Session, today: dt.date, edges: tuple[int, ...], flt: AgingFilter) -> int:
    sums = _sums(session, today, edges)
    inner = _rows_query(sums, flt, len(bucket_keys(edges))).subquery("rows")
    return int(session.execute(select(func.count()).select_from(inner)).scalar_one())


def aging_totals(
    session: Session,
    today: dt.date,
    edges: tuple[int, ...] = DEFAULT_EDGES,
    flt: AgingFilter = AgingFilter(),
) -> AgingTotals:
    """The totals of the customers ``flt`` keeps, and the DSO of the whole ledger."""
    keys = bucket_keys(edges)
    inner = _rows_query(_sums(session, today, edges), flt, len(keys)).subquery("rows")
    sums = [func.sum(inner.c.total), *[func.sum(inner.c[f"b{i}"]) for i in range(len(keys))]]
    values = session.execute(select(func.count(), *sums).select_from(inner)).one()
    customers, total, *buckets = values
    row = AgingRow("", "", from_cents(total or 0), tuple(from_cents(b or 0) for b in buckets))
    return AgingTotals(today, keys, row, int(customers), dso(session, today))


def dso_days(receivables: Decimal, sales: Decimal, days: int = DSO_DAYS) -> int | None:
    """Days sales outstanding, by the ratio method: receivables ÷ sales of the last
    ``days`` days × ``days``, rounded to the nearest day; None without sales."""
    if sales <= 0:
        return None
    value = receivables / sales * days
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dso(session: Session, today: dt.date) -> int | None:
    """The ledger's DSO on ``today``: every amount open on that day (credits less), over the
    net sales (invoices less credit notes) dated in the ``DSO_DAYS`` days ending on it."""
    start = today - dt.timedelta(days=DSO_DAYS - 1)
    sale = case(
        (
            col(Entry.kind).in_(("invoice", "credit_note")),
            _cents(Entry.debit) - _cents(Entry.credit),
        ),
        else_=0,
    )
    opens = _open_on(session, today)
    receivables = session.execute(select(func.sum(opens.c.cents))).scalar_one()
    sales = session.execute(
        select(func.sum(sale)).where(col(Entry.date) >= start, col(Entry.date) <= today)
    ).scalar_one()
    return dso_days(from_cents(receivables or 0), from_cents(sales or 0))


# -- the daily snapshot


@dataclass(frozen=True)
class SnapshotPoint:
    day: dt.date
    total: Decimal
    overdue: Decimal


def snapshot_series(session: Session, until: dt.date, limit: int = 365) -> list[SnapshotPoint]:
    """The last ``limit`` daily snapshots up to ``until``, oldest first."""
    rows = session.execute(
        select(col(AgingSnapshot.day), col(AgingSnapshot.total), col(AgingSnapshot.overdue))
        .where(col(AgingSnapshot.day) <= until)
        .order_by(col(AgingSnapshot.day).desc())
        .limit(limit)
    ).all()
    return [SnapshotPoint(day, total, overdue) for day, total, overdue in reversed(rows)]


def aging_report(session: Session, today: dt.date, edges: tuple[int, ...]) -> dict[str, Any]:
    """``aging --json``: the keys of docs/COMMANDS.md (amounts as Decimal, the caller writes
    them with 2 decimals)."""
    keys = bucket_keys(edges)
    totals = aging_totals(session, today, edges)

    def keyed(row: AgingRow) -> dict[str, Any]:
        return {"total": row.total, **dict(zip(keys, row.buckets, strict=True))}

    return {
        "date": today,
        "buckets": keys,
        "customers": [
            {"customer": row.code, "name": row.name, **keyed(row)}
            for row in aging_window(
                session, today, edges, AgingFilter(sort="code", descending=False)
            )
        ],
        "total": keyed(totals.total),
        "dso": totals.dso,
        "dso_days": DSO_DAYS,
    }
