"""Lettering in the program: ``lettering add|remove|suggest`` (rules in engine.lettering)."""

from __future__ import annotations

from engine.i18n import _
from tui import labels
from tui.cli.options import Subcommands, command, group, id_type, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_add(g: Subcommands) -> None:
    p = command(g, "add", cmd_lettering_add, _("letter entries of one customer account together"))
    p.add_argument("ids", nargs="+", type=id_type(_("entry id")), metavar="ENTRY_ID")
    p.add_argument("--code", help=_("the lettering code (default: the next free one, AA, AB…)"))


def _dossiers(closed: list[str], reopened: list[str]) -> None:
    for number in closed:
        out(_("Dossier {number} closed: its principal is settled.").format(number=number))
    for number in reopened:
        out(_("Dossier {number} reopened: its principal is owed again.").format(number=number))


def cmd_lettering_add(rt: Runtime) -> None:
    from engine.lettering import letter_entries

    with rt.ctx() as ctx:
        result = letter_entries(ctx, rt.args.ids, code=rt.args.code)
    out(
        _("Entries {ids} lettered {code} (customer {customer}, account {account}).").format(
            ids=", ".join(str(i) for i in result.entry_ids),
            code=result.code,
            customer=result.customer,
            account=result.account,
        )
    )
    if result.open_amount == 0:
        out(_("The group is settled: nothing left open."))
    else:
        out(_("Left open: {amount}.").format(amount=result.open_amount))
    _dossiers(result.closed, result.reopened)


def add_remove(g: Subcommands) -> None:
    p = command(g, "remove", cmd_lettering_remove, _("unletter a customer's lettering code"))
    p.add_argument("code")
    p.add_argument("--customer", required=True, help=_("the customer's code"))
    p.add_argument("--account", help=_("only on this account (default: every account)"))


def cmd_lettering_remove(rt: Runtime) -> None:
    from engine.lettering import unletter

    a = rt.args
    with rt.ctx() as ctx:
        result = unletter(ctx, a.customer, a.code, account=a.account)
    out(
        _("Lettering {code} removed from entries {ids} (customer {customer}, {accounts}).").format(
            code=result.code,
            ids=", ".join(str(i) for i in result.entry_ids),
            customer=result.customer,
            accounts=", ".join(result.accounts),
        )
    )
    _dossiers(result.closed, result.reopened)


def add_suggest(g: Subcommands) -> None:
    p = command(g, "suggest", cmd_lettering_suggest, _("proposed matches of a customer"))
    p.add_argument("customer")
    json_flag(p)


def cmd_lettering_suggest(rt: Runtime) -> None:
    from engine.lettering import customer_suggestions

    with rt.ctx(write=False) as ctx:
        rows = customer_suggestions(ctx, rt.args.customer)
    if rt.args.json:
        out_json(rows)
        return
    table(
        [
            (
                r["payment"],
                r["payment_label"],
                r["amount"],
                " ".join(str(i) for i in r["invoices"]),
                " ".join(r["numbers"]),
                r["total"],
                labels.reason_label(r["reason"]),
            )
            for r in rows
        ],
        [
            _("payment"),
            _("label"),
            _("amount"),
            _("invoices"),
            _("numbers"),
            _("owed"),
            _("why"),
        ],
    )


def register(commands: Subcommands) -> None:
    g = group(commands, "lettering", _("match payments with invoices"))
    add_add(g)
    add_remove(g)
    add_suggest(g)
