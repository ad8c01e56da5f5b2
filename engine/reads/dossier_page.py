"""Read models for the dossier detail screen: plain dicts, never ORM objects.

``dossier_page`` completes engine.reads.views.dossier_detail with what the screen's forms need
(contact ids, the customer's contacts, every scenario's steps, the forecast, the agents);
``history_count`` / ``history_window`` page through who changed what on a dossier.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, Numeric, and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from engine.access import Role
from engine.context import Ctx
from engine.dossiers import find_dossier
from engine.planning import current_todo, forecast
from engine.rates import penalty_warning
from engine.reads.views import dossier_detail
from models.tables import (
    Contact,
    Customer,
    Dossier,
    DossierContact,
    DossierEntry,
    Entry,
    History,
    Intervention,
    Scenario,
    ScenarioStep,
    User,
)
from models.types import Money

Row = dict[str, Any]

# Bookkeeping columns that say nothing to a reader of the history.
_HIDDEN_FIELDS = frozenset({"id", "version", "dossier_id"})


def dossier_page(ctx: Ctx, number: str) -> Row:
    """Everything the detail screen shows, in one read."""
    session = ctx.session
    detail = dossier_detail(session, number)
    dossier = find_dossier(session, number)
    assert dossier.id is not None
    others = list(
        session.exec(
            select(DossierContact.contact_id)
            .where(DossierContact.dossier_id == dossier.id)
            .order_by(col(DossierContact.contact_id))
        )
    )
    contacts = []
    for contact in session.exec(
        select(Contact).where(Contact.customer_id == dossier.customer_id).order_by(col(Contact.id))
    ):
        role = (
            "main"
            if contact.id == dossier.main_contact_id
            else "other"
            if contact.id in others
            else ""
        )
        contacts.append(
            {
                "id": contact.id,
                "name": contact.name,
                "role": contact.role,
                "email": contact.email,
                "phone": contact.phone,
                "on_dossier": role,
            }
        )
    todo = current_todo(session, dossier.id)
    scenarios = scenario_steps(session)
    steps: list[Row] = next((s["steps"] for s in scenarios if s["name"] == detail["scenario"]), [])
    agents = list(
        session.exec(
            select(User.login)
            .where(col(User.active).is_(True), col(User.role) != Role.AUDITOR)
            .order_by(col(User.login))
        )
    )
    detail.update(
        {
            "main_contact_id": dossier.main_contact_id,
            "other_contact_ids": others,
            "contacts": contacts,
            "steps": steps,
            "scenarios": scenarios,
            "current_step": todo.step_no if todo is not None else None,
            "current_id": todo.id if todo is not None else None,
            "forecast": [
                {"step_no": f.step_no, "step": f.step, "type": f.type, "planned": f.planned}
                for f in forecast(ctx, dossier)
            ],
            "agents": agents,
            # The step to do charges penalties and a half-year has no rate of its own.
            "rate_warning": penalty_warning(ctx, dossier.id),
        }
    )
    return detail


def scenario_steps(session: Session) -> list[Row]:
    """Every scenario by name with its steps: what a dossier can be moved to (a company has
    a handful of scenarios of a dozen steps, so one small read)."""
    rows = session.execute(
        sa_select(
            col(Scenario.name),
            col(ScenarioStep.position),
            col(ScenarioStep.name),
            col(ScenarioStep.delay),
            col(ScenarioStep.type),
        )
        .join(ScenarioStep, col(ScenarioStep.scenario_id) == Scenario.id, isouter=True)
        .order_by(col(Scenario.name), col(ScenarioStep.position))
    )
    scenarios: dict[str, list[Row]] = {}
    for scenario, position, name, delay, kind in rows:
        steps = scenarios.setdefault(scenario, [])
        if position is not None:
            steps.append({"step_no": position, "name": name, "delay": delay, "type": kind})
    return [{"name": name, "steps": steps} for name, steps in scenarios.items()]


def _history_filter(session: Session, number: str) -> ColumnElement[bool]:
    """History rows of the dossier, its interventions and its entry and contact links."""
    dossier = find_dossier(session, number)
    assert dossier.id is not None
    ids = [
        str(i)
        for i in session.exec(select(Intervention.id).where(Intervention.dossier_id == dossier.id))
    ]
    table = col(History.table_name)
    record = col(History.record_id)
    return or_(
        and_(table == "dossier", record == str(dossier.id)),
        and_(table == "intervention", record.in_(ids)),
        # Link tables: the record id is "dossier_id/other_id".
        and_(table.in_(("dossier_entry", "dossier_contact")), record.like(f"{dossier.id}/%")),
    )


def history_count(session: Session, number: str) -> int:
    query = select(func.count()).select_from(History).where(_history_filter(session, number))
    return int(session.exec(query).one())


def _load(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field that matters, in a stable order."""
    fields = sorted((set(before) | set(after)) - _HIDDEN_FIELDS)
    return [
        (name, before.get(name), after.get(name))
        for name in fields
        if before.get(name) != after.get(name)
    ]


