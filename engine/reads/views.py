"""Read models: plain dicts for the command line and the TUI (never ORM objects).

The command line's lists (``dossier_rows``, ``customer_rows``, ``action_rows``) are the
TUI's (``dossier_list``, ``customer_list``, ``worklist``: one query each) read whole, mapped
here, in one place, to the keys of the ``--json`` contract (README; tests/test_cli.py).
Those modules are imported inside the functions: ``customer_list`` imports this one.
Values are Decimal and date, turned into strings by ``to_json``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.dossiers import find_dossier
from engine.inert import inert_escaped
from engine.reads.filters import DossierFilter
from models.states import DossierStatus, InterventionStatus
from models.tables import (
    Contact,
    Customer,
    Dossier,
    DossierEntry,
    Entry,
    Intervention,
    Scenario,
)

Row = dict[str, Any]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: Any, pretty: bool = True) -> str:
    """``pretty=False`` is compact and uses the C encoder: 10x faster on big lists."""
    text = json.dumps(data, default=_json_default, ensure_ascii=False, indent=2 if pretty else None)
    return inert_escaped(text)  # DEL and C1 escaped too: a terminal shows it inert


def entry_row(entry: Entry, invoice: str | None = None) -> Row:
    """``invoice``: the number of the invoice a charge belongs to, when the entry does not
    carry it (charges written before they did)."""
    return {
        "id": entry.id,
        "kind": entry.kind,
        "journal": entry.journal,
        "date": entry.date,
        "piece": entry.piece,
        "invoice": entry.invoice or invoice or "",
        "reference": entry.reference,
        "account": entry.account,
        "label": entry.label,
        "due_date": entry.due_date,
        "debit": entry.debit,
        "credit": entry.credit,
        "lettering": entry.lettering,
        "open_amount": entry.open_amount,
        "reminder_count": entry.reminder_count,
        "excluded": entry.excluded,
    }


def intervention_row(
    item: Intervention, number: str, customer: str, agent: str | None, scenario: str | None
) -> Row:
    return {
        "id": item.id,
        "dossier": number,
        "customer": customer,
        "step_no": item.step_no,
        "step": item.step,
        "status": item.status,
        "planned": item.planned,
        "held_from": item.held_from,
        "done": item.done,
        "type": item.type,
        "contact": item.contact,
        "note": item.note,
        "agent": agent,
        "scenario": scenario if item.scenario_id else None,
        "outcome": item.outcome,
        "done_by": item.done_by,
        "promise_date": item.promise_date,
        "promise_amount": item.promise_amount,
        "version": item.version,
    }


def dossier_detail(session: Session, number: str) -> Row:
    dossier = find_dossier(session, number)
    customer = session.get(Customer, dossier.customer_id)
    assert customer is not None and dossier.id is not None
    scenario = session.get(Scenario, dossier.scenario_id) if dossier.scenario_id else None
    entries = session.exec(
        select(Entry)
        .join(DossierEntry, col(DossierEntry.entry_id) == col(Entry.id))
        .where(DossierEntry.dossier_id == dossier.id)
        .order_by(col(Entry.date), col(Entry.id))
    ).all()
    interventions = session.exec(
        select(Intervention)
        .where(Intervention.dossier_id == dossier.id)
        .order_by(col(Intervention.planned), col(Intervention.id))
    ).all()
    # A charge names the invoice it belongs to (its invoice_id among the dossier's entries).
    numbers = {e.id: e.invoice or e.piece for e in entries}
    scenario_names = dict(session.exec(select(Scenario.id, Scenario.name)).all())
    main = session.get(Contact, dossier.main_contact_id) if dossier.main_contact_id else None
    todo = [i for i in interventions if i.status == InterventionStatus.TODO]
    return {
        "number": dossier.number,
        "customer": customer.code,
        "customer_name": customer.name,
        "status": dossier.status,
        "scenario": scenario.name if scenario else None,
        "agent": dossier.agent,
        "created": dossier.created,
        "reason": dossier.reason,
        "principal": dossier.principal,
        "charges": dossier.charges,
        "balance": dossier.principal + dossier.charges,
        "provision": dossier.provision,
        "customer_risk": customer.risk_code,
        "main_contact": main.name if main else None,
        "pause_until": dossier.pause_until,
        "pause_reason": dossier.pause_reason,
        "promise_amount": dossier.promise_amount,
        "closed_on": dossier.closed_on,
        "close_reason": dossier.close_reason,
        "version": dossier.version,
        "scenario_ended": bool(scenario)
        and dossier.status != DossierStatus.CLOSED
        and not any(i.step_no is not None for i in todo),
        "next_action": min((i.planned for i in todo), default=None),
        "entries": [entry_row(e, numbers.get(e.invoice_id)) for e in entries],
        "interventions": [
            intervention_row(
                i,
                dossier.number,
                customer.code,
                dossier.agent,
                scenario_names.get(i.scenario_id) if i.scenario_id else None,
            )
            for i in interventions
        ],
    }


def dossier_rows(
    session: Session,
    status: str | None = None,
    agent: str | None = None,
    today: dt.date | None = None,
) -> list[Row]:
    """``dossier list``: the TUI's list (engine.reads.dossier_list) whole, by number, with
    the JSON contract's keys. ``today`` only counts days late, which the contract omits."""
    from engine.reads.dossier_list import dossier_window

    flt = DossierFilter(status=status or None, agent=agent or None)
    return [
        {
            "number": r["number"],
            "customer": r["customer"],
            "status": r["status"],
            "scenario": r["scenario"],
            "agent": r["agent"],
            "balance": r["balance"],
            "next_action": r["next_action"],
        }
        for r in dossier_window(session, flt, 0, None, today or dt.date.today())
    ]


