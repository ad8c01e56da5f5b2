"""Read models: plain dicts for the command line and the TUI (never ORM objects).

Keys follow CLI.md's JSON contract; values are Decimal and date, turned into strings by
``to_json``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from engine.dossiers import find_dossier
from engine.inert import inert_escaped
from models.tables import (
    Contact,
    Customer,
    Dossier,
    DossierEntry,
    Entry,
    Intervention,
    Scenario,
    User,
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


def entry_row(entry: Entry) -> Row:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "journal": entry.journal,
        "date": entry.date,
        "piece": entry.piece,
        "invoice": entry.invoice,
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
        .join(DossierEntry, DossierEntry.entry_id == Entry.id)
        .where(DossierEntry.dossier_id == dossier.id)
        .order_by(Entry.date, Entry.id)
    ).all()
    interventions = session.exec(
        select(Intervention)
        .where(Intervention.dossier_id == dossier.id)
        .order_by(Intervention.planned, Intervention.id)
    ).all()
    scenario_names = dict(session.exec(select(Scenario.id, Scenario.name)).all())
    main = session.get(Contact, dossier.main_contact_id) if dossier.main_contact_id else None
    todo = [i for i in interventions if i.status == "todo"]
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
        and dossier.status != "closed"
        and not any(i.step_no is not None for i in todo),
        "next_action": min((i.planned for i in todo), default=None),
        "entries": [entry_row(e) for e in entries],
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


def _next_action():  # type: ignore[no-untyped-def]
    return (
        select(func.min(Intervention.planned))
        .where(Intervention.dossier_id == Dossier.id, Intervention.status == "todo")
        .correlate(Dossier)
        .scalar_subquery()
    )


def dossier_rows(
    session: Session, status: str | None = None, agent: str | None = None
) -> list[Row]:
    query = (
        select(
            Dossier.number,
            Customer.code,
            Dossier.status,
            Scenario.name,
            Dossier.agent,
            Dossier.principal,
            Dossier.charges,
            _next_action().label("next_action"),
        )
        .join(Customer, Customer.id == Dossier.customer_id)
        .outerjoin(Scenario, Scenario.id == Dossier.scenario_id)
        .order_by(Dossier.number)
    )
    if status:
        query = query.where(Dossier.status == status)
    if agent:
        query = query.where(Dossier.agent == agent)
    return [
        {
            "number": r[0],
            "customer": r[1],
            "status": r[2],
            "scenario": r[3],
            "agent": r[4],
            "balance": r[5] + r[6],
            "next_action": r[7],
        }
        for r in session.execute(query)
    ]


def action_rows(
    session: Session,
    agent: str | None = None,
    until: dt.date | None = None,
    day: dt.date | None = None,
) -> list[Row]:
    """The worklist: every intervention to do on dossiers not closed, by date then agent."""
    # Plain columns, not ORM objects: an agent's worklist can hold 15,000 rows.
    columns = [c for c in Intervention.__table__.columns]  # type: ignore[attr-defined]
    query = (
        select(
            *columns,
            Dossier.number,
            Customer.code,
            Dossier.agent,
            Scenario.name,
            Dossier.status.label("dossier_status"),  # type: ignore[attr-defined]
            Dossier.pause_until,
            Dossier.pause_reason,
        )
        .join(Dossier, Dossier.id == Intervention.dossier_id)
        .join(Customer, Customer.id == Dossier.customer_id)
        .outerjoin(Scenario, Scenario.id == Intervention.scenario_id)
        .where(Intervention.status == "todo", Dossier.status != "closed")
        .order_by(Intervention.planned, Dossier.agent, Intervention.id)
    )
    if agent:
        query = query.where(Dossier.agent == agent)
    if until:
        query = query.where(Intervention.planned <= until)
    if day:
        query = query.where(Intervention.planned == day)
    return [
        {
            **intervention_row(row, row.number, row.code, row.agent, row.name),  # type: ignore[arg-type]
            # Why a to-do is not due yet (rule 7): the worklist shows the pause.
            "dossier_status": row.dossier_status,
            "pause_until": row.pause_until,
            "pause_reason": row.pause_reason,
        }
        for row in session.execute(query)
    ]


def customer_rows(session: Session, today: dt.date) -> list[Row]:
    overdue = case(
        (
            (Entry.due_date < today) & (Entry.kind == "invoice") & (Entry.open_amount > 0),
            Entry.open_amount,
        ),
        else_=0,
    )
    totals = (
        select(
            Entry.customer_id,
            func.sum(Entry.open_amount).label("outstanding"),
            func.sum(overdue).label("overdue"),
        )
        .group_by(Entry.customer_id)
        .subquery()
    )
    query = (
        select(
            Customer.code, Customer.name, totals.c.outstanding, totals.c.overdue, Customer.risk_code
        )
        .outerjoin(totals, totals.c.customer_id == Customer.id)
        .order_by(Customer.code)
    )
    return [
        {
            "code": r[0],
            "name": r[1],
            "outstanding": _cents(r[2]),
            "overdue": _cents(r[3]),
            "risk": r[4],
        }
        for r in session.execute(query)
    ]


def _cents(value: Decimal | None) -> Decimal:
    """SUMs over Money columns keep the Money type (cents → Decimal); empty sums are None."""
    return Decimal("0.00") if value is None else value


def user_rows(session: Session) -> list[Row]:
    return [
        {"login": u.login, "name": u.name, "role": u.role, "active": u.active}
        for u in session.exec(select(User).order_by(User.login))
    ]


def scenario_rows(session: Session) -> list[Row]:
    from models.tables import ScenarioStep

    open_counts = dict(
        session.execute(
            select(Dossier.scenario_id, func.count())
            .where(Dossier.status != "closed")
            .group_by(Dossier.scenario_id)
        ).all()
    )
    rows = []
    for scenario in session.exec(select(Scenario).order_by(Scenario.name)):
        steps = session.exec(
            select(ScenarioStep)
            .where(ScenarioStep.scenario_id == scenario.id)
            .order_by(ScenarioStep.position)
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
