"""Read models for the dossier detail screen: plain dicts, never ORM objects.

``dossier_page`` completes engine.reads.views.dossier_detail with what the screen's forms need
(contact ids, the customer's contacts, every scenario's steps, the forecast, the agents);
``history_count`` / ``history_window`` page through who changed what on a dossier.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
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
    DossierContact,
    History,
    Intervention,
    Scenario,
    ScenarioStep,
    User,
)

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


def history_window(session: Session, number: str, offset: int, limit: int) -> list[Row]:
    """Newest first: when, who, which record, what it did and the values before/after."""
    query = (
        select(History)
        .where(_history_filter(session, number))
        .order_by(col(History.at).desc(), col(History.id).desc())
        .offset(offset)
        .limit(limit)
    )
    rows = []
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
                "changes": _changes(_load(item.before), _load(item.after)),
            }
        )
    return rows
