"""Importing accounting entries: ``import csv`` (rules in engine.csv_import)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.i18n import _, ngettext, pgettext
from tui.cli.options import Subcommands, command, group, json_flag
from tui.cli.output import out, out_json
from tui.cli.runtime import Runtime


def add_csv(g: Subcommands) -> None:
    p = command(g, "csv", cmd_import_csv, _("import entries from a CSV file"))
    p.add_argument("file")
    p.add_argument("--mapping", help=_("TOML file mapping columns"))
    json_flag(p)


def cmd_import_csv(rt: Runtime) -> None:
    from engine.csv_import import import_csv
    from engine.turns import TURN_WAIT

    mapping = Path(rt.args.mapping) if rt.args.mapping else None
    with rt.ctx(wait=TURN_WAIT) as ctx:  # behind another import: wait, do not fail
        report = import_csv(ctx, Path(rt.args.file), mapping)
    if rt.args.json:
        out_json(asdict(report))
        return
    out(
        _(
            "{file}: {lines} lines, {added} added, {updated} updated, {unchanged} unchanged; "
            "{customers} customers created."
        ).format(
            file=report.file,
            lines=report.lines,
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            customers=report.customers_created,
        )
    )
    if report.due_dates_computed:
        out(
            _("{n} due dates computed from payment terms (the file gave none).").format(
                n=report.due_dates_computed
            )
        )
    import_notes(report)
    for label, numbers in (
        (pgettext("dossiers", "closed"), report.closed),
        (pgettext("dossiers", "reopened"), report.reopened),
    ):
        if numbers:
            out(f"{label}: {', '.join(numbers)}")


def import_notes(report: Any) -> None:
    """What ``import csv`` says about the lines it skipped and the customers it changed."""

    if report.skipped_accounts:
        out(
            ngettext(
                "{n} line skipped: its account is not a customer account.",
                "{n} lines skipped: their account is not a customer account.",
                report.skipped_accounts,
            ).format(n=report.skipped_accounts)
        )
    if report.customers_updated:
        out(
            ngettext(
                "{n} customer's consumer flag changed.",
                "{n} customers' consumer flag changed.",
                report.customers_updated,
            ).format(n=report.customers_updated)
        )


def register(commands: Subcommands) -> None:
    g = group(commands, "import", _("import accounting entries"))
    add_csv(g)
