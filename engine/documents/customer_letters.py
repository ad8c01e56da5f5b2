"""Letters to a customer outside any dossier: the preventive reminder (avis d'échéance) of
its proposed invoices, and its statement of account (relevé de compte).

- :func:`send_reminders`: the day's preventive reminders (engine.reminders.send) with
  their letters made: one per customer (template ``avis_echeance``, the company's
  ``document_language``) listing that customer's proposed invoices, kept as a ``Document``
  (kind "reminder", no dossier) that the reminded entries point to. Printed, every
  customer's letter goes in ONE PDF written in the folder given (``avis-echeance-<day>.pdf``,
  never over an existing file); e-mailed, one message per customer to its main contact
  (its first contact) when it has an address, else the customer's, else another
  contact's, written to the outbox and sent after the commit (engine.documents.produce).
  Each document's own PDF is cut from one layout of the run's letters.
- :func:`statement`: a customer's statement on the business day (template ``releve``):
  every entry open on that day, due or not, with its days late and the totals. Reading it
  writes nothing; :func:`keep_statement` keeps it as a ``Document`` (kind "statement")
  to print or e-mail.

Storing the documents, the outbox and sending after the commit are produce.py's
(:func:`engine.documents.produce.keep_customer_letter`, ``pending``,
``send_after_commit``); this module chooses the customer's entries and recipient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from engine.access import require_write
from engine.context import Ctx
from engine.documents.context import customer_context
from engine.documents.letter import Letter
from engine.documents.produce import (
    EMAIL_CHANNELS,
    Mailing,
    Produced,
    Toolkit,
    attach_pdf,
    keep_customer_letter,
    pending,
    toolkit,
    write_pdf_file,
)
from engine.dossiers import find_customer
from engine.errors import UserError
from engine.i18n import _
from engine.reminders import Sent, send
from models.tables import Contact, Customer

REMINDER_TEMPLATE = "avis_echeance"
STATEMENT_TEMPLATE = "releve"
REMINDERS_FILE = "avis-echeance-{day}"  # the printed reminders of a day, in one PDF


def email_recipient(ctx: Ctx, customer_id: int) -> str:
    """Where a customer's reminder or statement is e-mailed: its main contact (the first
    one, as the letter's "for the attention of") when that contact has an address, else
    the customer's own, else another contact's; "" when none has one."""
    customer = ctx.session.get(Customer, customer_id)
    assert customer is not None
    contacts = ctx.session.exec(
        select(Contact.email).where(Contact.customer_id == customer_id).order_by(col(Contact.id))
    ).all()
    first = contacts[0].strip() if contacts else ""
    others = [address.strip() for address in contacts[1:] if address.strip()]
    return first or customer.email.strip() or (others[0] if others else "")


def compose_for_customer(
    ctx: Ctx, customer_id: int, template: str, entry_ids: list[int] | None, tools: Toolkit
) -> tuple[Letter, int, str]:
    """The letter ``template`` to a customer on the business day, in ``document_language``
    (``entry_ids`` None: every entry open that day)."""
    language = str(ctx.settings.document_language)
    context = customer_context(ctx, customer_id, ctx.today, language, entry_ids)
    letter, version = tools.compose(ctx, template, language, context)
    return letter, version, language


# -- preventive reminders


def each_pdf(tools: Toolkit, letters: list[Letter]) -> list[bytes]:
    """A PDF of its own for each letter: with the real toolkit cut from one layout of the
    batch (``pdf.each_letter_pdf``: the fonts are subset once, not once per letter)."""
    from engine.documents import pdf

    if tools.pdf is pdf.letters_pdf:
        return pdf.each_letter_pdf(letters)
    return [tools.pdf([letter]) for letter in letters]


@dataclass(frozen=True)
class _Made:
    document_id: int
    letter: Letter
    reference: str


class ReminderLetters:
    """The ``ReminderProducer`` of engine.reminders: each customer's letter kept as a
    Document; their PDFs made together once all are composed (:meth:`finish`)."""

    def __init__(self, tools: Toolkit | None = None) -> None:
        self.tools = toolkit(tools)
        self.made: list[_Made] = []

    def __call__(
        self, ctx: Ctx, customer_id: int, entry_ids: list[int], channel: str, out_dir: Path | None
    ) -> int:
        customer = ctx.session.get(Customer, customer_id)
        assert customer is not None
        letter, version, language = compose_for_customer(
            ctx, customer_id, REMINDER_TEMPLATE, list(entry_ids), self.tools
        )
        recipient = email_recipient(ctx, customer_id) if channel in EMAIL_CHANNELS else ""
        produced = keep_customer_letter(
            ctx,
            customer_id=customer_id,
            kind="reminder",
            template=REMINDER_TEMPLATE,
            version=version,
            language=language,
            day=ctx.today,
            channel=channel,
            letter=letter,
            recipient=recipient,
            reference=customer.code,
            tools=self.tools,
            pdf_later=True,
        )
        self.made.append(_Made(produced.document_id, letter, customer.code))
        return produced.document_id

    def finish(self, ctx: Ctx) -> list[Letter]:
        """Each letter's PDF kept with its document (and its e-mail written to the
        outbox); returns the letters, in order."""
        letters = [item.letter for item in self.made]
        for item, pdf in zip(self.made, each_pdf(self.tools, letters), strict=True):
            attach_pdf(ctx, item.document_id, item.letter, pdf, item.reference, self.tools)
        return letters


@dataclass
class ReminderRun:
    """What ``send_reminders`` did: each customer's outcome, the PDF written (print), and
    the e-mails to send once the unit of work is committed (``produce.send_after_commit``)."""

    results: list[Sent]
    path: Path | None = None
    mailing: Mailing = field(default_factory=lambda: Mailing((), None))


def check_folder(value: Path | str | None, option: str = "--out") -> Path:
    """The folder the printed reminders go to: it must exist."""
    text = str(value or "").strip()
    folder = Path(text).expanduser()
    if not text or not folder.is_dir():
        raise UserError(
            _(
                "Invalid {option} {value!r}: expected an existing folder to write the PDF in."
            ).format(option=option, value=text)
        )
    return folder


def free_name(folder: Path, stem: str) -> Path:
    """``stem.pdf`` in ``folder``, else ``stem-2.pdf``, ``stem-3.pdf``…: a file already
    there (an earlier run of the same day) is never overwritten."""
    path = folder / f"{stem}.pdf"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.pdf"
        n += 1
    return path


def send_reminders(
    ctx: Ctx,
    channel: str,
    out_dir: Path | str | None = None,
    *,
    selection: Mapping[int, Sequence[int]] | None = None,
    tools: Toolkit | None = None,
) -> ReminderRun:
    """The day's preventive reminders by ``channel`` (print, email or mark), one letter
    per customer, recorded in the caller's unit of work (engine.reminders.send). Print:
    all the letters in one PDF in ``out_dir``, written last (a failure before writes
    nothing). Email: the messages wait in the outbox; send them after the commit with
    ``produce.send_after_commit(write, run.mailing)``."""
    require_write(ctx.actor)
    folder = check_folder(out_dir) if channel == "print" else None
    producer = ReminderLetters(tools)
    results = send(ctx, channel, folder, produce=producer, selection=selection)
    run = ReminderRun(results)
    letters = producer.finish(ctx)
    if letters and channel == "print":
        assert folder is not None
        run.path = free_name(folder, REMINDERS_FILE.format(day=ctx.today.isoformat()))
        write_pdf_file(run.path, producer.tools.pdf(letters))
    run.mailing = pending(ctx, producer.tools)
    return run


# -- statements


@dataclass(frozen=True)
class Statement:
    """A customer's statement on the business day, not kept."""

    customer_id: int
    code: str
    name: str
    letter: Letter
    version: int
    language: str
    text: str
    recipient: str  # where --email would send it ("" when there is no address)


