"""The parts every command's declaration uses: the parser that reports a mistake in one line,
the global options, the option types (dates, amounts, ids) and the helpers that add a group,
a command and ``--json``. Each command module declares its own options with these, beside
its handlers."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from engine.errors import UserError
from engine.i18n import _
from engine.inert import inert
from engine.parsing import MAX_ID, parse_amount, parse_date
from tui.cli.output import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from tui.cli.runtime import Runtime

    Handler: TypeAlias = Callable[[Runtime], None]


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, inert(f"{self.prog}: {message}") + "\n")


# The commands of the parser or of a group, to which a command or a group is added.
Subcommands: TypeAlias = "argparse._SubParsersAction[Parser]"


def date_type(what: str) -> Callable[[str], dt.date]:
    def parse(value: str) -> dt.date:
        try:
            return parse_date(value, what)
        except UserError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


def amount_type(what: str) -> Callable[[str], Decimal]:
    """An amount option: finite, 0.01 or more (a promise of nothing is no promise)."""

    def parse(value: str) -> Decimal:
        try:
            return parse_amount(value, what, minimum=Decimal("0.01"))
        except UserError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


def id_type(what: str) -> Callable[[str], int]:
    """A record id: a whole number from 1 to 2^31 - 1 (larger ones cannot exist)."""

    def parse(value: str) -> int:
        text = value.strip()
        if text.isdigit() and 1 <= int(text) <= MAX_ID:
            return int(text)
        raise argparse.ArgumentTypeError(
            _("Invalid {what} {value!r}: expected a whole number from 1 to {max}.").format(
                what=what, value=value, max=MAX_ID
            )
        )

    return parse


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=_("SQLAlchemy URL or SQLite file (env RECOUVREMENT_DB)"))
    parser.add_argument("--user", help=_("who acts (env RECOUVREMENT_USER; default: OS login)"))
    parser.add_argument(
        "--today",
        type=date_type("--today"),
        help=_("business day YYYY-MM-DD (env RECOUVREMENT_TODAY)"),
    )
    parser.add_argument("--lang", choices=("en", "fr"), help=_("interface language"))


def command(parent: Subcommands, name: str, func: Handler, help_: str) -> Parser:
    """Add the command ``name``, run by ``func``; its options are added to what it returns."""
    sub = parent.add_parser(name, help=help_, description=help_)
    sub.set_defaults(func=func)
    return sub


def group(commands: Subcommands, name: str, help_: str) -> Subcommands:
    """Add the group ``name`` (``dossier``, ``users``…), whose commands are added to what it
    returns; the group alone is a usage mistake."""
    sub = commands.add_parser(name, help=help_, description=help_)
    sub.set_defaults(func=lambda rt: sub.error(_("expected a subcommand")))
    return sub.add_subparsers(dest="sub", parser_class=Parser, metavar="SUBCOMMAND")


def json_flag(p: Parser) -> Parser:
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    return p
