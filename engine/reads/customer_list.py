"""Customers for the TUI: a window onto the customer list (filtered and sorted in SQL, a
screenful at a time), one customer's detail, and what a new dossier for it would take.

Amounts are summed in SQL as raw cents (the Money type does not survive SUM(CASE …) on every
backend). Sorting by an amount needs every customer's total, so only then is the whole entry
table aggregated; otherwise the page of customers is picked first and only its entries are
summed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import BigInteger, and_, case, func, select, type_coerce
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col

from engine.access import WRITERS, Actor
from engine.dossiers import OPEN_STATES, collectible_entries, find_customer
from engine.reads.filters import LIKE_ESCAPE, key_pattern
from engine.reads.views import entry_row
from models.money import from_cents
from models.tables import Contact, Customer, Dossier, Entry, User

Row = dict[str, Any]


class CustomerRow(TypedDict):
    """One line of the customer list."""

    code: str
    name: str
    outstanding: Decimal  # every open amount, credits less
    overdue: Decimal  # open invoices past their due date
    risk: str | None
    open_dossier: str | None  # an open or paused dossier's number


CUSTOMER_SORTS = ("code", "name", "outstanding", "overdue", "risk")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CustomerFilter:
    text: str = ""  # code or name; case and accents ignored
    only_overdue: bool = False  # customers with an overdue invoice
    sort: str = "code"  # one of CUSTOMER_SORTS
    descending: bool = False


def _cents(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _overdue_entry(today: dt.date) -> ColumnElement[bool]:
    """docs/RULES.md: an invoice is overdue when its due date is past and it is still open."""
    return and_(
        col(Entry.kind) == "invoice",
        col(Entry.due_date) < today,
        col(Entry.open_amount) > 0,
    )


def is_overdue(row: Row, today: dt.date) -> bool:
    """The same rule on an entry row (engine.reads.views.entry_row)."""
    return (
        row["kind"] == "invoice"
        and row["due_date"] is not None
        and row["due_date"] < today
        and row["open_amount"] > 0
    )


def _filtered(query: Select[Any], flt: CustomerFilter, today: dt.date) -> Select[Any]:
    if flt.text.strip():
        # The folded code and name (engine.search_keys): case and accents ignored.
        pattern = key_pattern(flt.text)
        query = query.where(col(Customer.search_key).like(pattern, escape=LIKE_ESCAPE))
    if flt.only_overdue:
        # EXISTS, not IN: a page in code order stops at its 100th customer (0.4 ms instead
        # of 0.3 s on 33,000 customers), each probe using the (customer, due date) index.
        query = query.where(
            select(col(Entry.id))
            .where(col(Entry.customer_id) == col(Customer.id), _overdue_entry(today))
            .correlate(Customer)
            .exists()
        )
    return query


def customer_count(session: Session, flt: CustomerFilter, today: dt.date) -> int:
    query = _filtered(select(func.count()).select_from(Customer), flt, today)
    return int(session.execute(query).scalar_one())


def _totals(flt: CustomerFilter, sort: str, today: dt.date) -> Any:
    """Each customer's outstanding or overdue (``sort``), in cents, for every customer the
    text filter keeps: only then is the whole entry table read (~0.35 s on a million)."""
    wanted = _overdue_entry(today) if sort == "overdue" else col(Entry.open_amount) != 0
    # Grouped on the plain column: an expression (customer_id + 0, to make SQLite scan rather
    # than walk an index) loses the column's affinity, and SQLite then joins the 33,000
    # totals to the customers without an index: 60 s instead of 0.4 s.
    query = (
        select(
            col(Entry.customer_id).label("customer_id"),
            func.sum(_cents(Entry.open_amount)).label("amount"),
        )
        .where(wanted)
        .group_by(col(Entry.customer_id))
    )
    if flt.text.strip():
        kept = _filtered(select(col(Customer.id)), CustomerFilter(text=flt.text), today)
        query = query.where(col(Entry.customer_id).in_(kept))
    return query.subquery("totals")


def customer_window(
    session: Session, flt: CustomerFilter, offset: int, limit: int | None, today: dt.date
) -> list[CustomerRow]:
    """Rows ``offset`` to ``offset + limit`` (``None``: to the end) of the filtered, sorted
    list."""
    sort = flt.sort if flt.sort in CUSTOMER_SORTS else "code"
    page = select(col(Customer.id))
    overdue_filter = flt.only_overdue
    if sort in ("outstanding", "overdue"):
        totals = _totals(flt, sort, today)
        key: Any = func.coalesce(totals.c.amount, 0)
        if sort == "overdue" and flt.only_overdue:
            # The overdue totals list exactly the customers with something overdue.
            page = page.join(totals, totals.c.customer_id == col(Customer.id))
            overdue_filter = False
        else:
            page = page.outerjoin(totals, totals.c.customer_id == col(Customer.id))
    elif sort == "name":
        key = col(Customer.name)
    elif sort == "risk":
        key = func.coalesce(col(Customer.risk_code), "")  # no risk first, on both backends
    else:
        key = col(Customer.code)
    order = key.desc() if flt.descending else key.asc()
    page = _filtered(
        page.add_columns(key.label("k")), replace(flt, only_overdue=overdue_filter), today
    )
    chosen = page.order_by(order, col(Customer.code)).offset(offset).limit(limit).subquery("page")
    # Only the page's customers: their entries are summed through the customer index.
    outstanding = (
        select(func.sum(_cents(Entry.open_amount)))
        .where(col(Entry.customer_id) == col(Customer.id), col(Entry.open_amount) != 0)
        .correlate(Customer)
        .scalar_subquery()
    )
    overdue = (
        select(func.sum(_cents(Entry.open_amount)))
        .where(col(Entry.customer_id) == col(Customer.id), _overdue_entry(today))
        .correlate(Customer)
        .scalar_subquery()
    )
    open_dossier = (
        select(func.max(col(Dossier.number)))
        .where(col(Dossier.customer_id) == col(Customer.id), col(Dossier.status).in_(OPEN_STATES))
        .correlate(Customer)
        .scalar_subquery()
    )
    page_key = chosen.c.k.desc() if flt.descending else chosen.c.k.asc()
    query = (
        select(
            col(Customer.code),
            col(Customer.name),
            col(Customer.risk_code),
            outstanding.label("outstanding"),
            overdue.label("overdue"),
            open_dossier.label("open_dossier"),
        )
        .join(chosen, chosen.c.id == col(Customer.id))
        .order_by(page_key, col(Customer.code))
    )
    if limit is None:
        # The whole list (the command line): one pass over the entries grouped by customer
        # beats three probes per customer (0.5 s instead of 2 s on 33,000 customers).
        query = _whole(query, today)
    return [
        {
            "code": code,
            "name": name,
            "outstanding": from_cents(owed or 0),
            "overdue": from_cents(late or 0),
            "risk": risk,
            "open_dossier": number,
        }
        for code, name, risk, owed, late, number in session.execute(query)
    ]


def _whole(query: Select[Any], today: dt.date) -> Select[Any]:
    """``query`` with its sums and open dossier read by grouped passes, not per customer."""
    late = case((_overdue_entry(today), _cents(Entry.open_amount)), else_=0)
    sums = (
        select(
            col(Entry.customer_id).label("customer_id"),
            func.sum(_cents(Entry.open_amount)).label("outstanding"),
            func.sum(late).label("overdue"),
        )
        .where(col(Entry.open_amount) != 0)
        .group_by(col(Entry.customer_id))
        .subquery("sums")
    )
    opens = (
        select(
            col(Dossier.customer_id).label("customer_id"),
            func.max(col(Dossier.number)).label("number"),
        )
        .where(col(Dossier.status).in_(OPEN_STATES))
        .group_by(col(Dossier.customer_id))
        .subquery("opens")
    )
    columns = list(query.selected_columns)
    columns[3:6] = sums.c.outstanding, sums.c.overdue, opens.c.number
    # No probe per customer left: PostgreSQL's cost estimate stays under its JIT inlining
    # threshold (compiling the query took 3.7 s on the 100,000-dossier demo).
    return (
        query.with_only_columns(*columns)
        .outerjoin(sums, sums.c.customer_id == col(Customer.id))
        .outerjoin(opens, opens.c.customer_id == col(Customer.id))
    )


def _entry(entry: Entry, today: dt.date) -> Row:
    row = entry_row(entry)
    # Days late only mean something for what the customer still owes.
    late = entry.due_date is not None and entry.open_amount > 0
    row["days_late"] = max((today - entry.due_date).days, 0) if late else None  # type: ignore[operator]
    return row


def _by_due(rows: list[Row]) -> list[Row]:
    """Oldest due first; an entry without a due date (a payment) at its own date, so both
    backends list them alike (they place NULLs differently)."""
    return sorted(rows, key=lambda r: (r["due_date"] or r["date"], r["id"]))


def customer_detail(session: Session, code: str, today: dt.date) -> Row:
    """Everything the customer screen shows; NotFound names an unknown code."""
    customer = find_customer(session, code)
    entries = session.scalars(
        select(Entry).where(col(Entry.customer_id) == customer.id, col(Entry.open_amount) != 0)
    )
    rows = _by_due([_entry(e, today) for e in entries])
    contacts = session.scalars(
        select(Contact).where(col(Contact.customer_id) == customer.id).order_by(col(Contact.id))
    )
    dossiers = session.scalars(
        select(Dossier)
        .where(col(Dossier.customer_id) == customer.id)
        .order_by(col(Dossier.number).desc())
    )
    return {
        "code": customer.code,
        "name": customer.name,
        "address": customer.address,
        "siren": customer.siren,
        "email": customer.email,
        "phone": customer.phone,
        "payment_terms_days": customer.payment_terms_days,
        "risk_code": customer.risk_code,
        "consumer": customer.consumer,
        "excluded_from_reminders": customer.excluded_from_reminders,
        "note": customer.note,
        "version": customer.version,
        "outstanding": sum((r["open_amount"] for r in rows), ZERO),
        "overdue": sum((r["open_amount"] for r in rows if is_overdue(r, today)), ZERO),
        "open_entries": rows,
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "role": c.role,
                "email": c.email,
                "phone": c.phone,
                "address": c.address,
                "version": c.version,
            }
            for c in contacts
        ],
        "dossiers": [
            {
                "number": d.number,
                "status": d.status,
                "created": d.created,
                "agent": d.agent,
                "balance": d.principal + d.charges,
            }
            for d in dossiers
        ],
    }


def customer_card(session: Session, code: str, today: dt.date) -> Row:
    """``customers show``: the keys of docs/COMMANDS.md (code, name, address, email, phone,
    siren, consumer, no_reminders, risk, outstanding, overdue, contacts, entries, dossiers),
    then note,
    payment terms and version. ``entries``: the open entries, each with its ``open_amount``,
    ``excluded`` flag and ``days_late``."""
    detail = customer_detail(session, code, today)
    return {
        "code": detail["code"],
        "name": detail["name"],
        "address": detail["address"],
        "email": detail["email"],
        "phone": detail["phone"],
        "siren": detail["siren"],
        "consumer": detail["consumer"],
        "no_reminders": detail["excluded_from_reminders"],
        "risk": detail["risk_code"],
        "outstanding": detail["outstanding"],
        "overdue": detail["overdue"],
        "contacts": detail["contacts"],
        "entries": detail["open_entries"],
        "dossiers": detail["dossiers"],
        "note": detail["note"],
        "payment_terms_days": detail["payment_terms_days"],
        "version": detail["version"],
    }


def collectible_preview(session: Session, code: str, day: dt.date) -> list[Row]:
    """What a dossier opened for ``code`` on ``day`` would take (engine.dossiers rules)."""
    customer = find_customer(session, code)
    assert customer.id is not None
    return _by_due([_entry(e, day) for e in collectible_entries(session, customer.id, day)])


def preview_totals(rows: list[Row]) -> Row:
    """The preview's total, and whether open_dossier would accept it: a dossier needs at
    least one overdue invoice (open credits alone are nothing to collect)."""
    return {
        "total": sum((r["open_amount"] for r in rows), ZERO),
        "opens": any(r["kind"] == "invoice" for r in rows),
    }


def agent_choices(session: Session, actor: Actor) -> list[Row]:
    """Who a new dossier can go to: a manager picks any active agent or manager; an agent
    opens dossiers for themselves (when the database knows them); an auditor opens none."""
    query = select(User).where(col(User.active).is_(True), col(User.role).in_(WRITERS))
    if not actor.is_manager:
        if not actor.can_write:
            return []
        query = query.where(col(User.login) == actor.login)
    users = session.scalars(query.order_by(col(User.login)))
    return [{"login": u.login, "name": u.name, "role": u.role} for u in users]
