"""The daily pass (``recouvrement run``): refresh balances, close settled dossiers, end
lapsed pauses, report what falls due, keep the day's aged balance totals (a snapshot a day).
Running it twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.access import require_write
from engine.balances import refresh_dossiers
from engine.context import Ctx
from engine.dossiers import end_pause, settle_and_reopen
from engine.rates import rate_warnings
from engine.reads.aging import aging_totals
from engine.reads.views import action_rows
from engine.summary import refresh_next_actions
from models.db import refresh_statistics
from models.tables import AgingSnapshot, Dossier, Intervention


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


def run_daily(ctx: Ctx) -> DailyReport:
    require_write(ctx.actor)
    session = ctx.session
    report = DailyReport(ctx.today.isoformat())
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
