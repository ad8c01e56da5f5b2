"""``aging``: the aged balance on ``--today`` (engine.reads.aging): every customer's open
amounts by days past due, the totals and the DSO; ``--json`` (docs/COMMANDS.md), ``--csv``,
or a table."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from engine.i18n import _
from tui.cli.options import Subcommands, command, json_flag
from tui.cli.output import out, out_json, table
from tui.cli.runtime import Runtime


def add_aging(commands: Subcommands) -> None:
    p = command(
        commands,
        "aging",
        cmd_aging,
        _("aged balance on --today: each customer's open amounts by days past due, and DSO"),
    )
    json_flag(p)
    p.add_argument("--csv", action="store_true", help=_("write it as CSV (a header line)"))


def _money(value: Decimal) -> str:
    return format(value, ".2f")


def cmd_aging(rt: Runtime) -> None:
    from engine.reads.aging import aging_report

    with rt.ctx(write=False) as ctx:
        report = aging_report(ctx.session, ctx.today, ctx.settings.aging_buckets)
    keys: list[str] = report["buckets"]
    columns = ["total", *keys]
    if rt.args.json:
        out_json(report)
        return
    lines: list[list[Any]] = [
        [row["customer"], row["name"], *[row[k] for k in columns]] for row in report["customers"]
    ]
    total = report["total"]
    if rt.args.csv:
        # The csv module quotes what needs it; ``out`` keeps the text inert on a terminal.
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["customer", "name", *columns])
        for line in lines:
            writer.writerow([*line[:2], *[_money(v) for v in line[2:]]])
        writer.writerow(["", _("Total"), *[_money(total[k]) for k in columns]])
        out(buffer.getvalue())
        return
    table(
        [*lines, ["", _("Total"), *[total[k] for k in columns]]],
        [_("customer"), _("name"), _("total"), _("not due"), *keys[1:]],
    )
    dso = report["dso"]
    out(
        _("DSO: {days} days (receivables ÷ sales of the last {period} days × {period})").format(
            days=dso, period=report["dso_days"]
        )
        if dso is not None
        else _("DSO: no sales in the last {period} days").format(period=report["dso_days"])
    )


def register(commands: Subcommands) -> None:
    add_aging(commands)
