"""Customers and their entries: ``customers list|show|edit`` and ``entry exclude`` (rules in
engine.customers)."""

from __future__ import annotations

from typing import Any

from engine.errors import UserError
from engine.i18n import _, pgettext
from tui import labels
from tui.cli.options import Subcommands, command, group, id_type, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime

# The options of `customers edit`, by engine field: messages name the option typed.
EDIT_OPTIONS = {
    "name": "--name",
    "address": "--address",
    "email": "--email",
    "phone": "--phone",
    "siren": "--siren",
    "consumer": "--consumer",
    "no_reminders": "--no-reminders",
    "note": "--note",
}


def _yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


def add_list(g: Subcommands) -> None:
    json_flag(command(g, "list", cmd_customers_list, _("customers with outstanding and risk")))


def cmd_customers_list(rt: Runtime) -> None:
    from engine.reads.views import customer_rows

    with rt.ctx(write=False) as ctx:
        rows = customer_rows(ctx.session, ctx.today)
    if rt.args.json:
        out_json(rows)
    else:
        table(
            [(r["code"], r["name"], r["outstanding"], r["overdue"], r["risk"]) for r in rows],
            [_("code"), _("name"), _("outstanding"), _("overdue"), _("risk")],
        )


def add_show(g: Subcommands) -> None:
    p = command(g, "show", cmd_customers_show, _("one customer: identity, flags, entries"))
    p.add_argument("code")
    json_flag(p)


def cmd_customers_show(rt: Runtime) -> None:
    from engine.inert import inert
    from engine.reads.customer_list import customer_card

    with rt.ctx(write=False) as ctx:
        card = customer_card(ctx.session, rt.args.code, ctx.today)
    if rt.args.json:
        out_json(card)
        return

    def pair(label: str, value: Any, multiline: bool = False) -> str:
        # Each field made inert on its own: out() keeps line breaks (the layout's), so a
        # line break in a one-line field (a name from a CSV file) would print a forged line.
        # Only an absent value reads as a dash; an amount of 0.00 is shown.
        shown = "—" if value is None or value == "" else inert(value, multiline=multiline)
        return _("{label}: {value}").format(label=label, value=shown)

    out(f"{inert(card['code'])} · {inert(card['name'])}")
    out(pair(_("Address"), card["address"], multiline=True))
    out(
        " · ".join(
            [
                pair(_("SIREN"), card["siren"]),
                pair(_("Email"), card["email"]),
                pair(_("Phone"), card["phone"]),
            ]
        )
    )
    out(
        " · ".join(
            [
                pair(_("Risk"), card["risk"]),
                pair(_("Consumer"), _yes_no(card["consumer"])),
                pair(_("No reminders"), _yes_no(card["no_reminders"])),
            ]
        )
    )
    out(
        " · ".join(
            [
                pair(pgettext("column", "Outstanding"), card["outstanding"]),
                pair(pgettext("column", "Overdue"), card["overdue"]),
            ]
        )
    )
    if card["note"]:
        out(pair(_("Note"), card["note"], multiline=True))
    out("")
    out(_("Contacts"))
    table(
        [(c["id"], c["name"], c["role"], c["email"], c["phone"]) for c in card["contacts"]],
        [_("id"), _("name"), _("role"), _("email"), _("phone")],
    )
    out("")
    out(_("Open entries"))
    table(
        [
            (
                e["id"],
                e["kind"],
                e["date"],
                e["invoice"] or e["piece"],
                e["label"],
                e["due_date"],
                e["debit"],
                e["credit"],
                e["open_amount"],
                _("excluded") if e["excluded"] else "",
            )
            for e in card["entries"]
        ],
        [
            _("id"),
            _("kind"),
            _("date"),
            _("piece"),
            _("label"),
            _("due"),
            _("debit"),
            _("credit"),
            pgettext("column", "open"),
            _("flags"),
        ],
    )
    out("")
    out(_("Dossiers"))
    table(
        [
            (d["number"], labels.status_label(d["status"]), d["created"], d["agent"], d["balance"])
            for d in card["dossiers"]
        ],
        [_("number"), _("status"), _("opened"), pgettext("column", "agent"), _("balance")],
    )


def add_edit(g: Subcommands) -> None:
    p = command(g, "edit", cmd_customers_edit, _("change a customer (agents, managers)"))
    p.add_argument("code")
    p.add_argument("--name")
    p.add_argument("--address")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--siren", help=_("9 digits; empty to clear"))
    p.add_argument("--consumer", metavar="yes|no", help=_("no recovery indemnity"))
    p.add_argument("--no-reminders", metavar="yes|no", help=_("excluded from preventive reminders"))
    p.add_argument("--note")


def cmd_customers_edit(rt: Runtime) -> None:
    from engine.customers import edit_customer, parse_yes_no

    a = rt.args
    given = {field: getattr(a, field) for field in EDIT_OPTIONS}
    if all(value is None for value in given.values()):
        raise UserError(
            _("Nothing to change for customer {code}: expected at least one of {options}.").format(
                code=a.code, options=", ".join(EDIT_OPTIONS.values())
            )
        )
    for flag in ("consumer", "no_reminders"):
        if given[flag] is not None:
            given[flag] = parse_yes_no(given[flag], EDIT_OPTIONS[flag])
    with rt.ctx() as ctx:
        customer, changed = edit_customer(ctx, a.code, labels=EDIT_OPTIONS, **given)
        code = customer.code
    if changed:
        out(_("Customer {code} saved.").format(code=code))
    else:
        out(_("Customer {code} already has these values: nothing changed.").format(code=code))


def add_exclude(g: Subcommands) -> None:
    p = command(
        g, "exclude", cmd_entry_exclude, _("exclude an entry from reminders and new dossiers")
    )
    p.add_argument("id", type=id_type(_("entry id")))
    p.add_argument("--undo", action="store_true", help=_("bring the entry back"))


def cmd_entry_exclude(rt: Runtime) -> None:
    from engine.customers import exclude_entry

    a = rt.args
    with rt.ctx() as ctx:
        result = exclude_entry(ctx, a.id, not a.undo)
    ident = result["id"]
    if not result["changed"]:
        message = (
            _("Entry {id} is already excluded: nothing changed.")
            if result["excluded"]
            else _("Entry {id} is not excluded: nothing changed.")
        )
        out(message.format(id=ident))
    elif result["excluded"]:
        out(_("Entry {id} excluded from reminders and new dossiers.").format(id=ident))
    else:
        out(_("Entry {id} is back in reminders and new dossiers.").format(id=ident))
    if result["dossier"] and result["excluded"]:
        out(
            _("It stays in dossier {number}, shown there as excluded.").format(
                number=result["dossier"]
            )
        )


def register(commands: Subcommands) -> None:
    g = group(commands, "customers", _("customers"))
    add_list(g)
    add_show(g)
    add_edit(g)
    g = group(commands, "entry", _("accounting entries"))
    add_exclude(g)
