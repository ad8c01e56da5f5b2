"""The command line: the same engine as the TUI, for scripts and SSH.

One module per command group (``dossiers``, ``interventions``, ``customers``…), each
declaring its commands' options beside their handlers and adding them with ``register``;
``options`` holds what the declarations share, ``output`` how commands print, ``runtime`` the
database and the transaction a command runs in. Global options alone start the TUI (the
launch code below, kept in one place).

Bad input prints one clear message on stderr and exits with status 2; nothing is written,
because every command is one transaction that rolls back on any error.

Importing this module loads neither the database layer nor the command modules: the TUI
starts without them (tests/test_tui_prefetch.py checks it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from engine.errors import UserError
from engine.i18n import _, set_language
from tui.cli.options import Parser, add_global_options
from tui.cli.output import EXIT_BAD_INPUT, err
from tui.cli.runtime import Runtime, acting

# ---------------------------------------------------------------------------------------
# Starting the TUI


def cmd_tui(rt: Runtime) -> None:
    """The TUI where a second process cannot be started (see run_tui)."""
    from tui.app import run_app

    rt.require_initialized()
    run_app(rt.engine, rt.login, rt.today)


def prefetch_first_screen(args: argparse.Namespace, send: Callable[[dict[str, Any]], None]) -> None:
    """In the start-up process (tui.prefetch): check the database as every command does,
    then read what the dossier list shows first."""
    from engine.db_errors import user_message

    try:
        rt = Runtime(args)
        rt.require_initialized()
    except UserError as exc:
        send({"fatal": exc.message})
        return
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        send({"fatal": message})
        return
    from tui.first_screen import first_screen

    with rt.ctx(write=False) as ctx:
        first_screen(ctx, send)


def run_tui(args: argparse.Namespace) -> int:
    """The TUI, started in two processes so the dossier list shows sooner (tui.prefetch)."""
    from tui.prefetch import Prefetch

    login, today = acting(args)
    prefetch = Prefetch.start(lambda send: prefetch_first_screen(args, send))
    if prefetch is None:
        cmd_tui(Runtime(args))
        return 0
    from tui.app import run_app

    def connect() -> Any:
        """The parent's engine, made by its first read (in a worker), after the same checks:
        connecting to a SQLite path that does not exist would create an empty file there."""
        rt = Runtime(args)
        rt.require_initialized()
        return rt.engine

    fatal = run_app(connect, login, today, prefetch)
    if fatal:
        err(fatal)
        return EXIT_BAD_INPUT
    return 0


class _NotTheTui(Exception):
    pass


class _GlobalOptions(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheTui(message)


def tui_invocation(argv: list[str]) -> argparse.Namespace | None:
    """The global options and nothing else: the TUI. Recognised without building the whole
    command parser, so the start-up process (tui.prefetch) forks as early as it can; any
    other command line, or a mistake in it, goes to the full parser."""
    parser = _GlobalOptions(prog="recouvrement", add_help=False)
    add_global_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotTheTui:
        return None
    return None if rest else args


# ---------------------------------------------------------------------------------------
# The parser and the entry point


def build_parser() -> Parser:
    from tui.cli import (
        customers,
        database,
        dossiers,
        imports,
        interventions,
        reference,
        scenarios,
        settings,
        users,
        worklist,
    )

    parser = Parser(prog="recouvrement", description=_("Collection of overdue invoices."))
    add_global_options(parser)
    parser.set_defaults(func=cmd_tui)
    commands = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    # In this order in ``--help``.
    for module in (
        database,  # init, demo
        settings,
        imports,
        users,
        customers,  # customers, entry
        dossiers,
        interventions,
        worklist,  # actions, run
        scenarios,
        reference,  # rates, risks
    ):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    set_language(os.environ.get("RECOUVREMENT_LANG") or None)
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv[:-1]:
        set_language(argv[argv.index("--lang") + 1])
    try:
        tui = tui_invocation(argv)
        if tui is not None:
            return run_tui(tui)
        args = build_parser().parse_args(argv)
        if args.func is cmd_tui:
            return run_tui(args)
        rt = Runtime(args)
        args.func(rt)
        return 0
    except UserError as exc:
        err(exc.message)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`rcv dossier list | head`): not an error worth a word.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except Exception as exc:
        from engine.db_errors import user_message
        from tui.crash import crash_summary, log_crash

        message = user_message(exc)  # never the statement nor its values
        if message is not None:
            err(message)
            return EXIT_BAD_INPUT
        path = log_crash(exc)
        err(
            _("Unexpected error: {error} (details in {path}).").format(
                error=crash_summary(exc), path=path
            )
        )
        return 1
