"""Launching the TUI: ``rcv`` with global options only is recognised before the full command
parser is built, the start-up process is forked, and the app runs.

``RECOUVREMENT_PREFETCH=0`` (or ``no``, ``off``, ``false``) turns the start-up process off:
the command line's checks run first, in this process, and the list reads its first screen
itself (slower to paint; for a platform without ``fork`` or to rule the prefetch out when
looking for a bug). Either way a database that cannot be used, or a login it refuses, gets
the command line's message and exit status 2.

The command line's pieces (``Runtime``, ``acting``…) are imported inside the functions:
``tui.cli`` imports this module.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, NoReturn

from engine.errors import UserError
from tui.startup.messages import Fatal
from tui.startup.prefetch import Prefetch, Send

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tui.cli.runtime import Runtime

PREFETCH_ENV = "RECOUVREMENT_PREFETCH"


def prefetch_on() -> bool:
    """Whether the TUI starts in two processes (``RECOUVREMENT_PREFETCH``, on by default)."""
    value = os.environ.get(PREFETCH_ENV, "").strip().lower()
    return value not in ("0", "no", "off", "false")


class _NotTheTui(Exception):
    pass


class _GlobalOptions(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheTui(message)


def tui_invocation(argv: list[str]) -> argparse.Namespace | None:
    """The global options and nothing else: the TUI. Recognised without building the whole
    command parser, so the start-up process forks as early as it can; any other command
    line, or a mistake in it, goes to the full parser."""
    from tui.cli.options import add_global_options

    parser = _GlobalOptions(prog="recouvrement", add_help=False)
    add_global_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotTheTui:
        return None
    return None if rest else args


def check(rt: Runtime) -> None:
    """The command line's checks for the TUI: the database exists and is initialised, and
    the login is one it allows (a UserError saying why not)."""
    with rt.ctx(write=False):  # require_initialized, then Ctx.load authenticates
        pass


def cmd_tui(rt: Runtime) -> None:
    """The TUI in one process (start-up process off, or none could be started): the command
    line's checks first, then the list reads its first screen itself."""
    import tui.app

    check(rt)
    tui.app.run_app(rt.engine, rt.login, rt.today)


def prefetch_first_screen(args: argparse.Namespace, send: Send) -> None:
    """In the start-up process: check the database as every command does, then read what
    the dossier list shows first — with the database driver alone when it can decide
    (tui.startup.driver), else the command line's way (its refusals, then the engine)."""
    from tui.cli.runtime import acting
    from tui.startup.driver import checked
    from tui.startup.first_screen import first_screen, read_first_screen

    login, today = acting(args)
    with checked(args.db, login) as driver:
        if driver is not None:
            read_first_screen(driver, today, send)
            return
    from engine.db_errors import user_message
    from tui.cli.runtime import Runtime

    try:
        rt = Runtime(args)
        check(rt)
    except UserError as exc:
        send(Fatal(exc.message))
        return
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        send(Fatal(message))
        return
    with rt.ctx(write=False) as ctx:
        first_screen(ctx, send)


def run_tui(args: argparse.Namespace) -> int:
    """The TUI, started in two processes so the dossier list shows sooner (unless
    ``RECOUVREMENT_PREFETCH=0``); the exit status."""
    from tui.cli.output import EXIT_BAD_INPUT, err
    from tui.cli.runtime import Runtime, acting

    login, today = acting(args)
    prefetch = None
    if prefetch_on():
        prefetch = Prefetch.start(lambda send: prefetch_first_screen(args, send))
    if prefetch is None:
        cmd_tui(Runtime(args))
        return 0
    import tui.app  # after the fork: the start-up process has no use for Textual

    def connect() -> Engine:
        """The parent's engine, made by its first read (in a worker), after the same checks:
        connecting to a SQLite path that does not exist would create an empty file there."""
        rt = Runtime(args)
        rt.require_initialized()
        engine: Engine = rt.engine
        return engine

    fatal = tui.app.run_app(connect, login, today, prefetch)
    if fatal:
        err(fatal)
        return EXIT_BAD_INPUT
    return 0
