"""Interventions: mark done (applying the step's effects) or skipped, add, reschedule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import col, select

from engine.access import require_dossier_write
from engine.context import Ctx, claim
from engine.documents.produce import Toolkit, check_channel, produce_for_intervention
from engine.dossiers import check_day, find_dossier, lock_dossier, require_open
from engine.effects import apply_step
from engine.errors import NotFound, UserError
from engine.i18n import _
from engine.parsing import check_text
from engine.planning import contact_name, earliest_allowed, plan_step
from engine.scenarios import STEP_TYPES
from engine.text_limits import field_limit
from models.tables import Dossier, Intervention, ScenarioStep

MANUAL_STEP = "Manual"


@dataclass(frozen=True)
class LetterChoice:
    """How the step's letter goes out when a step is marked done."""

    channel: str | None  # None: the step type's (engine.documents.produce.default_channel)
    tools: Toolkit | None = None  # the step name of an intervention added by hand


def find_intervention(ctx: Ctx, intervention_id: int) -> tuple[Intervention, Dossier]:
    """The intervention and its dossier, the dossier locked for the change (PostgreSQL), and
    the intervention read again after the lock: what another command just did is seen."""
    intervention = ctx.session.get(Intervention, intervention_id)
    if intervention is None:
        raise NotFound(
            _(
                "Unknown intervention {id}: expected an intervention number from "
                "`recouvrement actions` or `dossier show`."
            ).format(id=intervention_id)
        )
    dossier = lock_dossier(ctx.session, intervention.dossier_id)
    ctx.session.refresh(intervention)
    return intervention, dossier


def label(intervention: Intervention) -> str:
    return _("Intervention {id}").format(id=intervention.id)


def already_finished(intervention: Intervention) -> str:
    """Why an intervention done or skipped cannot be marked again: when, and by whom."""
    day = intervention.done.isoformat() if intervention.done else "?"
    if intervention.done_by:
        return _(
            "Intervention {id} is already {status} (on {day} by {login}): it cannot be "
            "marked again."
        ).format(
            id=intervention.id,
            status=_(intervention.status),
            day=day,
            login=intervention.done_by,
        )
    return _("Intervention {id} is already {status} (on {day}): it cannot be marked again.").format(
        id=intervention.id, status=_(intervention.status), day=day
    )


def check_after_previous_step(ctx: Ctx, dossier: Dossier, day: dt.date) -> None:
    """A scenario step is done or skipped on or after the day the step before it was: the
    scenario runs forward, and a step's effects (provision, interest) computed on an
    earlier day would replace those of a later one."""
    previous = ctx.session.exec(
        select(Intervention)
        .where(
            Intervention.dossier_id == dossier.id,
            col(Intervention.step_no).is_not(None),
            col(Intervention.status).in_(("done", "skipped")),
            col(Intervention.done).is_not(None),
        )
        .order_by(col(Intervention.done).desc(), col(Intervention.id).desc())
        .limit(1)
    ).first()
    if previous is not None and previous.done is not None and day < previous.done:
        raise UserError(
            _(
                "Date {day} is before {previous}, when step {step_no} ({step}) was marked "
                "{status}: expected {previous} or later."
            ).format(
                day=day.isoformat(),
                previous=previous.done.isoformat(),
                step_no=previous.step_no,
                step=previous.step,
                status=_(previous.status),
            )
        )


def _finish(
    ctx: Ctx,
    intervention_id: int,
    status: str,
    day: dt.date | None,
    note: str | None,
    outcome: str,
    expected_version: int | None,
    letter: LetterChoice | None = None,
) -> Intervention:
    intervention, dossier = find_intervention(ctx, intervention_id)
    require_dossier_write(ctx.actor, dossier.agent)  # rights first, whatever the status
    if intervention.status != "todo":
        # Refused, even when it is the same command again: saying "done" would drop its
        # note and outcome without a word (twenty agents at once: one wins, nineteen told).
        raise UserError(already_finished(intervention))
    require_open(dossier)
    day = day or ctx.today
    check_day(ctx, dossier, day)
    if intervention.step_no is not None:
        check_after_previous_step(ctx, dossier, day)
    claim(ctx.session, intervention, expected_version, label(intervention))
    intervention.status = status
    intervention.done = day
    intervention.done_by = ctx.actor.login
    intervention.outcome = outcome
    intervention.held_from = None
    if note:
        intervention.note = (intervention.note + "\n" + note).strip()
    ctx.session.flush()
    if intervention.step_no is not None and intervention.scenario_id == dossier.scenario_id:
        step = ctx.session.exec(
            select(ScenarioStep).where(
                ScenarioStep.scenario_id == intervention.scenario_id,
                ScenarioStep.position == intervention.step_no,
            )
        ).first()
        if status == "done" and step is not None:
            apply_step(ctx, dossier, step, intervention)
    if status == "done" and intervention.step_no is not None and letter is not None:
        # The step's letter, in this transaction: a template that does not render refuses
        # the done. After the effects (a formal notice states the charges just added).
        produce_for_intervention(ctx, intervention_id, letter.channel, day, letter.tools)
    if intervention.step_no is not None and intervention.scenario_id == dossier.scenario_id:
        plan_step(ctx, dossier, intervention.step_no + 1, day)
    return intervention


