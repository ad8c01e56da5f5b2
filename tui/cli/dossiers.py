"""Collection dossiers: ``dossier open|list|show|step|pause|resume|edit`` (rules in
engine.dossiers, reads in engine.reads)."""

from __future__ import annotations

from engine.errors import UserError
from engine.i18n import _, pgettext
from engine.inert import inert
from tui import labels
from tui.cli.options import Subcommands, amount_type, command, date_type, group, json_flag
from tui.cli.output import err, out, out_json, table
from tui.cli.runtime import Runtime


def add_open(g: Subcommands) -> None:
    p = command(g, "open", cmd_dossier_open, _("open a dossier for a customer"))
    p.add_argument("customer")
    p.add_argument("--scenario", required=True)
    p.add_argument("--agent")
    p.add_argument("--reason")
    p.add_argument("--date", type=date_type("--date"))
    json_flag(p)


def cmd_dossier_open(rt: Runtime) -> None:
    from engine.dossiers import open_dossier

    a = rt.args
    with rt.ctx() as ctx:
        number = open_dossier(
            ctx, a.customer, a.scenario, agent=a.agent, reason=a.reason or "", start=a.date
        ).number
    if a.json:
        _show(rt, number, True)
    else:
        out(number)


def add_list(g: Subcommands) -> None:
    p = command(g, "list", cmd_dossier_list, _("list dossiers"))
    p.add_argument("--status")
    p.add_argument("--agent")
    json_flag(p)


def cmd_dossier_list(rt: Runtime) -> None:
    from engine.reads.views import dossier_rows

    a = rt.args
    if a.status and a.status not in ("open", "paused", "closed"):
        raise UserError(
            _("Invalid status {value!r}: expected open, paused or closed.").format(value=a.status)
        )
    with rt.ctx(write=False) as ctx:
        rows = dossier_rows(ctx.session, a.status, a.agent)
    if a.json:
        out_json(rows)
    else:
        table(
            [
                (
                    r["number"],
                    r["customer"],
                    labels.status_label(r["status"]),
                    r["agent"],
                    r["scenario"],
                    r["next_action"],
                    r["balance"],
                )
                for r in rows
            ],
            [
                _("number"),
                _("customer"),
                _("status"),
                pgettext("column", "agent"),
                _("scenario"),
                _("next action"),
                _("balance"),
            ],
        )


def add_show(g: Subcommands) -> None:
    p = command(g, "show", cmd_dossier_show, _("one dossier with entries and interventions"))
    p.add_argument("number")
    json_flag(p)


def cmd_dossier_show(rt: Runtime) -> None:
    _show(rt, rt.args.number, rt.args.json)


