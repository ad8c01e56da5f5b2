"""Preventive reminders: ``reminders`` (the proposal of ``--today``), ``reminders send``
(record it as sent, one letter per customer) and ``reminders count`` (an entry's reminder
count). The rules are engine.reminders; this module reads arguments and prints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.i18n import _
from tui.cli.options import Parser, Subcommands, command, id_type, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_reminders(commands: Subcommands) -> Parser:
    help_ = _("preventive reminders: the invoices falling due soon, one letter per customer")
    p = commands.add_parser("reminders", help=help_, description=help_)
    p.set_defaults(func=cmd_reminders)
    json_flag(p)
    return p


def cmd_reminders(rt: Runtime) -> None:
    from engine.reads.reminders import json_groups
    from engine.reminders import period_days, proposals

    with rt.ctx(write=False) as ctx:
        groups = proposals(ctx)
        period = period_days(ctx)
    if rt.args.json:
        out_json(json_groups(groups))
        return
    if period == 0:
        out(_("Preventive reminders are off (setting reminder_period_days is 0)."))
        return
    if not groups:
        out(
            _(
                "No preventive reminder to send on {day} (due dates up to {days} days ahead)."
            ).format(day=rt.today.isoformat(), days=period)
        )
        return
    rows: list[list[Any]] = []
    for g in groups:
        for n, e in enumerate(g["entries"]):
            rows.append(
                [
                    g["customer"] if n == 0 else "",
                    g["name"] if n == 0 else "",
                    str(e["id"]),
                    e["invoice"] or e["piece"],
                    e["due_date"].isoformat(),
                    e["open_amount"],
                    str(e["reminder_count"]),
                ]
            )
    table(
        rows,
        [_("customer"), _("name"), _("entry"), _("invoice"), _("due"), _("open"), _("reminders")],
    )
    total = sum((g["total"] for g in groups), Decimal("0.00"))
    count = sum(len(g["entries"]) for g in groups)
    out(
        _("Letters: {customers}, invoices: {items}, total {total}.").format(
            customers=len(groups), items=count, total=f"{total:.2f}"
        )
    )


def add_send(g: Subcommands) -> None:
    p = command(
        g, "send", cmd_send, _("send the proposal of --today (one letter per customer), record it")
    )
    p.add_argument(
        "--channel",
        choices=("print", "email", "mark"),
        default="print",
        help=_(
            "print: the letters in one PDF; email: one message per customer; mark: only "
            "record them as sent"
        ),
    )
    p.add_argument(
        "--out", metavar="DIR", help=_("folder for the PDF of the letters (default: this one)")
    )


def cmd_send(rt: Runtime) -> None:
    from engine.documents.customer_letters import check_folder, send_reminders
    from tui.cli.letters import send_and_say

    a = rt.args
    folder = check_folder(a.out or ".") if a.channel == "print" else None
    with rt.ctx() as ctx:
        run = send_reminders(ctx, a.channel, folder)
    results = run.results
    if not results:
        out(_("No preventive reminder to send on {day}.").format(day=rt.today.isoformat()))
        return
    recorded = 0
    for s in results:
        who = f"{s.customer} {s.name}"
        if s.missing is not None:
            out(_("{customer}: not sent, {reason}.").format(customer=who, reason=s.missing))
            continue
        recorded += len(s.recorded)
        if s.recorded:
            out(
                _("{customer}: entries {ids} recorded as sent ({channel}).").format(
                    customer=who, ids=", ".join(map(str, s.recorded)), channel=a.channel
                )
            )
        for ident in s.skipped:
            out(_("Entry {id} was already reminded: skipped.").format(id=ident))
    out(
        _("Entries recorded as reminded on {day}: {count}.").format(
            count=recorded, day=rt.today.isoformat()
        )
    )
    if run.path is not None:
        letters = sum(1 for s in results if s.document_id is not None)
        out(_("{count} letter(s) written to {path}.").format(count=letters, path=run.path))
    send_and_say(rt, run.mailing)


def add_count(g: Subcommands) -> None:
    p = command(g, "count", cmd_count, _("set an entry's reminder count (0 to 99)"))
    p.add_argument("id", type=id_type(_("entry id")))
    p.add_argument("count", help=_("0 to 99"))


def cmd_count(rt: Runtime) -> None:
    from engine.reminders import parse_count, set_reminder_count

    a = rt.args
    wanted = parse_count(a.count)  # refused before the database is opened
    with rt.ctx() as ctx:
        count = set_reminder_count(ctx, a.id, wanted, None)
    out(_("Entry {id}: reminder count {count}.").format(id=a.id, count=count))


def register(commands: Subcommands) -> None:
    p = add_reminders(commands)
    g = p.add_subparsers(dest="sub", parser_class=Parser, metavar="SUBCOMMAND")
    add_send(g)
    add_count(g)
