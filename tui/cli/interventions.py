"""Interventions on a dossier: ``intervention done|skip|add|reschedule`` (rules in
engine.interventions)."""

from __future__ import annotations

from engine.i18n import _
from tui.cli.options import Subcommands, amount_type, command, date_type, group, id_type
from tui.cli.output import out
from tui.cli.runtime import Runtime


def add_done(g: Subcommands) -> None:
    p = command(g, "done", cmd_intervention_done, _("mark done (applies the step's effects)"))
    p.add_argument("id", type=id_type(_("intervention id")))
    p.add_argument("--date", type=date_type("--date"))
    p.add_argument("--note")
    p.add_argument("--outcome")
    p.add_argument(
        "--channel",
        choices=("print", "email", "both"),
        help=_("how the step's letter goes (default: e-mail for an e-mail step, else print)"),
    )


def cmd_intervention_done(rt: Runtime) -> None:
    from engine.documents.produce import document_for_intervention, pending
    from engine.interventions import mark_done
    from tui.cli.letters import send_and_say

    a = rt.args
    with rt.ctx() as ctx:
        item = mark_done(ctx, a.id, a.date, a.note, a.outcome or "", channel=a.channel)
        done = item.done
        document = document_for_intervention(ctx, a.id)
        kept = (document.id, document.template) if document is not None else None
        mailing = pending(ctx)
    out(_("Intervention {id} done on {day}.").format(id=a.id, day=done))
    if kept is not None:
        out(
            _("Letter {template} kept (document {document}): `letter {id} --out FILE.pdf`.").format(
                template=kept[1], document=kept[0], id=a.id
            )
        )
    send_and_say(rt, mailing)


def add_skip(g: Subcommands) -> None:
    p = command(g, "skip", cmd_intervention_skip, _("mark skipped"))
    p.add_argument("id", type=id_type(_("intervention id")))
    p.add_argument("--date", type=date_type("--date"))
    p.add_argument("--note")


def cmd_intervention_skip(rt: Runtime) -> None:
    from engine.interventions import mark_skipped

    a = rt.args
    with rt.ctx() as ctx:
        done = mark_skipped(ctx, a.id, a.date, a.note).done
    out(_("Intervention {id} skipped on {day}.").format(id=a.id, day=done))


def add_add(g: Subcommands) -> None:
    p = command(g, "add", cmd_intervention_add, _("add a manual intervention"))
    p.add_argument("number")
    p.add_argument("--type", required=True)
    p.add_argument("--date", type=date_type("--date"))
    p.add_argument("--note")
    p.add_argument("--contact")
    p.add_argument("--promise-date", type=date_type("--promise-date"))
    p.add_argument("--promise-amount", type=amount_type("--promise-amount"))


def cmd_intervention_add(rt: Runtime) -> None:
    from engine.interventions import add_manual

    a = rt.args
    with rt.ctx() as ctx:
        item = add_manual(
            ctx, a.number, a.type, a.date, a.note or "", a.contact, a.promise_date, a.promise_amount
        )
        ident, planned = item.id, item.planned
    out(_("Intervention {id} planned on {day}.").format(id=ident, day=planned))


def add_reschedule(g: Subcommands) -> None:
    p = command(g, "reschedule", cmd_intervention_reschedule, _("plan an intervention on a date"))
    p.add_argument("id", type=id_type(_("intervention id")))
    p.add_argument("--date", required=True, type=date_type("--date"))


def cmd_intervention_reschedule(rt: Runtime) -> None:
    from engine.interventions import reschedule

    a = rt.args
    with rt.ctx() as ctx:
        planned = reschedule(ctx, a.id, a.date).planned
    out(_("Intervention {id} planned on {day}.").format(id=a.id, day=planned))


def register(commands: Subcommands) -> None:
    g = group(commands, "intervention", _("interventions"))
    for add in (add_done, add_skip, add_add, add_reschedule):
        add(g)