def _show(rt: Runtime, number: str, as_json: bool) -> None:
    from engine.dossiers import find_dossier
    from engine.rates import penalty_warning
    from engine.reads.views import dossier_detail

    with rt.ctx(write=False) as ctx:
        detail = dossier_detail(ctx.session, number)
        dossier_id = find_dossier(ctx.session, number).id
        assert dossier_id is not None
        warning = penalty_warning(ctx, dossier_id)
    detail["warnings"] = [warning] if warning else []
    if as_json:
        out_json(detail)
        return
    for line in detail["warnings"]:
        err(_("Warning: {message}").format(message=line))
    # Single-line fields: a line break in them is shown, not obeyed (out() keeps it).
    out(
        f"{detail['number']}  {inert(detail['customer'])} {inert(detail['customer_name'])}"
        f"  [{_(detail['status'])}]"
    )
    out(
        _("Scenario: {scenario}   Agent: {agent}   Opened: {created}   Reason: {reason}").format(
            **{k: inert(detail[k] or "—") for k in ("scenario", "agent", "created", "reason")}
        )
    )
    out(
        _(
            "Principal {principal}  Charges {charges}  Balance {balance}  Provision {provision}  "
            "Risk {risk}"
        ).format(
            risk=inert(detail["customer_risk"] or "—"),
            **{k: detail[k] for k in ("principal", "charges", "balance", "provision")},
        )
    )
    if detail["status"] == "paused":
        out(
            _("Paused until {day}: {reason}").format(
                day=detail["pause_until"], reason=inert(detail["pause_reason"])
            )
        )
    if detail["scenario_ended"]:
        out(_("Scenario ended."))
    out("")
    table(
        [
            (
                e["kind"],
                e["journal"],
                e["date"],
                e["invoice"] or e["piece"],
                e["label"],
                e["due_date"],
                e["debit"],
                e["credit"],
                e["lettering"],
                e["open_amount"],
            )
            for e in detail["entries"]
        ],
        [
            _("kind"),
            _("journal"),
            _("date"),
            _("piece"),
            _("label"),
            _("due"),
            _("debit"),
            _("credit"),
            _("lettering"),
            pgettext("column", "open"),
        ],
    )
    out("")
    table(
        [
            (
                i["id"],
                _(i["status"]),
                i["planned"],
                i["done"],
                i["step_no"],
                i["step"],
                i["type"],
                i["outcome"] or i["note"],
            )
            for i in detail["interventions"]
        ],
        [
            _("id"),
            _("status"),
            _("planned"),
            pgettext("column", "done"),
            _("#"),
            _("step"),
            _("type"),
            _("note"),
        ],
    )


def add_step(g: Subcommands) -> None:
    p = command(g, "step", cmd_dossier_step, _("move a dossier to a scenario step"))
    p.add_argument("number")
    p.add_argument("step_no", type=int)
    p.add_argument("--date", type=date_type("--date"))
    p.add_argument("--scenario", help=_("move to this scenario at the same time"))


def cmd_dossier_step(rt: Runtime) -> None:
    from engine.dossiers import move_to_step

    a = rt.args
    with rt.ctx() as ctx:
        dossier = move_to_step(ctx, a.number, a.step_no, a.date, a.scenario)
        number = dossier.number
    out(_("{number} moved to step {no}.").format(number=number, no=a.step_no))


def add_pause(g: Subcommands) -> None:
    p = command(g, "pause", cmd_dossier_pause, _("pause a dossier (promise to pay, dispute)"))
    p.add_argument("number")
    p.add_argument("--until", required=True, type=date_type("--until"))
    p.add_argument("--reason")
    p.add_argument("--amount", type=amount_type("--amount"), help=_("promised amount"))


def cmd_dossier_pause(rt: Runtime) -> None:
    from engine.dossiers import pause

    a = rt.args
    with rt.ctx() as ctx:
        number = pause(ctx, a.number, a.until, a.reason or "", a.amount).number
    out(_("{number} paused until {day}.").format(number=number, day=a.until.isoformat()))


def add_resume(g: Subcommands) -> None:
    p = command(g, "resume", cmd_dossier_resume, _("end a pause now"))
    p.add_argument("number")


def cmd_dossier_resume(rt: Runtime) -> None:
    from engine.dossiers import resume

    with rt.ctx() as ctx:
        number = resume(ctx, rt.args.number).number
    out(_("{number} resumed.").format(number=number))


def add_edit(g: Subcommands) -> None:
    p = command(g, "edit", cmd_dossier_edit, _("change a dossier's reason or agent"))
    p.add_argument("number")
    p.add_argument("--reason")
    p.add_argument("--agent")


def cmd_dossier_edit(rt: Runtime) -> None:
    from engine.dossiers import update_dossier

    a = rt.args
    with rt.ctx() as ctx:
        number = update_dossier(ctx, a.number, reason=a.reason, agent=a.agent).number
    out(_("{number} saved.").format(number=number))


def register(commands: Subcommands) -> None:
    g = group(commands, "dossier", _("collection dossiers"))
    for add in (add_open, add_list, add_show, add_step, add_pause, add_resume, add_edit):
        add(g)
