"""The command line: the same engine as the TUI, for scripts and SSH.

One module per command group (``dossiers``, ``interventions``, ``customers``…), each
declaring its commands' options beside their handlers and adding them with ``register``;
``options`` holds what the declarations share, ``output`` how commands print, ``runtime`` the
database and the transaction a command runs in. Global options alone start the TUI
(``tui.startup.launch``).

Bad input prints one clear message on stderr and exits with status 2; nothing is written,
because every command is one transaction that rolls back on any error.

Importing this module loads neither the database layer nor the command modules: the TUI
starts without them (tests/test_tui_prefetch.py checks it).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence

from engine.errors import UserError
from engine.i18n import _, current_language, set_language
from tui.cli.options import Parser, add_global_options
from tui.cli.output import EXIT_BAD_INPUT, err
from tui.cli.runtime import Runtime
from tui.startup.launch import cmd_tui, run_tui, tui_invocation


def build_parser() -> Parser:
    """The parser in the current language (its help texts are translated as it is built)."""
    return _parser_in(current_language())


# Built once per language: building costs ~30 ms (argparse looks up its own texts'
# translations on disk for every option), more than most commands take, which a process
# running many commands (the test suite, a script through ``main``) pays every time.
# Parsing leaves the parser as it was.
@functools.lru_cache(maxsize=2)
def _parser_in(language: str) -> Parser:
    from tui.cli import (
        aging,
        contacts,
        customers,
        database,
        dossiers,
        exports,
        imports,
        interventions,
        lettering,
        letters,
        outbox,
        reference,
        reminders,
        scenarios,
        settings,
        statement,
        templates,
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
        contacts,
        dossiers,
        interventions,
        worklist,  # actions, run
        scenarios,
        reference,  # rates, risks
        reminders,
        templates,
        letters,  # letter, letters
        outbox,
        statement,
        aging,
        exports,  # export charges
        lettering,
    ):
        module.register(commands)
    return parser


GLOBAL_WITH_VALUE = ("--db", "--user", "--today", "--lang")


def _interface_language(argv: list[str]) -> str | None:
    """The interface's ``--lang``, among the global options before the command: a
    command's own ``--lang`` (``templates export NAME --lang en``: the template's
    language) is not the language its messages are in."""
    index = 0
    while index < len(argv) and argv[index].startswith("--"):
        option, _sep, value = argv[index].partition("=")
        if option == "--lang":
            return value or (argv[index + 1] if index + 1 < len(argv) else None)
        index += 1 if "=" in argv[index] or option not in GLOBAL_WITH_VALUE else 2
    return None


def main(argv: Sequence[str] | None = None) -> int:
    set_language(os.environ.get("RECOUVREMENT_LANG") or None)
    argv = list(sys.argv[1:] if argv is None else argv)
    language = _interface_language(argv)
    if language:
        set_language(language)
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