def action_rows(
    session: Session,
    agent: str | None = None,
    until: dt.date | None = None,
    day: dt.date | None = None,
) -> list[Row]:
    """``actions``: the TUI's worklist (engine.reads.worklist) whole, every intervention to
    do on dossiers not closed by date then agent, with the JSON contract's keys."""
    from engine.reads.worklist import WorklistFilter, worklist_window

    if day is not None:
        until = day if until is None else min(until, day)
    flt = WorklistFilter(agent=agent or None, until=until, since=day)
    today = day or dt.date.today()  # only the row's group, which the contract omits
    return [
        {
            "id": r["id"],
            "dossier": r["dossier"],
            "customer": r["customer"],
            "step_no": r["step_no"],
            "step": r["step"],
            "status": r["status"],
            "planned": r["planned"],
            "held_from": r["held_from"],
            "done": r["done"],
            "type": r["type"],
            "contact": r["contact"],
            "note": r["note"],
            "agent": r["agent"],
            "scenario": r["scenario"],
            "outcome": r["outcome"],
            "done_by": r["done_by"],
            "promise_date": r["promise_date"],
            "promise_amount": r["promise_amount"],
            "version": r["version"],
            # Why a to-do is not due yet (rule 7): the worklist shows the pause.
            "dossier_status": r["dossier_status"],
            "pause_until": r["pause_until"],
            "pause_reason": r["pause_reason"],
        }
        for r in worklist_window(session, flt, 0, None, today)
    ]


def customer_rows(session: Session, today: dt.date) -> list[Row]:
    """``customers list``: the TUI's list (engine.reads.customer_list) whole, by code, with
    the JSON contract's keys."""
    from engine.reads.customer_list import CustomerFilter, customer_window

    return [
        {
            "code": r["code"],
            "name": r["name"],
            "outstanding": r["outstanding"],
            "overdue": r["overdue"],
            "risk": r["risk"],
        }
        for r in customer_window(session, CustomerFilter(), 0, None, today)
    ]


def scenario_rows(session: Session) -> list[Row]:
    from models.tables import ScenarioStep

    open_counts: dict[int | None, int] = {
        scenario_id: count
        for scenario_id, count in session.execute(
            select(col(Dossier.scenario_id), func.count())
            .where(col(Dossier.status) != DossierStatus.CLOSED)
            .group_by(col(Dossier.scenario_id))
        ).all()
    }
    rows = []
    for scenario in session.exec(select(Scenario).order_by(col(Scenario.name))):
        steps = session.exec(
            select(ScenarioStep)
            .where(ScenarioStep.scenario_id == scenario.id)
            .order_by(col(ScenarioStep.position))
        ).all()
        rows.append(
            {
                "name": scenario.name,
                "description": scenario.description,
                "open_dossiers": open_counts.get(scenario.id, 0),
                "steps": [
                    {
                        "step_no": s.position,
                        "name": s.name,
                        "delay": s.delay,
                        "type": s.type,
                        "risk": s.risk,
                        "loss_percent": str(s.loss_percent) if s.loss_percent is not None else None,
                        "penalties": s.penalties,
                        "fees": s.fees,
                        "template": s.template,
                    }
                    for s in steps
                ],
            }
        )
    return rows
