"""Importing accounting entries: ``import csv`` and ``import fec`` (rules in
engine.csv_import and engine.fec_import)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.i18n import _
from engine.import_report import report_lines, stage_label
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
    say_report(report)


def say_report(report: Any) -> None:
    """An import's report, a sentence a line (engine.import_report, as the TUI shows it)."""
    for line in report_lines(report):
        out(line)


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
        label = stage_label(stage)
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
    say_report(report)


def register(commands: Subcommands) -> None:
    g = group(commands, "import", _("import accounting entries"))
    add_csv(g)
    add_fec(g)
