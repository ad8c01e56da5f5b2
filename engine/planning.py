"""Scenario scheduling (docs/RULES.md): which step is current and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.context import Ctx
from engine.scenarios import steps_of
from models.tables import Contact, Dossier, Intervention, ScenarioStep


def earliest_allowed(calendar: WorkCalendar, dossier: Dossier) -> dt.date | None:
    """No scenario intervention falls due before a pause ends (the day after pause_until)."""
    if dossier.status == "paused" and dossier.pause_until is not None:
        return calendar.next_working_day(dossier.pause_until + dt.timedelta(days=1))
    return None


def hold(calendar: WorkCalendar, dossier: Dossier, intervention: Intervention) -> None:
    """Keep a scenario step out of a pause (rule 7), remembering the scenario's own date.

    Re-applied whenever the pause changes, so a shorter pause gives back an earlier date."""
    own = intervention.held_from or intervention.planned
    floor = earliest_allowed(calendar, dossier)
    if floor is not None and own < floor:
        intervention.planned, intervention.held_from = floor, own
    elif intervention.held_from is not None:
        intervention.planned, intervention.held_from = own, None


def release(calendar: WorkCalendar, today: dt.date, intervention: Intervention) -> None:
    """The pause is over on ``today``: a step it held is due on its own date, or today when
    that date has passed. A step the pause never moved keeps its date."""
    if intervention.held_from is not None:
        intervention.planned = max(intervention.held_from, calendar.next_working_day(today))
        intervention.held_from = None


def current_todo(session: Session, dossier_id: int) -> Intervention | None:
    return session.exec(
        select(Intervention).where(
            Intervention.dossier_id == dossier_id,
            Intervention.status == "todo",
            col(Intervention.step_no).is_not(None),
        )
    ).first()


def contact_name(session: Session, dossier: Dossier) -> str:
    if dossier.main_contact_id is None:
        return ""
    contact = session.get(Contact, dossier.main_contact_id)
    return contact.name if contact else ""


def plan_step(ctx: Ctx, dossier: Dossier, position: int, base: dt.date) -> Intervention | None:
    """Create the to-do for step ``position`` counted from ``base``; None past the last step."""
    assert dossier.id is not None and dossier.scenario_id is not None
    step = ctx.session.exec(
        select(ScenarioStep).where(
            ScenarioStep.scenario_id == dossier.scenario_id, ScenarioStep.position == position
        )
    ).first()
    if step is None:
        return None  # scenario ended: the dossier stays open with nothing to do
    intervention = Intervention(
        dossier_id=dossier.id,
        scenario_id=dossier.scenario_id,
        step_no=position,
        step=step.name,
        status="todo",
        planned=ctx.calendar.plan(base, step.delay),
        type=step.type,
        contact=contact_name(ctx.session, dossier),
    )
    hold(ctx.calendar, dossier, intervention)
    ctx.session.add(intervention)
    ctx.session.flush()
    return intervention


@dataclass(frozen=True)
class ForecastItem:
    step_no: int
    step: str
    type: str
    planned: dt.date


def forecast(ctx: Ctx, dossier: Dossier) -> list[ForecastItem]:
    """The steps still to come, if each is done on the day it is planned."""
    if dossier.scenario_id is None or dossier.id is None or dossier.status == "closed":
        return []
    todo = current_todo(ctx.session, dossier.id)
    if todo is None or todo.step_no is None:
        return []
    day = max(todo.planned, ctx.today)
    items: list[ForecastItem] = []
    for step in steps_of(ctx.session, dossier.scenario_id):
        if step.position <= todo.step_no:
            continue
        day = ctx.calendar.plan(day, step.delay)
        items.append(ForecastItem(step.position, step.name, step.type, day))
    return items
