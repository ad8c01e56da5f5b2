"""The daily pass (``recouvrement run``): refresh balances, close settled dossiers, end
lapsed pauses, report what falls due. Running it twice changes nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import select

from engine.access import require_write
from engine.balances import refresh_dossiers
from engine.context import Ctx
from engine.dossiers import _unpause, settle_and_reopen
from models.db import refresh_statistics
from models.tables import Dossier, Intervention


@dataclass
class DailyReport:
    date: str
    closed: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    due: int = 0  # interventions to do planned on or before the day
    overdue: int = 0  # of which planned before the day


def run_daily(ctx: Ctx) -> DailyReport:
    require_write(ctx.actor)
    session = ctx.session
    report = DailyReport(ctx.today.isoformat())
    refresh_dossiers(session)
    report.closed, report.reopened = settle_and_reopen(ctx)
    lapsed = session.exec(
        select(Dossier).where(Dossier.status == "paused", Dossier.pause_until < ctx.today)  # type: ignore[operator]
    )
    for dossier in lapsed:
        dossier.version += 1
        _unpause(ctx, dossier)
        report.resumed.append(dossier.number)
    session.flush()
    due = (
        select(func.count())
        .select_from(Intervention)
        .join(Dossier, Dossier.id == Intervention.dossier_id)
        .where(Intervention.status == "todo", Dossier.status == "open")
    )
    report.due = session.exec(due.where(Intervention.planned <= ctx.today)).one()
    report.overdue = session.exec(due.where(Intervention.planned < ctx.today)).one()
    # Once a day, so that imports growing the tables never leave the planner guessing.
    refresh_statistics(session.connection())
    return report
