"""The dated late-payment rate table (docs/RULES.md): list, add and remove its rows, and say
when a half-year has no row of its own.

Each row is an annual rate in percent in force from its start date until the next row.
The law (L441-10) sets one rate per half-year (the ECB main refinancing rate on 1 January
or 1 July plus 10 points), so a half-year without a row of its own is reported instead of
silently reusing the previous half-year's rate (``engine.penalties.MissingRate``).

Choices: adding a row on an existing start replaces that row (a manager fixes a typo in
one command; the history keeps the old value); a start that is not 1 January or 1 July is
accepted with a warning (a contractual rate may change on another day), but every
half-year still needs its own row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.access import require_manager
from engine.context import Ctx
from engine.errors import NotFound, UserError
from engine.i18n import _
from engine.parsing import check_text, parse_date, parse_percent
from engine.penalties import WITHDRAWN_ROW, half_year_of, half_years
from engine.text_limits import field_limit
from models.tables import Dossier, Entry, Intervention, PenaltyRate, ScenarioStep

Row = dict[str, Any]
FIRST_START = dt.date(1999, 1, 1)  # the euro, and the ECB's first main refinancing rate
LAST_START = dt.date(2099, 12, 31)
DEMO_NOTE = "Valeur de démonstration : pas un taux publié par la BCE"


def rate_rows(session: Session) -> list[Row]:
    """The table, oldest first: ``start, rate, note``."""
    return [
        {"start": r.start, "rate": r.rate, "note": r.note}
        for r in session.exec(select(PenaltyRate).order_by(col(PenaltyRate.start)))
    ]


def _start(value: dt.date | str) -> dt.date:
    day = value if isinstance(value, dt.date) else parse_date(value, _("start date"))
    if not FIRST_START <= day <= LAST_START:
        raise UserError(
            _("Invalid start date {day}: expected a date from {first} to {last}.").format(
                day=day.isoformat(), first=FIRST_START.isoformat(), last=LAST_START.isoformat()
            )
        )
    return day


def _note(value: str) -> str:
    return check_text(value.strip(), _("note"), field_limit(PenaltyRate, "note"), plain=True)


def add_rate(ctx: Ctx, start: dt.date | str, rate: object, note: str | None = None) -> Row:
    """Add the row starting ``start`` or replace it (managers). Returns the row with
    ``replaced`` (the previous rate, or None) and ``warnings`` (sentences to show).
    ``note`` None keeps the note of the row replaced (fixing a rate keeps its source)."""
    require_manager(ctx.actor)
    day = _start(start)
    value = parse_percent(rate, _("rate"))
    existing = ctx.session.exec(select(PenaltyRate).where(PenaltyRate.start == day)).first()
    text = _note(note) if note is not None else existing.note if existing else ""
    replaced = None
    if existing is None:
        ctx.session.add(PenaltyRate(start=day, rate=value, note=text))
    else:
        replaced = existing.rate
        if (existing.rate, existing.note) != (value, text):
            existing.rate, existing.note = value, text
    ctx.session.flush()
    warnings = []
    if day != half_year_of(day):
        warnings.append(
            _(
                "{day} is not the start of a half-year (1 January or 1 July): the rate applies "
                "from that day, and each half-year still needs a row of its own."
            ).format(day=day.isoformat())
        )
    return {"start": day, "rate": value, "note": text, "replaced": replaced, "warnings": warnings}


def remove_rate(ctx: Ctx, start: dt.date | str) -> Row:
    """Remove the row starting ``start`` (managers); an unknown start is refused."""
    require_manager(ctx.actor)
    day = _start(start)
    row = ctx.session.exec(select(PenaltyRate).where(PenaltyRate.start == day)).first()
    if row is None:
        known = ", ".join(r["start"].isoformat() for r in rate_rows(ctx.session)) or "—"
        raise NotFound(
            _("No rate starts on {day}: the rows start on {known}.").format(
                day=day.isoformat(), known=known
            )
        )
    removed = {"start": row.start, "rate": row.rate, "note": row.note}
    ctx.session.delete(row)
    ctx.session.flush()
    return removed


def remove_withdrawn_row(session: Session) -> bool:
    """On upgrade: drop the 2026-07-01 row earlier versions shipped without an ECB rate,
    only while it still holds exactly the shipped values. Idempotent."""
    start, rate, note = WITHDRAWN_ROW
    row = session.exec(select(PenaltyRate).where(PenaltyRate.start == start)).first()
    if row is None or row.rate != rate or row.note != note:
        return False
    session.delete(row)
    session.flush()
    return True


def rate_warnings(ctx: Ctx) -> list[str]:
    """What the daily pass reports: the half-year of the day has no row in the dated table
    (nothing when a flat ``penalty_rate`` is set)."""
    # The rate table's own rule (RateTable.missing), as the penalty computation applies it.
    missing = ctx.rates().missing(ctx.today - dt.timedelta(days=1), ctx.today)
    return [
        _(
            "No late-payment rate for the half-year starting {day}: penalties computed for "
            "days from then on are refused until a manager adds it (`rates add {day} RATE`)."
        ).format(day=day.isoformat())
        for day in missing
    ]


def penalty_warning(ctx: Ctx, dossier_id: int) -> str | None:
    """For the detail of a dossier whose step to do charges penalties: the half-years its
    computation would need that have no row of their own, or None."""
    if ctx.settings.penalty_rate is not None:
        return None
    todo = ctx.session.exec(
        select(Intervention).where(
            Intervention.dossier_id == dossier_id,
            Intervention.status == "todo",
            col(Intervention.step_no).is_not(None),
        )
    ).first()
    dossier = ctx.session.get(Dossier, dossier_id)
    if todo is None or dossier is None or dossier.scenario_id is None:
        return None
    step = ctx.session.exec(
        select(ScenarioStep).where(
            ScenarioStep.scenario_id == dossier.scenario_id,
            ScenarioStep.position == todo.step_no,
        )
    ).first()
    if step is None or not step.penalties:
        return None
    # Where the step's computation would start: for each invoice still owed, the day after
    # its due date or after its last computed interest (engine.effects.charge_penalties).
    from engine.effects import dossier_entries

    starts = []
    for invoice in dossier_entries(ctx.session, dossier_id, ("invoice",)):
        if invoice.due_date is None or invoice.open_amount <= 0:
            continue
        last_end = ctx.session.exec(
            select(func.max(Entry.period_end)).where(
                Entry.invoice_id == invoice.id, Entry.kind == "penalty"
            )
        ).one()
        starts.append(max(invoice.due_date, last_end) if last_end else invoice.due_date)
    if not starts:
        return None
    missing = ctx.rates().missing(min(starts), max(todo.planned, ctx.today))
    if not missing:
        return None
    return _(
        "Step {step_no} charges penalties but the rate table has no row for the half-year "
        "starting {day}: a manager adds it with `rates add {day} RATE`."
    ).format(step_no=todo.step_no, day=missing[0].isoformat())


def add_demo_rates(session: Session, today: dt.date) -> list[dt.date]:
    """The demo runs on any day: the half-years up to ``today`` that have no row get the
    last known rate, with a note saying it is a demo value, not a published rate."""
    rows = rate_rows(session)
    if not rows:
        return []
    starts = {r["start"] for r in rows}
    last_rate: Decimal = rows[-1]["rate"]
    added = []
    for day in half_years(rows[-1]["start"], today):
        if day not in starts:
            session.add(PenaltyRate(start=day, rate=last_rate, note=DEMO_NOTE))
            added.append(day)
    session.flush()
    return added
