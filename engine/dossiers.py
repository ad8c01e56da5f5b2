"""Dossier services: open, edit, pause and resume, move to a step or scenario, close."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine.access import require_dossier_write, require_write
from engine.balances import refresh_dossiers
from engine.context import Ctx, claim
from engine.db_errors import waiting_for
from engine.errors import NotFound, UserError
from engine.i18n import _
from engine.parsing import check_date, check_text
from engine.planning import current_todo, hold, plan_step, release
from engine.scenarios import find_scenario, steps_of
from engine.text_limits import field_limit
from models.tables import (
    Contact,
    Customer,
    Dossier,
    DossierContact,
    DossierEntry,
    Entry,
    Intervention,
    Sequence,
    User,
)

OPEN_STATES = ("open", "paused")
SETTLED_REASON = "settled"


def find_customer(session: Session, code: str, lock: bool = False) -> Customer:
    query = select(Customer).where(Customer.code == code.strip())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    with waiting_for(_("Customer {code}").format(code=code.strip())):
        customer = session.exec(query).first()
    if customer is None:
        raise NotFound(
            _(
                "Unknown customer {code!r}: expected a customer code such as CDUPONT "
                "(see `recouvrement customers list`)."
            ).format(code=code)
        )
    return customer


def normalize_number(number: str) -> str:
    """``D000042``, ``d42`` and ``42`` all name dossier D000042."""
    text = number.strip().upper()
    digits = text[1:] if text.startswith("D") else text
    if digits.isdigit():
        return f"D{int(digits):06d}"
    return text


def find_dossier(session: Session, number: str, lock: bool = False) -> Dossier:
    """``lock``: for a change. On PostgreSQL the row stays locked to the end of the unit of
    work, so changes to one dossier happen one after the other (SQLite: BEGIN IMMEDIATE)."""
    query = select(Dossier).where(Dossier.number == normalize_number(number))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    with waiting_for(_("Dossier {number}").format(number=normalize_number(number))):
        dossier = session.exec(query).first()
    if dossier is None:
        raise NotFound(
            _("Unknown dossier {number!r}: expected a dossier number such as D000042.").format(
                number=number
            )
        )
    return dossier


def find_agent(session: Session, login: str) -> User:
    user = session.get(User, login)
    if user is None or not user.active or user.role == "auditor":
        raise NotFound(
            _(
                "Unknown agent {login!r}: expected the login of an agent or manager "
                "(see `recouvrement users list`)."
            ).format(login=login)
        )
    return user


def lock_dossier(session: Session, dossier_id: int) -> Dossier:
    # The number first (no lock): a wait that runs out names the dossier.
    number = session.exec(select(Dossier.number).where(Dossier.id == dossier_id)).one()
    with waiting_for(_("Dossier {number}").format(number=number)):
        dossier = session.exec(
            select(Dossier)
            .where(Dossier.id == dossier_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    return dossier


def check_day(ctx: Ctx, dossier: Dossier, day: dt.date) -> None:
    """An action's date: not after today, not before the dossier was opened."""
    if day > ctx.today:
        raise UserError(
            _(
                "Date {day} is after today ({today}): an intervention cannot be done in the future."
            ).format(day=day.isoformat(), today=ctx.today.isoformat())
        )
    if day < dossier.created:
        raise UserError(
            _("Date {day} is before the dossier was opened ({created}).").format(
                day=day.isoformat(), created=dossier.created.isoformat()
            )
        )


def require_open(dossier: Dossier) -> None:
    if dossier.status == "closed":
        raise UserError(
            _("Dossier {number} is closed: its plan and interventions cannot change.").format(
                number=dossier.number
            )
        )


def label(dossier: Dossier) -> str:
    return _("Dossier {number}").format(number=dossier.number)


def next_number(session: Session) -> str:
    # Row-locking increment: two concurrent openings never get the same number.
    session.execute(
        update(Sequence)
        .where(col(Sequence.name) == "dossier")
        .values(value=col(Sequence.value) + 1)
    )
    value = session.exec(select(Sequence.value).where(Sequence.name == "dossier")).one()
    return f"D{value:06d}"


def _held_entry_ids(session: Session, customer_id: int) -> set[int]:
    """Entries already in an open or paused dossier: an entry belongs to at most one."""
    return set(
        session.exec(
            select(DossierEntry.entry_id)
            .join(Dossier, col(Dossier.id) == col(DossierEntry.dossier_id))
            .where(Dossier.customer_id == customer_id, col(Dossier.status).in_(OPEN_STATES))
        )
    )


