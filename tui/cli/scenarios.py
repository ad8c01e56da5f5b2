"""Scenarios: ``scenario list|export|import`` (rules in engine.scenarios)."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.errors import UserError
from engine.i18n import _, ngettext
from engine.inert import inert_escaped
from tui.cli.options import Subcommands, command, group, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_list(g: Subcommands) -> None:
    json_flag(command(g, "list", cmd_scenario_list, _("list scenarios")))


def cmd_scenario_list(rt: Runtime) -> None:
    from engine.reads.views import scenario_rows

    with rt.ctx(write=False) as ctx:
        rows = scenario_rows(ctx.session)
    if rt.args.json:
        out_json(rows)
    else:
        table(
            [(r["name"], len(r["steps"]), r["open_dossiers"]) for r in rows],
            [_("name"), _("steps"), _("open dossiers")],
        )


def add_export(g: Subcommands) -> None:
    p = command(g, "export", cmd_scenario_export, _("print a scenario as TOML"))
    p.add_argument("name")


def cmd_scenario_export(rt: Runtime) -> None:
    from engine.scenarios import export_toml

    with rt.ctx(write=False) as ctx:
        text = export_toml(ctx.session, rt.args.name)
    sys.stdout.write(inert_escaped(text))  # TOML escapes C0 and DEL; C1 and bidi too here


def add_import(g: Subcommands) -> None:
    p = command(g, "import", cmd_scenario_import, _("create or replace a scenario from TOML"))
    p.add_argument("file")


def cmd_scenario_import(rt: Runtime) -> None:
    from engine.scenarios import import_scenario

    path = Path(rt.args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(_("Cannot read {path}: {error}.").format(path=path, error=exc)) from exc
    with rt.ctx() as ctx:
        spec, changed = import_scenario(ctx.session, text, str(path), actor=ctx.actor)
    if not changed:
        out(
            _("Scenario {name!r} is already as in {path}: nothing changed.").format(
                name=spec.name, path=path
            )
        )
        return
    count = len(spec.steps)
    out(
        ngettext(
            "Scenario {name!r} saved with {n} step.",
            "Scenario {name!r} saved with {n} steps.",
            count,
        ).format(name=spec.name, n=count)
    )


def register(commands: Subcommands) -> None:
    g = group(commands, "scenario", _("scenarios"))
    add_list(g)
    add_export(g)
    add_import(g)