# The tables a dossier's history holds, to read its JSON values back as what they were.
_MODELS: dict[str, Any] = {
    "dossier": Dossier,
    "intervention": Intervention,
    "dossier_entry": DossierEntry,
    "dossier_contact": DossierContact,
}
# Fields holding the id of another record, shown by its name.
_NAMED = {
    "scenario_id": "scenario",
    "contact_id": "contact",
    "main_contact_id": "contact",
    "entry_id": "entry",
    "customer_id": "customer",
}


def _typed(table: str, name: str, value: Any) -> Any:
    """A value as the history's JSON keeps it (text), back to a date, a time or an amount."""
    model = _MODELS.get(table)
    column = model.__table__.columns.get(name) if model is not None else None
    if value is None or column is None or not isinstance(value, str | int | float):
        return value
    kind = column.type
    try:
        if isinstance(kind, Money | Numeric):
            return Decimal(str(value))
        if isinstance(kind, DateTime):
            return dt.datetime.fromisoformat(str(value))
        if isinstance(kind, Date):
            return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return value
    return value


def _names(
    session: Session, changes: list[list[tuple[str, Any, Any]]]
) -> dict[tuple[str, Any], str]:
    """The names of the scenarios, contacts and entries the changes point at."""
    wanted: dict[str, set[int]] = {
        "scenario": set(),
        "contact": set(),
        "entry": set(),
        "customer": set(),
    }
    for change in changes:
        for name, before, after in change:
            if name in _NAMED:
                wanted[_NAMED[name]].update(v for v in (before, after) if isinstance(v, int))
    found: dict[tuple[str, Any], str] = {}
    if wanted["scenario"]:
        query = select(Scenario.id, Scenario.name).where(col(Scenario.id).in_(wanted["scenario"]))
        found.update((("scenario", i), n) for i, n in session.exec(query))
    if wanted["contact"]:
        query = select(Contact.id, Contact.name).where(col(Contact.id).in_(wanted["contact"]))
        found.update((("contact", i), n) for i, n in session.exec(query))
    if wanted["customer"]:
        codes = select(Customer.id, Customer.code).where(col(Customer.id).in_(wanted["customer"]))
        found.update((("customer", i), c) for i, c in session.exec(codes))
    if wanted["entry"]:
        pieces = select(Entry.id, Entry.piece, Entry.invoice).where(
            col(Entry.id).in_(wanted["entry"])
        )
        for i, piece, invoice in session.exec(pieces):
            found["entry", i] = piece if not invoice or invoice == piece else f"{piece} ({invoice})"
    return found


def history_window(session: Session, number: str, offset: int, limit: int) -> list[Row]:
    """Newest first: when, who, which record, what it did and the values before/after.

    Values read as they were stored: dates, times and amounts as such (not JSON text), and
    the ids of scenarios, contacts and entries as their names (an id no longer found stays
    as it was)."""
    query = (
        select(History)
        .where(_history_filter(session, number))
        .order_by(col(History.at).desc(), col(History.id).desc())
        .offset(offset)
        .limit(limit)
    )
    rows: list[Row] = []
    changes: list[list[tuple[str, Any, Any]]] = []
    for item in session.exec(query):
        at = item.at
        if at.tzinfo is None:  # SQLite gives back the UTC time without its zone
            at = at.replace(tzinfo=dt.UTC)
        rows.append(
            {
                "id": item.id,
                "at": at,
                "login": item.login,
                "table": item.table_name,
                "record_id": item.record_id,
                "action": item.action,
            }
        )
        changes.append(
            [
                (name, _typed(item.table_name, name, b), _typed(item.table_name, name, a))
                for name, b, a in _changes(_load(item.before), _load(item.after))
            ]
        )
    names = _names(session, changes)

    def named(name: str, value: Any) -> Any:
        return names.get((_NAMED[name], value), value) if name in _NAMED else value

    for row, change in zip(rows, changes, strict=True):
        row["changes"] = [(n, named(n, b), named(n, a)) for n, b, a in change]
    return rows
