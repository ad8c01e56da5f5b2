"""The search keys of customers and dossiers (``engine.reads.filters.search_key``), kept in
step with the texts they fold, so that a list filter ignores case and accents in plain SQL
(``LIKE`` on one column) on SQLite and PostgreSQL alike.

Before each flush, a new or changed customer or dossier gets its key; after it, the
dossiers of a customer whose code or name changed get theirs. No service has to remember
it. Rows written without the ORM (the large demo) carry their keys themselves;
``refresh_search_keys`` recomputes them all (the migration that added them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import SQLModel, col

from engine.reads.filters import search_key
from engine.summary import by_chunks
from models.tables import Customer, Dossier

RENAMED = "search_keys_renamed_customers"


def customer_key(code: str, name: str) -> str:
    return search_key(code, name)


def dossier_key(number: str, code: str, name: str) -> str:
    return search_key(number, code, name)


def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(OrmSession, "before_flush")
def _keys(session: OrmSession, _ctx: UOWTransaction, _instances: Any) -> None:
    renamed: set[int] = session.info.setdefault(RENAMED, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Customer) and (obj in session.new or _changed(obj, "code", "name")):
            obj.search_key = customer_key(obj.code, obj.name)
            if obj.id is not None and obj not in session.new:
                renamed.add(obj.id)
        elif isinstance(obj, Dossier) and (
            obj in session.new or _changed(obj, "number", "customer_id")
        ):
            customer = session.get(Customer, obj.customer_id)  # usually in the session already
            if customer is not None:
                obj.search_key = dossier_key(obj.number, customer.code, customer.name)


@event.listens_for(OrmSession, "after_flush")
def _dossiers_of_renamed(session: OrmSession, _ctx: UOWTransaction) -> None:
    renamed: set[int] | None = session.info.pop(RENAMED, None)
    if renamed:
        refresh_search_keys(session, renamed)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(RENAMED, None)


def refresh_search_keys(session: OrmSession, customer_ids: Iterable[int] | None = None) -> None:
    """Recompute the keys of these customers and of their dossiers (``None``: every one);
    writes only changes."""
    by_chunks(session, customer_ids, _refresh_chunk)


def _refresh_chunk(session: OrmSession, ids: list[int] | None) -> None:
    customers = select(
        col(Customer.id), col(Customer.code), col(Customer.name), col(Customer.search_key)
    )
    dossiers = select(
        col(Dossier.id),
        col(Dossier.number),
        col(Customer.code),
        col(Customer.name),
        col(Dossier.search_key),
    ).join(Customer, col(Customer.id) == col(Dossier.customer_id))
    if ids is not None:
        customers = customers.where(col(Customer.id).in_(ids))
        dossiers = dossiers.where(col(Dossier.customer_id).in_(ids))
    customer_keys = [
        {"row_id": i, "key": key}
        for i, code, name, old in session.execute(customers)
        if (key := customer_key(code, name)) != old
    ]
    dossier_keys = [
        {"row_id": i, "key": key}
        for i, number, code, name, old in session.execute(dossiers)
        if (key := dossier_key(number, code, name)) != old
    ]
    for name, changes in (("customer", customer_keys), ("dossier", dossier_keys)):
        if changes:
            table = SQLModel.metadata.tables[name]
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(search_key=bindparam("key")),
                changes,
            )
