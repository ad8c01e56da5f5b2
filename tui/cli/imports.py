"""Importing accounting entries: ``import csv`` and ``import fec`` (rules in
engine.csv_import and engine.fec_import)."""

from __future__ import annotations

import sys
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
    say_summary(report)
    say_computed(report)
    say_dossiers(report)


def say_summary(report: Any) -> None:
    """The first line of an import's report (CSV or FEC)."""
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


def say_computed(report: Any) -> None:
    """The due dates an import computed, the lines it skipped, the customers it changed."""
    if report.due_dates_computed:
        out(
            _("{n} due dates computed from payment terms (the file gave none).").format(
                n=report.due_dates_computed
            )
        )
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


def say_dossiers(report: Any) -> None:
    """The dossiers an import closed or reopened."""
    for label, numbers in (
        (pgettext("dossiers", "closed"), report.closed),
        (pgettext("dossiers", "reopened"), report.reopened),
    ):
        if numbers:
            out(f"{label}: {', '.join(numbers)}")


def add_fec(g: Subcommands) -> None:
    p = command(g, "fec", cmd_import_fec, _("import a FEC file (Fichier des Écritures Comptables)"))
    p.add_argument("file")
    json_flag(p)


class ProgressBar:
    """A bar on stderr while a file is read and written, when stderr is a terminal."""

    WIDTH = 30

    def __init__(self) -> None:
        self.shown = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        label = _("reading") if stage == "read" else _("writing")
        part = done / total if total else 1.0
        filled = int(part * self.WIDTH)
        text = f"\r{label:<8} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {part:4.0%}"
        if text != self.shown:
            self.shown = text
            sys.stderr.write(text)
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * (len(self.shown) - 1) + "\r")
            sys.stderr.flush()


def cmd_import_fec(rt: Runtime) -> None:
    from engine.fec_import import import_fec
    from engine.turns import TURN_WAIT

    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        with rt.ctx(wait=TURN_WAIT) as ctx:  # behind another import: wait, do not fail
            report = import_fec(ctx, Path(rt.args.file), bar)
    finally:
        if bar is not None:
            bar.close()
    if rt.args.json:
        out_json(asdict(report))
        return
    say_summary(report)
    if report.due_date_source == "payment_terms":
        out(_("Due dates: the file has none; piece date + the customer's payment terms."))
    else:
        out(_("Due dates: from the file's {column} column.").format(column=report.due_date_source))
    say_computed(report)
    if report.skipped_zero:
        out(
            ngettext(
                "{n} line skipped: debit and credit are both 0.",
                "{n} lines skipped: debit and credit are both 0.",
                report.skipped_zero,
            ).format(n=report.skipped_zero)
        )
    say_dossiers(report)
    if report.vanished:
        out(
            ngettext(
                "{n} entry imported before is no longer in this file (kept; check it in the "
                "accounting):",
                "{n} entries imported before are no longer in this file (kept; check them in "
                "the accounting):",
                len(report.vanished),
            ).format(n=len(report.vanished))
        )
        for item in report.vanished:
            amount = item["debit"] if item["debit"] != "0.00" else "-" + item["credit"]
            out(
                f"  #{item['id']} {item['customer']} {item['journal']} {item['number']} "
                f"{item['date']} {item['piece']} {amount} {item['label']}"
            )


def register(commands: Subcommands) -> None:
    g = group(commands, "import", _("import accounting entries"))
    add_csv(g)
    add_fec(g)