def statement(ctx: Ctx, code: str, tools: Toolkit | None = None) -> Statement:
    """The statement of customer ``code`` on the business day: every entry open that day,
    due or not, with the totals and days late. Nothing is written."""
    tools = toolkit(tools)
    customer = find_customer(ctx.session, code)
    assert customer.id is not None
    letter, version, language = compose_for_customer(
        ctx, customer.id, STATEMENT_TEMPLATE, None, tools
    )
    return Statement(
        customer.id,
        customer.code,
        customer.name,
        letter,
        version,
        language,
        tools.text(letter),
        email_recipient(ctx, customer.id),
    )


def no_email(code: str, name: str) -> UserError:
    return UserError(
        _(
            "Customer {code} ({name}) has no e-mail address, nor has any of its contacts: add "
            "one with `contacts add {code} --name NAME --email ADDRESS` or `customers edit "
            "{code} --email ADDRESS`."
        ).format(code=code, name=name)
    )


def keep_statement(
    ctx: Ctx, code: str, channel: str = "print", tools: Toolkit | None = None
) -> tuple[Statement, Produced]:
    """The statement of customer ``code`` kept as a Document (kind "statement"), by
    ``channel``: print (its PDF kept, to write to a file), email or both (the e-mail in
    the outbox, sent after the commit). A customer without an e-mail address is refused
    for email and both, and nothing is written."""
    require_write(ctx.actor)
    tools = toolkit(tools)
    made = statement(ctx, code, tools)
    if channel in EMAIL_CHANNELS and not made.recipient:
        raise no_email(made.code, made.name)
    produced = keep_customer_letter(
        ctx,
        customer_id=made.customer_id,
        kind="statement",
        template=STATEMENT_TEMPLATE,
        version=made.version,
        language=made.language,
        day=ctx.today,
        channel=channel,
        letter=made.letter,
        recipient=made.recipient,
        reference=made.code,
        tools=tools,
    )
    return made, produced
