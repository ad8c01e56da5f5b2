"""Who may use the database: ``users list`` and ``users add`` (rules in engine.access)."""

from __future__ import annotations

from engine.i18n import _
from tui import labels
from tui.cli.options import Subcommands, command, group, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_list(g: Subcommands) -> None:
    json_flag(command(g, "list", cmd_users_list, _("list users")))


def cmd_users_list(rt: Runtime) -> None:
    from engine.access import list_users

    with rt.ctx(write=False) as ctx:
        rows = list_users(ctx.session, ctx.actor)
    if rt.args.json:
        out_json(rows)
    else:
        table(
            [(r["login"], labels.role_label(r["role"]), r["name"]) for r in rows],
            [_("login"), _("role"), _("name")],
        )


def add_add(g: Subcommands) -> None:
    p = command(g, "add", cmd_users_add, _("add or change a user (managers)"))
    p.add_argument("login")
    p.add_argument("--role", required=True, choices=("agent", "manager", "auditor"))
    p.add_argument("--name")
    p.add_argument(
        "--inactive",
        action="store_true",
        help=_("deactivate the login: it is refused from then on"),
    )


def cmd_users_add(rt: Runtime) -> None:
    from engine.access import add_user

    a = rt.args
    with rt.ctx() as ctx:
        user = add_user(
            ctx.session, ctx.actor, a.login, a.role, a.name or "", active=not a.inactive
        )
        login, role, active = user.login, user.role, user.active
    if active:
        out(
            _("{login} may now use this database as {role}.").format(
                login=login, role=labels.role_label(role)
            )
        )
    else:
        out(_("{login} can no longer use this database.").format(login=login))


def register(commands: Subcommands) -> None:
    g = group(commands, "users", _("who may use the database"))
    add_list(g)
    add_add(g)
