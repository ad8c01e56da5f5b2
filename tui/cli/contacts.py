"""A customer's contacts: ``contacts add|edit|remove|list`` (rules in engine.contacts).

A postal address is several lines: ``--address '12 rue de la Paix\\n75002 Paris'`` (the two
characters ``\\n`` separate lines, as for the company's address in the settings).
"""

from __future__ import annotations

from engine.errors import UserError
from engine.i18n import _
from tui.cli.options import Subcommands, command, group, id_type, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime

# The options, by engine field: messages name the option typed.
OPTIONS = {
    "name": "--name",
    "role": "--role",
    "email": "--email",
    "phone": "--phone",
    "address": "--address",
}


def _address_help() -> str:
    return _("postal address; separate lines with \\n (at most 6)")


def add_add(g: Subcommands) -> None:
    p = command(g, "add", cmd_contacts_add, _("add a contact to a customer (prints its id)"))
    p.add_argument("code")
    p.add_argument("--name", required=True)
    p.add_argument("--role", default="")
    p.add_argument("--email", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--address", default="", help=_address_help())


def cmd_contacts_add(rt: Runtime) -> None:
    from engine.contacts import add_contact

    a = rt.args
    with rt.ctx() as ctx:
        row = add_contact(ctx, a.code, a.name, a.role, a.email, a.phone, a.address, labels=OPTIONS)
    out(str(row["id"]))


def add_edit(g: Subcommands) -> None:
    p = command(g, "edit", cmd_contacts_edit, _("change a contact"))
    p.add_argument("id", type=id_type(_("contact id")))
    for option in ("--name", "--role", "--email", "--phone"):
        p.add_argument(option)
    p.add_argument("--address", help=_address_help())


def cmd_contacts_edit(rt: Runtime) -> None:
    from engine.contacts import edit_contact

    a = rt.args
    given = {field: getattr(a, field) for field in OPTIONS}
    if all(value is None for value in given.values()):
        raise UserError(
            _("Nothing to change for contact {id}: expected at least one of {options}.").format(
                id=a.id, options=", ".join(OPTIONS.values())
            )
        )
    with rt.ctx() as ctx:
        _row, changed = edit_contact(ctx, a.id, labels=OPTIONS, **given)
    if changed:
        out(_("Contact {id} saved.").format(id=a.id))
    else:
        out(_("Contact {id} already has these values: nothing changed.").format(id=a.id))


def add_remove(g: Subcommands) -> None:
    p = command(g, "remove", cmd_contacts_remove, _("remove a contact"))
    p.add_argument("id", type=id_type(_("contact id")))


def cmd_contacts_remove(rt: Runtime) -> None:
    from engine.contacts import remove_contact

    with rt.ctx() as ctx:
        result = remove_contact(ctx, rt.args.id)
    out(_("Contact {id} removed.").format(id=result["id"]))
    if result["main_of"]:
        out(
            _("It was the main contact of {dossiers}: they now have none.").format(
                dossiers=", ".join(result["main_of"])
            )
        )
    if result["unlinked"]:
        out(
            _("Its links to {dossiers} are removed.").format(dossiers=", ".join(result["unlinked"]))
        )


def add_list(g: Subcommands) -> None:
    p = command(g, "list", cmd_contacts_list, _("a customer's contacts"))
    p.add_argument("code")
    json_flag(p)


def cmd_contacts_list(rt: Runtime) -> None:
    from engine.identity import address_one_line
    from engine.reads.contacts import contact_rows

    with rt.ctx(write=False) as ctx:
        rows = contact_rows(ctx.session, rt.args.code)
    if rt.args.json:
        out_json(rows)
        return
    table(
        [
            (r["id"], r["name"], r["role"], r["email"], r["phone"], address_one_line(r["address"]))
            for r in rows
        ],
        [_("id"), _("name"), _("role"), _("email"), _("phone"), _("address")],
    )


def register(commands: Subcommands) -> None:
    g = group(commands, "contacts", _("a customer's contacts"))
    add_add(g)
    add_edit(g)
    add_remove(g)
    add_list(g)
