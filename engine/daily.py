"""The daily pass (``recouvrement run``): add to open dossiers the invoices that fell due,
refresh balances, close settled dossiers, end lapsed pauses, report what falls due, keep the
day's aged balance totals (a snapshot a day). Running it twice changes nothing the second
time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, insert
from sqlmodel import Session, col, select

from engine.access import require_write
from engine.balances import refresh_dossiers
from engine.context import Ctx
from engine.dossiers import OPEN_STATES, end_pause, settle_and_reopen
from engine.history import record
from engine.rates import rate_warnings
from engine.reads.aging import aging_totals
from engine.reads.views import action_rows
from engine.summary import refresh_next_actions
from models.db import refresh_statistics
from models.tables import AgingSnapshot, Dossier, DossierEntry, Entry, Intervention


@dataclass
class DailyReport:
    date: str
    closed: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    due: int = 0  # interventions to do planned on or before the day
    overdue: int = 0  # of which planned before the day
    due_today: list[dict[str, Any]] = field(default_factory=list)  # what falls due that day
    warnings: list[str] = field(default_factory=list)  # e.g. a half-year without its rate
    # Invoices that fell due and joined their customer's open dossier: {dossier, entry, piece}
    joined: list[dict[str, Any]] = field(default_factory=list)


def join_new_invoices(ctx: Ctx) -> list[dict[str, Any]]:
    """Add to each customer's open dossier the invoices that fell due since it opened
    (docs/RULES.md, "Invoices that fall due while a dossier is open"; setting
    ``join_new_invoices``, on by default).

    An invoice joins when, on the day, it is overdue (due date before the day), has an open
    amount, is not excluded and belongs to no open (or paused) dossier, and its customer
    has one: the dossier open or paused, the newest (latest created, then the one opened last)
    when the customer has several. Each join writes a history row of the dossier (table
    dossier_entry, action ``join``: "invoice joined the dossier"). An invoice joined is
    held by that dossier, so a second pass adds nothing."""
    if not ctx.settings.join_new_invoices:
        return []
    session = ctx.session
    held = exists().where(
        col(DossierEntry.entry_id) == col(Entry.id),
        col(DossierEntry.dossier_id) == col(Dossier.id),
        col(Dossier.status).in_(OPEN_STATES),
    )
    has_dossier = exists().where(
        and_(
            col(Dossier.customer_id) == col(Entry.customer_id),
            col(Dossier.status).in_(OPEN_STATES),
        )
    )
    candidates = session.exec(
        select(Entry.id, Entry.customer_id, Entry.piece, Entry.invoice)
        .where(
            Entry.kind == "invoice",
            col(Entry.due_date) < ctx.today,
            col(Entry.open_amount) > 0,
            Entry.excluded == False,  # noqa: E712  (SQL: excluded = false)
            has_dossier,
            ~held,
        )
        .order_by(col(Entry.customer_id), col(Entry.due_date), col(Entry.id))
    ).all()
    if not candidates:
        return []
    customers = sorted({row[1] for row in candidates})
    target: dict[int, tuple[int, str]] = {}
    for start in range(0, len(customers), 500):
        # Ordered oldest first: the newest of a customer's dossiers is the last one written.
        for dossier_id, customer_id, number in session.exec(
            select(Dossier.id, Dossier.customer_id, Dossier.number)
            .where(
                col(Dossier.customer_id).in_(customers[start : start + 500]),
                col(Dossier.status).in_(OPEN_STATES),
            )
            .order_by(col(Dossier.created), col(Dossier.id))
        ):
            assert dossier_id is not None
            target[customer_id] = (dossier_id, number)
    joined: list[dict[str, Any]] = []
    links: list[dict[str, int]] = []
    for entry_id, customer_id, piece, invoice in candidates:
        assert entry_id is not None
        dossier_id, number = target[customer_id]
        links.append({"dossier_id": dossier_id, "entry_id": entry_id})
        joined.append({"dossier": number, "entry": entry_id, "piece": invoice or piece})
    # Core inserts: the history row says "joined", not the ORM's "added".
    session.execute(insert(DossierEntry), links)
    for link in links:
        record(
            session,
            "dossier_entry",
            f"{link['dossier_id']}/{link['entry_id']}",
            "join",
            dict(link),
        )
    return joined


def run_daily(ctx: Ctx) -> DailyReport:
    require_write(ctx.actor)
    session = ctx.session
    report = DailyReport(ctx.today.isoformat())
    report.joined = join_new_invoices(ctx)  # before the totals: they count the new invoices
    refresh_dossiers(session)
    refresh_next_actions(session)
    report.closed, report.reopened = settle_and_reopen(ctx)
    lapsed = session.exec(
        select(Dossier)
        .where(Dossier.status == "paused", col(Dossier.pause_until) < ctx.today)
        .order_by(col(Dossier.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for dossier in lapsed:
        dossier.version += 1
        end_pause(ctx, dossier)
        report.resumed.append(dossier.number)
    session.flush()
    due = (
        select(func.count())
        .select_from(Intervention)
        .join(Dossier, col(Dossier.id) == col(Intervention.dossier_id))
        .where(Intervention.status == "todo", Dossier.status == "open")
    )
    report.due = session.exec(due.where(col(Intervention.planned) <= ctx.today)).one()
    report.overdue = session.exec(due.where(col(Intervention.planned) < ctx.today)).one()
    report.due_today = [
        row for row in action_rows(session, day=ctx.today) if row["dossier_status"] == "open"
    ]
    report.warnings = rate_warnings(ctx)
    write_snapshot(session, ctx.today, ctx.settings.aging_buckets)
    # Once a day, so that imports growing the tables never leave the planner guessing.
    refresh_statistics(session.connection())
    return report


def write_snapshot(session: Session, today: dt.date, edges: tuple[int, ...]) -> AgingSnapshot:
    """Today's totals (the daily pass): one row a day, written again by a later pass."""
    totals = aging_totals(session, today, edges)
    buckets = totals.total.buckets
    values: dict[str, Any] = {
        "total": totals.total.total,
        "not_due": buckets[0],
        "overdue": totals.total.total - buckets[0],
        "edges": ",".join(str(e) for e in edges),
        "amounts": ";".join(format(b, "f") for b in buckets),
    }
    row = session.get(AgingSnapshot, today)
    if row is None:
        row = AgingSnapshot(day=today, **values)
        session.add(row)
    else:
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
    session.flush()
    return row
