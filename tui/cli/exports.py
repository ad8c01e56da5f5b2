"""Exporting to the accounting: ``export charges`` (rules in engine.charges_export)."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.errors import UserError
from engine.i18n import _, ngettext
from tui.cli.options import Subcommands, command, date_type, group
from tui.cli.output import out
from tui.cli.runtime import Runtime


def add_charges(g: Subcommands) -> None:
    p = command(
        g,
        "charges",
        cmd_export_charges,
        _("the fees, penalties and indemnities to book in the accounting"),
    )
    p.add_argument("--since", type=date_type("--since"), help=_("only charges dated on or after"))
    p.add_argument("--format", default="csv", help=_("csv (imports back with import csv) or fec"))
    p.add_argument("--out", metavar="FILE", help=_("write to this new file (default: stdout)"))
    p.add_argument("--again", action="store_true", help=_("the charges already exported too"))


def _write_new(path: Path, text: str) -> None:
    """A new file only: overwriting an earlier export would lose charges it held, since they
    are not exported again."""
    try:
        with path.open("x", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except FileExistsError:
        raise UserError(
            _(
                "File {path} already exists: expected a new file (the charges it holds are "
                "not exported again unless --again)."
            ).format(path=str(path))
        ) from None
    except OSError as exc:
        raise UserError(
            _("Cannot write {path}: {reason}.").format(path=str(path), reason=exc.strerror or exc)
        ) from None


def cmd_export_charges(rt: Runtime) -> None:
    from engine.charges_export import export_charges, parse_format
    from engine.inert import inert

    fmt = parse_format(rt.args.format)  # refused before the database is opened
    path = Path(rt.args.out) if rt.args.out else None
    with rt.ctx() as ctx:
        result = export_charges(ctx, since=rt.args.since, fmt=fmt, again=rt.args.again)
        if path is not None:
            # Inside the unit of work: a file that cannot be written marks nothing exported.
            _write_new(path, result.text)
    if path is None:
        # The file's bytes for a pipe; shown inert on a terminal.
        text = result.text
        sys.stdout.write(inert(text, multiline=True) if sys.stdout.isatty() else text)
        return
    out(
        ngettext(
            "{n} charge ({total}) exported to {path}.",
            "{n} charges ({total}) exported to {path}.",
            result.count,
        ).format(n=result.count, total=format(result.total, ".2f"), path=str(path))
    )


def register(commands: Subcommands) -> None:
    g = group(commands, "export", _("export to the accounting"))
    add_charges(g)