def mark_done(
    ctx: Ctx,
    intervention_id: int,
    day: dt.date | None = None,
    note: str | None = None,
    outcome: str = "",
    expected_version: int | None = None,
    channel: str | None = None,
    documents: bool = True,
    tools: Toolkit | None = None,
) -> Intervention:
    """Mark done on ``day``: the step's effects, its letter (when the step has a template;
    ``channel`` print, email or both, default from the step's type; ``documents=False``
    leaves it out: the demo), and the next step planned."""
    check_texts(note=note, outcome=outcome)
    letter = None
    if documents:
        if channel is not None:
            check_channel(channel)
        letter = LetterChoice(channel, tools)
    return _finish(ctx, intervention_id, "done", day, note, outcome, expected_version, letter)


def mark_skipped(
    ctx: Ctx,
    intervention_id: int,
    day: dt.date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Intervention:
    check_texts(note=note)
    return _finish(ctx, intervention_id, "skipped", day, note, "", expected_version)


def check_texts(
    *, note: str | None = None, outcome: str | None = None, contact: str | None = None
) -> None:
    """The texts a person gives an intervention, each within its column (see
    engine.text_limits), refused before anything is read or written."""
    for value, what, column in (
        (note, _("note"), "note"),
        (outcome, _("outcome"), "outcome"),
        (contact, _("contact"), "contact"),
    ):
        if value is not None:
            check_text(value, what, field_limit(Intervention, column))


def check_type(value: str) -> str:
    if value not in STEP_TYPES:
        raise UserError(
            _("Unknown intervention type {value!r}: expected one of {types}.").format(
                value=value, types=", ".join(STEP_TYPES)
            )
        )
    return value


def add_manual(
    ctx: Ctx,
    number: str,
    type_: str,
    day: dt.date | None = None,
    note: str = "",
    contact: str | None = None,
    promise_date: dt.date | None = None,
    promise_amount: Decimal | None = None,
) -> Intervention:
    """A manual intervention to do; it does not move the scenario. The same one again (same
    dossier, type, date, note and promise) is not added twice."""
    check_type(type_)
    check_texts(note=note, contact=contact)
    if promise_amount is not None and (not promise_amount.is_finite() or promise_amount <= 0):
        raise UserError(
            _("Promised amount {amount} is invalid: expected an amount above 0.").format(
                amount=promise_amount
            )
        )
    dossier = find_dossier(ctx.session, number, lock=True)
    require_dossier_write(ctx.actor, dossier.agent)
    require_open(dossier)
    planned = day or ctx.today
    if planned < dossier.created:
        raise UserError(
            _("Date {day} is before the dossier was opened ({created}).").format(
                day=planned.isoformat(), created=dossier.created.isoformat()
            )
        )
    assert dossier.id is not None
    same = ctx.session.exec(
        select(Intervention).where(
            Intervention.dossier_id == dossier.id,
            col(Intervention.step_no).is_(None),
            Intervention.status == "todo",
            Intervention.type == type_,
            Intervention.planned == planned,
            Intervention.note == note,
            Intervention.promise_date == promise_date,
            Intervention.promise_amount == promise_amount,
        )
    ).first()
    if same is not None:
        return same
    intervention = Intervention(
        dossier_id=dossier.id,
        scenario_id=None,
        step_no=None,
        step=MANUAL_STEP,  # stored in English, shown translated (tui.labels.step_label)
        status="todo",
        planned=planned,
        type=type_,
        contact=contact if contact is not None else contact_name(ctx.session, dossier),
        note=note,
        promise_date=promise_date,
        promise_amount=promise_amount,
    )
    ctx.session.add(intervention)
    ctx.session.flush()
    return intervention


def reschedule(
    ctx: Ctx, intervention_id: int, day: dt.date, expected_version: int | None = None
) -> Intervention:
    intervention, dossier = find_intervention(ctx, intervention_id)
    require_dossier_write(ctx.actor, dossier.agent)
    if intervention.status != "todo":
        raise UserError(
            _(
                "Intervention {id} is {status}: only an intervention to do can be rescheduled."
            ).format(id=intervention.id, status=_(intervention.status))
        )
    if day < dossier.created:
        raise UserError(
            _("Date {day} is before the dossier was opened ({created}).").format(
                day=day.isoformat(), created=dossier.created.isoformat()
            )
        )
    planned = ctx.calendar.next_working_day(day)
    floor = earliest_allowed(ctx.calendar, dossier)
    if intervention.step_no is not None and floor is not None and planned < floor:
        raise UserError(
            _(
                "Dossier {number} is paused until {until}: its scenario step cannot be planned "
                "before {day}."
            ).format(number=dossier.number, until=dossier.pause_until, day=floor.isoformat())
        )
    if planned == intervention.planned:
        return intervention
    claim(ctx.session, intervention, expected_version, label(intervention))
    intervention.planned = planned
    intervention.held_from = None
    ctx.session.flush()
    return intervention


def add_note(
    ctx: Ctx, intervention_id: int, note: str, expected_version: int | None = None
) -> Intervention:
    """Append a note to an intervention (one line per note). The same note again, when it is
    already the last one, changes nothing."""
    text = note.strip()
    if not text:
        raise UserError(_("A note cannot be empty: expected some text."))
    check_text(text, _("note"), field_limit(Intervention, "note"))
    intervention, dossier = find_intervention(ctx, intervention_id)
    require_dossier_write(ctx.actor, dossier.agent)
    require_open(dossier)
    if intervention.note == text or intervention.note.endswith("\n" + text):
        return intervention
    claim(ctx.session, intervention, expected_version, label(intervention))
    intervention.note = (intervention.note + "\n" + text).strip()
    ctx.session.flush()
    return intervention
