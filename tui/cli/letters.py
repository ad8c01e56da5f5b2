"""Letters of the scenario steps: ``letter ID`` (the document of an intervention) and
``letters`` (the day's letters in one PDF to print, then marked done); the e-mails a
command wrote to the outbox are sent once its transaction is committed (rules in
engine.documents.produce)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engine.errors import UserError
from engine.i18n import _
from tui.cli.options import Subcommands, command, date_type, id_type
from tui.cli.output import err, out, table
from tui.cli.runtime import Runtime

if TYPE_CHECKING:
    from engine.context import Ctx
    from engine.documents.produce import Mailing

T = TypeVar("T")


def writer(rt: Runtime) -> Callable[[Callable[[Ctx], T]], T]:
    """Runs engine work in a unit of work of its own (the outcome of the e-mails)."""

    def write(work: Callable[[Ctx], T]) -> T:
        with rt.ctx() as ctx:
            return work(ctx)

    return write


def send_and_say(rt: Runtime, mailing: Mailing) -> None:
    """Send what the committed command wrote to the outbox; say what was not sent."""
    from engine.documents.produce import send_after_commit, sent_summary

    if not mailing.items:
        return
    deliveries = send_after_commit(writer(rt), mailing)
    sent = sum(1 for item in deliveries if not item.error)
    if sent:
        out(_("{count} e-mail(s) sent.").format(count=sent))
    for line in sent_summary(mailing, deliveries):
        err(line)


def check_out_path(value: str) -> Path:
    from engine.documents.produce import check_pdf_path

    return check_pdf_path(value, "--out")


def write_file(path: Path, data: bytes) -> None:
    from engine.documents.produce import write_pdf_file

    write_pdf_file(path, data)


# -- letter ID


def add_letter(commands: Subcommands) -> None:
    p = command(
        commands,
        "letter",
        cmd_letter,
        _("the letter of an intervention (made again if missing)"),
    )
    p.add_argument("id", type=id_type(_("intervention id")))
    p.add_argument("--out", help=_("write its PDF to this file"))
    p.add_argument("--text", action="store_true", help=_("print its plain text"))


def cmd_letter(rt: Runtime) -> None:
    from engine.documents.produce import document_for_intervention, letter_of
    from engine.reads.documents import DocumentView, document_pdf, document_view

    a = rt.args
    target = check_out_path(a.out) if a.out else None
    with rt.ctx(write=False) as ctx:
        found = document_for_intervention(ctx, a.id)
        ident = found.id if found is not None else None
    made = ident is None
    if ident is None:  # made again (a write), only when missing
        with rt.ctx() as ctx:
            ident = letter_of(ctx, a.id).id
    assert ident is not None
    with rt.ctx(write=False) as ctx:
        view: DocumentView = document_view(ctx.session, ident)
        pdf = document_pdf(ctx.session, ident) if target is not None and view.has_pdf else None
    if target is not None:
        if pdf is None:
            raise UserError(_("Document {id} has no PDF.").format(id=ident))
        write_file(target, pdf)
        out(_("Letter of intervention {id} written to {path}.").format(id=a.id, path=target))
    if a.text:
        out(view.text)
    if target is None and not a.text:
        _describe(view, made)


def _describe(view: Any, made: bool) -> None:
    if made:
        out(_("Letter made again (document {id}).").format(id=view.id))
    out(
        _(
            "Document {id}: {template} ({language}, version {version}) of {day}, dossier "
            "{dossier}, channel {channel}, by {login}."
        ).format(
            id=view.id,
            template=view.template,
            language=view.language,
            version=view.template_version,
            day=view.day,
            dossier=view.dossier or "-",
            channel=view.channel,
            login=view.created_by,
        )
    )
    out(view.subject)  # its object line, as the letter has it ("Objet : …")
    if view.recipient:
        out(
            _("E-mail to {recipient}: {status}.").format(
                recipient=view.recipient, status=email_status(view.email_status)
            )
        )
        if view.email_error:
            out(view.email_error)
    out(_("Print it with --out FILE.pdf, read it with --text."))


def email_status(status: str) -> str:
    return {
        "outbox": _("in the outbox"),
        "sent": _("sent"),
        "failed": _("failed"),
    }.get(status, status or "-")


# -- letters


def add_letters(commands: Subcommands) -> None:
    p = command(
        commands,
        "letters",
        cmd_letters,
        _("the letters due on a day in one PDF to print, then marked done"),
    )
    p.add_argument("--date", type=date_type("--date"), help=_("letters planned on or before"))
    p.add_argument("--agent")
    p.add_argument("--out", required=True, help=_("the PDF file to write"))
    p.add_argument(
        "--done",
        action="store_true",
        help=_("mark the printed letters done without asking (scripts)"),
    )


def confirm_printed(count: int) -> bool:
    """Asked on a terminal only; a script says ``--done``."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    sys.stdout.write(_("Printed? Mark the {count} letters done [y/N] ").format(count=count))
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes", "o", "oui")


def cmd_letters(rt: Runtime) -> None:
    from engine.documents.produce import day_letters, mark_batch, pending

    a = rt.args
    target = check_out_path(a.out)
    until = a.date or rt.today
    with rt.ctx(write=False) as ctx:
        day = day_letters(ctx, until, a.agent)
    due, printed, emailed = day.due, day.printed, day.emailed
    if not due:
        out(_("No letter due on or before {day}.").format(day=until))
        return
    if day.pdf is not None:
        write_file(target, day.pdf)
    rows = [
        (
            item.planned,
            item.intervention_id,
            item.dossier,
            item.customer,
            item.step,
            _("e-mail to {address}").format(address=item.recipient)
            if item.channel == "email"
            else _("printed"),
        )
        for item in due
    ]
    table(rows, [_("planned"), _("id"), _("dossier"), _("customer"), _("step"), _("letter")])
    if emailed:
        with rt.ctx() as ctx:
            mark_batch(ctx, emailed, "email")
            mailing = pending(ctx)
        out(_("{count} e-mail step(s) marked done.").format(count=len(emailed)))
        send_and_say(rt, mailing)
    if not printed:
        return
    out(_("{count} letter(s) written to {path}.").format(count=len(printed), path=target))
    if a.done or confirm_printed(len(printed)):
        with rt.ctx() as ctx:
            mark_batch(ctx, printed, "print")
        out(_("{count} letter step(s) marked done.").format(count=len(printed)))
    else:
        out(
            _(
                "Not marked done: once printed, run the same command with --done (or answer "
                "y on a terminal)."
            )
        )


def register(commands: Subcommands) -> None:
    add_letter(commands)
    add_letters(commands)