def collectible_entries(session: Session, customer_id: int, day: dt.date) -> list[Entry]:
    """What a dossier opened on ``day`` takes: overdue invoices and open credits (§3),
    except excluded entries (disputed: engine.customers.exclude_entry)."""
    held = _held_entry_ids(session, customer_id)
    rows = session.exec(
        select(Entry)
        .where(
            Entry.customer_id == customer_id,
            Entry.open_amount != 0,
            Entry.excluded == False,  # noqa: E712  (SQL: excluded = false)
        )
        .order_by(col(Entry.due_date), col(Entry.id))
    )
    picked = []
    for entry in rows:
        if entry.id in held:
            continue
        overdue_invoice = (
            entry.kind == "invoice"
            and entry.due_date is not None
            and entry.due_date < day
            and entry.open_amount > 0
        )
        open_credit = entry.kind in ("credit_note", "deposit", "payment") and entry.open_amount < 0
        if overdue_invoice or open_credit:
            picked.append(entry)
    return picked


def open_dossier(
    ctx: Ctx,
    customer_code: str,
    scenario_name: str | None,
    *,
    agent: str | None = None,
    reason: str = "",
    start: dt.date | None = None,
) -> Dossier:
    require_write(ctx.actor)
    session = ctx.session
    # Locked: two openings for one customer must not both take the same invoices.
    reason = check_text(reason, _("reason"), field_limit(Dossier, "reason"))
    customer = find_customer(session, customer_code, lock=True)
    # None is "no scenario"; a name, even empty, must be a scenario's.
    scenario = find_scenario(session, scenario_name) if scenario_name is not None else None
    start = start or ctx.today
    if start > ctx.today:
        raise UserError(
            _("Start date {day} is after today ({today}): expected a date on or before it.").format(
                day=start.isoformat(), today=ctx.today.isoformat()
            )
        )
    if agent:
        find_agent(session, agent)
    elif session.get(User, ctx.actor.login) is not None:
        agent = ctx.actor.login
    assert customer.id is not None
    entries = collectible_entries(session, customer.id, start)
    if not any(entry.kind == "invoice" for entry in entries):
        raise UserError(
            _(
                "Customer {code} has no overdue invoice outside an open dossier on {day}: "
                "nothing to collect."
            ).format(code=customer.code, day=start.isoformat())
        )
    dossier = Dossier(
        number=next_number(session),
        customer_id=customer.id,
        created=start,
        reason=reason,
        scenario_id=scenario.id if scenario else None,
        agent=agent or None,
    )
    main = session.exec(
        select(Contact).where(Contact.customer_id == customer.id).order_by(col(Contact.id))
    ).first()
    if main is not None:
        dossier.main_contact_id = main.id
    session.add(dossier)
    session.flush()
    assert dossier.id is not None
    for entry in entries:
        assert entry.id is not None
        session.add(DossierEntry(dossier_id=dossier.id, entry_id=entry.id))
    session.flush()
    refresh_dossiers(session, [dossier.id])
    session.refresh(dossier)
    if scenario is not None:
        plan_step(ctx, dossier, 1, start)
    return dossier


def update_dossier(
    ctx: Ctx,
    number: str,
    expected_version: int | None = None,
    *,
    reason: str | None = None,
    agent: str | None = None,
    main_contact_id: int | None = None,
    other_contact_ids: list[int] | None = None,
) -> Dossier:
    if reason is not None:
        check_text(reason.strip(), _("reason"), field_limit(Dossier, "reason"))
    dossier = find_dossier(ctx.session, number, lock=True)
    require_dossier_write(ctx.actor, dossier.agent)
    new_agent = (
        (find_agent(ctx.session, agent).login if agent else None)
        if agent is not None
        else dossier.agent
    )
    assert dossier.id is not None
    others = set(
        ctx.session.exec(
            select(DossierContact.contact_id).where(DossierContact.dossier_id == dossier.id)
        )
    )
    unchanged = (
        (reason is None or reason.strip() == dossier.reason)
        and new_agent == dossier.agent
        and (main_contact_id is None or main_contact_id == dossier.main_contact_id)
        and (other_contact_ids is None or set(other_contact_ids) == others)
    )
    if unchanged:
        return dossier  # the same edit again changes nothing
    claim(ctx.session, dossier, expected_version, label(dossier))
    if reason is not None:
        dossier.reason = reason.strip()
    dossier.agent = new_agent
    contact_ids = ([main_contact_id] if main_contact_id else []) + (other_contact_ids or [])
    for contact_id in contact_ids:
        contact = ctx.session.get(Contact, contact_id)
        if contact is None or contact.customer_id != dossier.customer_id:
            raise UserError(
                _("Contact {id} is not a contact of this dossier's customer.").format(id=contact_id)
            )
    if main_contact_id is not None:
        dossier.main_contact_id = main_contact_id
    if other_contact_ids is not None:
        assert dossier.id is not None
        for link in ctx.session.exec(
            select(DossierContact).where(DossierContact.dossier_id == dossier.id)
        ):
            ctx.session.delete(link)
        ctx.session.flush()
        for contact_id in dict.fromkeys(other_contact_ids):
            ctx.session.add(DossierContact(dossier_id=dossier.id, contact_id=contact_id))
    ctx.session.flush()
    return dossier


