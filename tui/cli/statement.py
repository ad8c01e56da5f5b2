"""``statement CODE``: a customer's statement of account on ``--today`` (every open entry,
due or not, with the totals and days late): ``--text`` prints it, ``--out`` writes its PDF,
``--email`` sends it (outbox, then sent after the commit). Writing or sending keeps it as a
document; only reading it writes nothing. Rules in engine.documents.customer_letters."""

from __future__ import annotations

from engine.i18n import _
from tui.cli.options import Subcommands, command
from tui.cli.output import out
from tui.cli.runtime import Runtime


def add_statement(commands: Subcommands) -> None:
    p = command(
        commands,
        "statement",
        cmd_statement,
        _("a customer's statement of account: every open entry on --today, due or not"),
    )
    p.add_argument("code", help=_("customer code"))
    p.add_argument("--out", metavar="FILE.pdf", help=_("write its PDF to this file"))
    p.add_argument("--text", action="store_true", help=_("print its plain text"))
    p.add_argument("--email", action="store_true", help=_("e-mail it to the customer"))


def cmd_statement(rt: Runtime) -> None:
    from engine.documents.customer_letters import keep_statement, statement
    from engine.documents.produce import pending
    from tui.cli.letters import check_out_path, send_and_say, write_file

    a = rt.args
    target = check_out_path(a.out) if a.out else None  # refused before the database is opened
    if target is None and not a.email:  # reading only: nothing kept
        with rt.ctx(write=False) as ctx:
            made = statement(ctx, a.code)
        out(made.text)
        return
    channel = "both" if target is not None and a.email else "email" if a.email else "print"
    with rt.ctx() as ctx:
        made, produced = keep_statement(ctx, a.code, channel)
        if target is not None:
            write_file(target, produced.pdf)
        mailing = pending(ctx)
    if a.text:
        out(made.text)
    if target is not None:
        out(
            _("Statement of {code} written to {path} (document {id}).").format(
                code=made.code, path=target, id=produced.document_id
            )
        )
    if a.email:
        out(
            _("Statement of {code}: e-mail to {address} (document {id}).").format(
                code=made.code, address=made.recipient, id=produced.document_id
            )
        )
    send_and_say(rt, mailing)


def register(commands: Subcommands) -> None:
    add_statement(commands)
