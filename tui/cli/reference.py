"""The company's reference tables: the dated late-payment rate table (``rates``) and the
customer risk codes (``risks``). Rules in engine.rates and engine.risks; this module only
reads arguments and prints."""

from __future__ import annotations

import sys
from typing import Any

from engine.i18n import _
from tui.cli.options import Subcommands, command, group, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def _percent(value: Any) -> str:
    return f"{value} %"


def add_rates_list(g: Subcommands) -> None:
    json_flag(command(g, "list", cmd_rates_list, _("list the rates")))


def cmd_rates_list(rt: Runtime) -> None:
    from engine.rates import rate_rows

    with rt.ctx(write=False) as ctx:
        rows = rate_rows(ctx.session)
    if rt.args.json:
        out_json(
            [{"start": r["start"], "rate": format(r["rate"], "f"), "note": r["note"]} for r in rows]
        )
        return
    table(
        [(r["start"].isoformat(), _percent(r["rate"]), r["note"]) for r in rows],
        [_("from"), _("annual rate"), _("note")],
    )


def add_rates_add(g: Subcommands) -> None:
    p = command(g, "add", cmd_rates_add, _("add or replace the rate from a date (managers)"))
    p.add_argument("start", help=_("first day, YYYY-MM-DD (1 January or 1 July)"))
    p.add_argument("rate", help=_("annual rate in percent, e.g. 12.15"))
    p.add_argument("--note")


def cmd_rates_add(rt: Runtime) -> None:
    from engine.rates import add_rate

    with rt.ctx() as ctx:
        row = add_rate(ctx, rt.args.start, rt.args.rate, rt.args.note)
    for warning in row["warnings"]:
        print(_("Warning: {message}").format(message=warning), file=sys.stderr)
    if row["replaced"] is None:
        out(
            _("Late-payment rate from {day}: {rate} added.").format(
                day=row["start"].isoformat(), rate=_percent(row["rate"])
            )
        )
    else:
        out(
            _("Late-payment rate from {day}: {rate} (replaces {previous}).").format(
                day=row["start"].isoformat(),
                rate=_percent(row["rate"]),
                previous=_percent(row["replaced"]),
            )
        )


def add_rates_remove(g: Subcommands) -> None:
    p = command(g, "remove", cmd_rates_remove, _("remove the rate from a date (managers)"))
    p.add_argument("start")


def cmd_rates_remove(rt: Runtime) -> None:
    from engine.rates import remove_rate

    with rt.ctx() as ctx:
        row = remove_rate(ctx, rt.args.start)
    out(
        _("Late-payment rate from {day} ({rate}) removed.").format(
            day=row["start"].isoformat(), rate=_percent(row["rate"])
        )
    )


def add_risks_list(g: Subcommands) -> None:
    json_flag(command(g, "list", cmd_risks_list, _("list the risk codes")))


def cmd_risks_list(rt: Runtime) -> None:
    from engine.risks import risk_rows

    with rt.ctx(write=False) as ctx:
        rows = risk_rows(ctx.session)
    if rt.args.json:
        out_json(rows)
        return
    table([(r["code"], r["label"], r["used"]) for r in rows], [_("code"), _("label"), _("used")])


def add_risks_add(g: Subcommands) -> None:
    p = command(g, "add", cmd_risks_add, _("add a risk code (managers)"))
    p.add_argument("code")
    p.add_argument("--label")


def cmd_risks_add(rt: Runtime) -> None:
    from engine.risks import add_risk

    with rt.ctx() as ctx:
        row = add_risk(ctx, rt.args.code, rt.args.label or "")
    out(_("Risk code {code!r} added.").format(code=row["code"]))


def add_risks_remove(g: Subcommands) -> None:
    p = command(g, "remove", cmd_risks_remove, _("remove an unused risk code (managers)"))
    p.add_argument("code")


def cmd_risks_remove(rt: Runtime) -> None:
    from engine.risks import remove_risk

    with rt.ctx() as ctx:
        row = remove_risk(ctx, rt.args.code)
    out(_("Risk code {code!r} removed.").format(code=row["code"]))


def register(commands: Subcommands) -> None:
    g = group(commands, "rates", _("the dated late-payment rate table"))
    add_rates_list(g)
    add_rates_add(g)
    add_rates_remove(g)
    g = group(commands, "risks", _("customer risk codes"))
    add_risks_list(g)
    add_risks_add(g)
    add_risks_remove(g)