def move_to_step(
    ctx: Ctx,
    number: str,
    step_no: int,
    day: dt.date | None = None,
    scenario_name: str | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Restart planning from ``step_no`` (of another scenario, when named) on ``day``."""
    session = ctx.session
    dossier = find_dossier(session, number, lock=True)
    require_dossier_write(ctx.actor, dossier.agent)
    require_open(dossier)
    day = day or ctx.today
    check_day(ctx, dossier, day)
    scenario_id = (
        find_scenario(session, scenario_name).id
        if scenario_name is not None
        else dossier.scenario_id
    )
    if scenario_id is None:
        raise UserError(
            _("Dossier {number} follows no scenario: name one to move it to.").format(
                number=dossier.number
            )
        )
    steps = steps_of(session, scenario_id)
    count = len(steps)
    if not 1 <= step_no <= count:
        raise UserError(
            _("Step {no} does not exist: expected a step number from 1 to {count}.").format(
                no=step_no, count=count
            )
        )
    assert dossier.id is not None
    todo = current_todo(session, dossier.id)
    own_date = ctx.calendar.plan(day, steps[step_no - 1].delay)
    if (
        todo is not None
        and todo.step_no == step_no
        and todo.scenario_id == scenario_id
        and (todo.held_from or todo.planned) == own_date
    ):
        return dossier  # the same move again changes nothing
    claim(session, dossier, expected_version, label(dossier))
    if todo is not None:
        todo.status = "skipped"
        todo.done = day
        todo.done_by = ctx.actor.login
        # Stored in English, shown translated (tui.labels.stored_text): the history and the
        # accounting read the same words whoever moved it.
        todo.outcome = f"moved to step {step_no}"
        todo.version += 1
        session.flush()
    dossier.scenario_id = scenario_id
    plan_step(ctx, dossier, step_no, day)
    return dossier


def pause(
    ctx: Ctx,
    number: str,
    until: dt.date,
    reason: str = "",
    promise_amount: Decimal | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Promise to pay or dispute: nothing of the scenario falls due before ``until`` has passed."""
    check_text(reason, _("pause reason"), field_limit(Dossier, "pause_reason"))
    check_date(until, _("pause end"))
    session = ctx.session
    dossier = find_dossier(session, number, lock=True)
    require_dossier_write(ctx.actor, dossier.agent)
    require_open(dossier)
    if until < ctx.today:
        raise UserError(
            _("Pause end {day} is in the past: expected today ({today}) or later.").format(
                day=until.isoformat(), today=ctx.today.isoformat()
            )
        )
    if promise_amount is not None and promise_amount <= 0:
        raise UserError(
            _("Promised amount {amount} is invalid: expected an amount above 0.").format(
                amount=promise_amount
            )
        )
    if (dossier.status, dossier.pause_until, dossier.pause_reason, dossier.promise_amount) == (
        "paused",
        until,
        reason,
        promise_amount,
    ):
        return dossier
    claim(session, dossier, expected_version, label(dossier))
    dossier.status = "paused"
    dossier.pause_until = until
    dossier.pause_reason = reason
    dossier.promise_amount = promise_amount
    assert dossier.id is not None
    todo = current_todo(session, dossier.id)
    if todo is not None:
        before = (todo.planned, todo.held_from)
        hold(ctx.calendar, dossier, todo)
        if (todo.planned, todo.held_from) != before:
            todo.version += 1
    session.flush()
    return dossier


def resume(ctx: Ctx, number: str, expected_version: int | None = None) -> Dossier:
    """End a pause today: a step the pause held back is due on its own date, or today."""
    session = ctx.session
    dossier = find_dossier(session, number, lock=True)
    require_dossier_write(ctx.actor, dossier.agent)
    if dossier.status != "paused":
        raise UserError(
            _("Dossier {number} is {status}, not paused: there is no pause to end.").format(
                number=dossier.number, status=_(dossier.status)
            )
        )
    claim(session, dossier, expected_version, label(dossier))
    end_pause(ctx, dossier)
    return dossier


def end_pause(ctx: Ctx, dossier: Dossier) -> None:
    dossier.status = "open"
    dossier.pause_until = None
    dossier.promise_amount = None
    assert dossier.id is not None
    todo = current_todo(ctx.session, dossier.id)
    if todo is not None and todo.held_from is not None:
        release(ctx.calendar, ctx.today, todo)
        todo.version += 1
    ctx.session.flush()


def close(ctx: Ctx, dossier: Dossier, reason: str, day: dt.date) -> None:
    """Closing ends the scenario: what is still to do becomes skipped, with the reason."""
    assert dossier.id is not None
    dossier.status = "closed"
    dossier.closed_on = day
    dossier.close_reason = reason
    dossier.version += 1
    why = _("dossier closed: principal settled") if reason == SETTLED_REASON else reason
    for todo in ctx.session.exec(
        select(Intervention).where(
            Intervention.dossier_id == dossier.id, Intervention.status == "todo"
        )
    ):
        todo.status = "skipped"
        todo.done = day
        todo.outcome = why
        todo.held_from = None
        todo.done_by = ctx.actor.login
        todo.version += 1
    ctx.session.flush()


def reopen(ctx: Ctx, dossier: Dossier) -> bool:
    """A settled dossier whose principal is owed again (a payment unlettered) reopens where
    its scenario stood. Not when a newer open dossier holds its entries (§3)."""
    assert dossier.id is not None
    held_elsewhere = ctx.session.exec(
        select(DossierEntry.entry_id)
        .join(Dossier, col(Dossier.id) == col(DossierEntry.dossier_id))
        .where(
            col(Dossier.status).in_(OPEN_STATES),
            col(DossierEntry.entry_id).in_(
                select(DossierEntry.entry_id).where(DossierEntry.dossier_id == dossier.id)
            ),
        )
    ).first()
    if held_elsewhere is not None:
        return False  # a newer dossier collects those entries now: this one stays closed
    dossier.status = "open"
    dossier.closed_on = None
    dossier.close_reason = ""
    dossier.version += 1
    last = ctx.session.exec(
        select(Intervention)
        .where(Intervention.dossier_id == dossier.id, col(Intervention.step_no).is_not(None))
        .order_by(col(Intervention.id).desc())
    ).first()
    ctx.session.flush()
    if dossier.scenario_id is not None and last is not None and last.step_no is not None:
        step = last.step_no if last.status == "skipped" else last.step_no + 1
        plan_step(ctx, dossier, step, ctx.today)
    return True


def settle_and_reopen(ctx: Ctx, dossier_ids: set[int] | None = None) -> tuple[list[str], list[str]]:
    """Close settled dossiers and reopen auto-closed ones owed again. Returns the numbers."""
    session = ctx.session
    closed: list[str] = []
    reopened: list[str] = []
    if ctx.settings.auto_close:
        query = select(Dossier).where(
            col(Dossier.status).in_(OPEN_STATES), col(Dossier.principal) <= 0
        )
        if dossier_ids is not None:
            query = query.where(col(Dossier.id).in_(dossier_ids))
        # Locked in id order (PostgreSQL): a concurrent `intervention done` on one of them
        # finishes first or waits, and two passes never deadlock.
        query = query.order_by(col(Dossier.id)).with_for_update()
        for dossier in session.exec(query.execution_options(populate_existing=True)):
            close(ctx, dossier, SETTLED_REASON, ctx.today)
            closed.append(dossier.number)
    query = select(Dossier).where(
        Dossier.status == "closed", Dossier.close_reason == SETTLED_REASON, Dossier.principal > 0
    )
    if dossier_ids is not None:
        query = query.where(col(Dossier.id).in_(dossier_ids))
    query = query.order_by(col(Dossier.id)).with_for_update()
    for dossier in session.exec(query.execution_options(populate_existing=True)):
        if reopen(ctx, dossier):
            reopened.append(dossier.number)
    return closed, reopened
