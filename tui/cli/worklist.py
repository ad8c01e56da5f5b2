"""The worklist: ``actions`` lists what is due, ``run`` (the daily pass) closes, reopens and
resumes dossiers, then shows what is due today (rules in engine.daily)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from engine.i18n import _, pgettext
from tui.cli.options import Subcommands, command, date_type, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_actions(commands: Subcommands) -> None:
    p = command(commands, "actions", cmd_actions, _("the to-do worklist"))
    p.add_argument("--agent")
    p.add_argument("--until", type=date_type("--until"))
    json_flag(p)


def cmd_actions(rt: Runtime) -> None:
    from engine.reads.views import action_rows

    a = rt.args
    with rt.ctx(write=False) as ctx:
        rows = action_rows(ctx.session, a.agent, a.until)
    if a.json:
        out_json(rows)
    else:
        _action_table(rows)


def _action_table(rows: Sequence[dict[str, Any]]) -> None:
    """The worklist as text: planned, id, dossier, customer, agent, type, step, and the pause
    a step waits for (rule 7: the worklist shows why)."""
    table(
        [
            (
                r["planned"],
                r["id"],
                r["dossier"],
                r["customer"],
                r["agent"],
                r["type"],
                r["step"],
                _("until {day}: {reason}").format(day=r["pause_until"], reason=r["pause_reason"])
                if r.get("dossier_status") == "paused"
                else "",
            )
            for r in rows
        ],
        [
            _("planned"),
            _("id"),
            _("dossier"),
            _("customer"),
            pgettext("column", "agent"),
            _("type"),
            _("step"),
            _("pause"),
        ],
    )


def add_run(commands: Subcommands) -> None:
    json_flag(command(commands, "run", cmd_run, _("the daily pass")))


def cmd_run(rt: Runtime) -> None:
    from engine.daily import run_daily

    with rt.ctx() as ctx:
        report = run_daily(ctx)
    if rt.args.json:
        out_json(asdict(report))
        return
    out(
        _(
            "Daily pass for {day}: {closed} closed, {reopened} reopened, {resumed} resumed; "
            "{due} interventions due ({overdue} overdue)."
        ).format(
            day=report.date,
            closed=len(report.closed),
            reopened=len(report.reopened),
            resumed=len(report.resumed),
            due=report.due,
            overdue=report.overdue,
        )
    )
    for number in report.closed:
        out(_("closed: {number}").format(number=number))
    for number in report.reopened:
        out(_("reopened: {number}").format(number=number))
    for item in report.joined:
        out(
            _("joined {number}: invoice {piece}").format(
                number=item["dossier"], piece=item["piece"]
            )
        )
    for warning in report.warnings:
        out(_("Warning: {message}").format(message=warning))
    due_today: list[dict[str, Any]] = getattr(report, "due_today", [])
    if due_today:
        out("")
        _action_table(due_today)


def register(commands: Subcommands) -> None:
    add_actions(commands)
    add_run(commands)
