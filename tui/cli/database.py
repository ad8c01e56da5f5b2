"""Making a database: ``init`` creates or upgrades it, ``demo`` fills it with demo data."""

from __future__ import annotations

import sys
from dataclasses import asdict

from engine.errors import UserError
from engine.i18n import _
from tui.cli.options import Subcommands, command
from tui.cli.output import out
from tui.cli.runtime import Runtime


def add_init(commands: Subcommands) -> None:
    command(commands, "init", cmd_init, _("create or upgrade the database"))


def cmd_init(rt: Runtime) -> None:
    from engine.bootstrap import initialize
    from models.db import schema_revision

    rt.ensure_parent()
    before = None
    if rt.path is None or rt.path.exists():
        rt.initialized()  # a folder, a text file or a damaged file: said in one line
        rt.require_writable()
        before = schema_revision(rt.engine)
    new = initialize(rt.engine, rt.login)
    after = schema_revision(rt.engine)
    if new:
        out(
            _("Database created at {url}; {login} is its first manager.").format(
                url=rt.safe_url, login=rt.login
            )
        )
    elif before is not None and before != after:
        out(
            _("Database {url} upgraded from schema version {before} to {after}.").format(
                url=rt.safe_url, before=before, after=after
            )
        )
    else:
        out(_("Database {url} is up to date.").format(url=rt.safe_url))


def add_demo(commands: Subcommands) -> None:
    p = command(commands, "demo", cmd_demo, _("fill the database with demo data"))
    p.add_argument("--size", default="small", help=_("small, large (100,000 dossiers) or N"))


def cmd_demo(rt: Runtime) -> None:
    size: str | int = rt.args.size
    if isinstance(size, str) and size.isdigit() and int(size) > 0:
        size = int(size)
    elif size not in ("small", "large"):
        raise UserError(
            _("Invalid size {value!r}: expected small, large or a number of dossiers.").format(
                value=size
            )
        )
    from engine.bootstrap import initialize
    from engine.demo import build_demo

    rt.ensure_parent()
    if rt.path is not None and rt.path.exists():
        rt.require_writable()
    if not rt.initialized():
        initialize(rt.engine, rt.login)
    report = build_demo(
        rt.engine,
        rt.login,
        rt.today,
        size,
        progress=lambda message: print(message, file=sys.stderr),
    )
    out(
        _(
            "Demo data: {customers} customers, {entries} entries, {dossiers} dossiers, "
            "{interventions} interventions in {seconds:.1f} s."
        ).format(**asdict(report))
    )


def register(commands: Subcommands) -> None:
    add_init(commands)
    add_demo(commands)
