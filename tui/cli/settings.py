"""The company settings: ``settings show`` and ``settings set`` (rules in engine.settings)."""

from __future__ import annotations

from engine.i18n import _
from tui.cli.options import Subcommands, command, group, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_show(g: Subcommands) -> None:
    json_flag(command(g, "show", cmd_settings_show, _("show the settings")))


def cmd_settings_show(rt: Runtime) -> None:
    from engine.settings import SPECS, STORED_AS_TYPED, display_setting, shown_settings

    with rt.ctx(write=False) as ctx:
        typed = shown_settings(ctx.settings)  # the SMTP password masked
        values = {
            key: ctx.settings.raw[key]
            if key in STORED_AS_TYPED
            else display_setting(key, ctx.settings.get(key))
            for key in SPECS
        }
    if rt.args.json:
        out_json(typed)
        return
    table(
        [(k, v, _(SPECS[k].help)) for k, v in values.items()],
        [_("setting"), _("value"), _("meaning")],
    )


def add_set(g: Subcommands) -> None:
    p = command(g, "set", cmd_settings_set, _("change a setting (managers)"))
    p.add_argument("key")
    p.add_argument("value")


def cmd_settings_set(rt: Runtime) -> None:
    from engine.settings import display_setting, set_setting

    with rt.ctx() as ctx:
        value = set_setting(ctx.session, rt.args.key, rt.args.value, ctx.actor)
    out(f"{rt.args.key} = {display_setting(rt.args.key, value)}")


def register(commands: Subcommands) -> None:
    g = group(commands, "settings", _("company settings"))
    add_show(g)
    add_set(g)
