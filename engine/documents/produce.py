"""A step's letter: made when the step is marked done, kept in the ``document`` table, and
e-mailed once the transaction that made it is committed.

- :func:`produce_for_intervention`: the step's template rendered for the dossier on the
  done day in the company's ``document_language``, as PDF and plain text; for the channels
  ``email`` and ``both`` an e-mail to the dossier's main contact (else the customer)
  written to the outbox. One ``Document`` row, in the caller's transaction: a template that
  does not render refuses the whole change.
- :func:`send_after_commit`: sends the e-mails a unit of work wrote to the outbox, after
  it is committed (a transaction is never held open across SMTP), and records "sent" or
  "failed" with the reason in a short unit of its own. With no ``smtp_host`` they stay in
  the outbox, status "outbox".
- :func:`redeliver`: an e-mail document sent again; :func:`letter_of`: the document of an
  intervention, made again when missing (``letter ID``).

The outputs (context, templates, PDF, text, e-mail) are reached through a
:class:`Toolkit`, so that tests of the flow can give small fakes in their place.
"""

from __future__ import annotations

import datetime as dt
import email
import email.parser
import email.policy
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import col, select

from engine.access import require_dossier_write, require_write
from engine.context import Ctx
from engine.documents.letter import Letter
from engine.errors import NotFound, UserError
from engine.history import now
from engine.i18n import _
from engine.reads.documents import DueLetter
from models.tables import Contact, Customer, Document, Dossier, Intervention, ScenarioStep

CHANNELS = ("print", "email", "both")  # a step's letter; "mark" is for reminders only
EMAIL_CHANNELS = ("email", "both")
DOCUMENT_HEADER = "X-Recouvrement-Document"  # the document id, to find its .eml again
SENT_FOLDER = "sent"
PENDING_KEY = "documents.outgoing"  # session.info: the e-mails this unit of work wrote

T = TypeVar("T")
Runner = Callable[[Callable[[Ctx], T]], T]  # runs work in a unit of work that commits


@dataclass(frozen=True)
class Toolkit:
    """Where letters are made: context, composition, PDF, text, e-mail."""

    context: Callable[[Ctx, int, dt.date, str], Any]
    compose: Callable[[Ctx, str, str, Any], tuple[Letter, int]]
    pdf: Callable[[Sequence[Letter]], bytes]
    text: Callable[[Letter], str]
    message: Callable[..., EmailMessage]  # (letter, pdf, *, sender, recipient, filename)
    write_outbox: Callable[[EmailMessage, Path], Path]
    # Sends over one connection: for each message "" when sent, else why not.
    send: Callable[[Sequence[EmailMessage], Any], list[str]]
    smtp: Callable[[Any], Any]  # the SMTP settings from the company settings
    outbox: Callable[[Any], Path]  # the outbox folder from the company settings


def real_toolkit() -> Toolkit:
    from engine.documents import mail, pdf, plain
    from engine.documents.compose import compose_letter
    from engine.documents.context import dossier_context

    return Toolkit(
        context=dossier_context,
        compose=compose_letter,
        pdf=pdf.letters_pdf,
        text=plain.letter_text,
        message=mail.build_message,
        write_outbox=mail.write_outbox,
        send=mail.send_messages,
        smtp=mail.SmtpSettings.from_settings,
        outbox=mail.outbox_dir,
    )


_toolkit: Toolkit | None = None


def use_toolkit(tools: Toolkit | None) -> None:
    """The toolkit used when a call gives none (tests of the flow; None: the real one)."""
    global _toolkit
    _toolkit = tools


def toolkit(given: Toolkit | None = None) -> Toolkit:
    global _toolkit
    if given is not None:
        return given
    if _toolkit is None:
        _toolkit = real_toolkit()
    return _toolkit


# -- choosing


def default_channel(step_type: str) -> str:
    """An e-mail step sends an e-mail; letters, registered letters and legal steps print."""
    return "email" if step_type == "email" else "print"


def check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise UserError(
            _("Unknown channel {value!r}: expected one of {channels}.").format(
                value=channel, channels=", ".join(CHANNELS)
            )
        )
    return channel


def step_template(ctx: Ctx, intervention: Intervention) -> str | None:
    """The template of the step an intervention was planned from (its scenario and step
    number: the intervention keeps the step's number and name, the step its template)."""
    if intervention.step_no is None or intervention.scenario_id is None:
        return None
    template = ctx.session.exec(
        select(ScenarioStep.template).where(
            ScenarioStep.scenario_id == intervention.scenario_id,
            ScenarioStep.position == intervention.step_no,
        )
    ).first()
    return template or None


def recipient_of(ctx: Ctx, dossier: Dossier) -> tuple[str, Customer]:
    """The e-mail address a dossier's letter goes to: its main contact's, else the
    customer's ("" when neither has one)."""
    customer = ctx.session.get(Customer, dossier.customer_id)
    assert customer is not None
    if dossier.main_contact_id is not None:
        contact = ctx.session.get(Contact, dossier.main_contact_id)
        if contact is not None and contact.email.strip():
            return contact.email.strip(), customer
    return customer.email.strip(), customer


def no_recipient(customer: Customer) -> UserError:
    return UserError(
        _(
            "Customer {code} ({name}) has no e-mail address, nor has the dossier's main "
            "contact: add one with `contacts add {code} --name NAME --email ADDRESS` or "
            "`customers edit {code} --email ADDRESS`, or choose the channel print."
        ).format(code=customer.code, name=customer.name)
    )


# -- producing


@dataclass(frozen=True)
class Preview:
    """A step's letter before it is kept: what the done form shows."""

    template: str
    subject: str
    text: str
    recipient: str  # "" when there is no e-mail address
    customer: str  # its code, for the message saying how to add an address
    channel: str  # the step's default channel


@dataclass(frozen=True)
class Outgoing:
    """An e-mail written to the outbox, to send once its transaction is committed."""

    document_id: int
    path: Path


@dataclass(frozen=True)
class Produced:
    document_id: int
    letter: Letter
    pdf: bytes
    outgoing: Outgoing | None


def _render(
    ctx: Ctx, intervention: Intervention, template: str, day: dt.date, tools: Toolkit
) -> tuple[Letter, int, str]:
    language = str(ctx.settings.document_language)
    context = tools.context(ctx, intervention.dossier_id, day, language)
    letter, version = tools.compose(ctx, template, language, context)
    return letter, version, language


def _with_letter(ctx: Ctx, intervention_id: int) -> tuple[Intervention, str, Dossier] | None:
    """The intervention, its step's template and its dossier (None: the step has none)."""
    intervention = ctx.session.get(Intervention, intervention_id)
    if intervention is None:
        raise NotFound(_("Unknown intervention {id}.").format(id=intervention_id))
    template = step_template(ctx, intervention)
    if template is None:
        return None
    dossier = ctx.session.get(Dossier, intervention.dossier_id)
    assert dossier is not None and dossier.id is not None
    return intervention, template, dossier


def preview(
    ctx: Ctx, intervention_id: int, day: dt.date | None = None, tools: Toolkit | None = None
) -> Preview | None:
    """The letter marking an intervention done would make (None: its step has none)."""
    found = _with_letter(ctx, intervention_id)
    if found is None:
        return None
    intervention, template, dossier = found
    tools = toolkit(tools)
    letter, _version, _language = _render(ctx, intervention, template, day or ctx.today, tools)
    recipient, customer = recipient_of(ctx, dossier)
    return Preview(
        template,
        letter.subject,
        tools.text(letter),
        recipient,
        customer.code,
        default_channel(intervention.type) if recipient else "print",
    )


def produce_for_intervention(
    ctx: Ctx,
    intervention_id: int,
    channel: str | None = None,
    day: dt.date | None = None,
    tools: Toolkit | None = None,
) -> Produced | None:
    """The letter of the intervention's step, kept as a ``Document`` (None: the step has
    no template). ``channel`` None: the step type's (:func:`default_channel`), print when
    there is no address; an e-mail asked for with no address is refused. An e-mail is
    written to the outbox and sent by :func:`send_after_commit`."""
    found = _with_letter(ctx, intervention_id)
    if found is None:
        return None
    intervention, template, dossier = found
    tools = toolkit(tools)
    recipient, customer = recipient_of(ctx, dossier)
    if channel is None:  # the step type's, printed when there is no address to e-mail
        channel = default_channel(intervention.type) if recipient else "print"
    check_channel(channel)
    if channel in EMAIL_CHANNELS and not recipient:
        raise no_recipient(customer)
    day = day or intervention.done or ctx.today
    letter, version, language = _render(ctx, intervention, template, day, tools)
    pdf = tools.pdf([letter])
    facts = _Facts(
        dossier.customer_id,
        "letter",
        template,
        version,
        language,
        day,
        channel,
        dossier_id=dossier.id,
        intervention_id=intervention.id,
    )
    document = _kept(ctx, tools, facts, letter, recipient, pdf)
    assert document.id is not None
    outgoing = None
    if channel in EMAIL_CHANNELS:
        path = _write_message(ctx, document, letter, pdf, dossier.number, tools)
        outgoing = Outgoing(document.id, path)
        ctx.session.info.setdefault(PENDING_KEY, []).append(outgoing)
    return Produced(document.id, letter, pdf, outgoing)


@dataclass(frozen=True)
class _Facts:
    """What a document is: whose, which template and version, which day, how it goes."""

    customer_id: int
    kind: str
    template: str
    version: int
    language: str
    day: dt.date
    channel: str
    dossier_id: int | None = None
    intervention_id: int | None = None


def _kept(
    ctx: Ctx, tools: Toolkit, facts: _Facts, letter: Letter, recipient: str, pdf: bytes | None
) -> Document:
    """The document stored, with who made it and when, the letter's object line and
    text, and for an e-mail its recipient (it then waits in the outbox)."""
    emailed = facts.channel in EMAIL_CHANNELS
    document = Document(
        customer_id=facts.customer_id,
        dossier_id=facts.dossier_id,
        intervention_id=facts.intervention_id,
        kind=facts.kind,
        template=facts.template,
        template_version=facts.version,
        language=facts.language,
        day=facts.day,
        channel=facts.channel,
        created_at=now(),
        created_by=ctx.actor.login,
        subject=letter.subject[:400],
        text=tools.text(letter),
        pdf=pdf,
        recipient=recipient if emailed else "",
        email_status="outbox" if emailed else "",
    )
    ctx.session.add(document)
    ctx.session.flush()
    return document


def keep_customer_letter(
    ctx: Ctx,
    *,
    customer_id: int,
    kind: str,
    template: str,
    version: int,
    language: str,
    day: dt.date,
    channel: str,
    letter: Letter,
    recipient: str,
    reference: str,
    tools: Toolkit | None = None,
    pdf_later: bool = False,
) -> Produced:
    """A letter to a customer outside any dossier (``kind`` "reminder" or "statement"),
    kept as a ``Document`` like a step's letter: its PDF and plain text, and for the
    channels ``email`` and ``both`` an e-mail to ``recipient`` written to the outbox and
    sent by :func:`send_after_commit` once the caller's unit of work is committed.
    ``pdf_later``: the PDF is made afterwards with the other letters of a batch (one
    layout, see ``pdf.each_letter_pdf``) and given to :func:`attach_pdf`, which then
    writes the e-mail; the returned ``pdf`` is empty until then."""
    tools = toolkit(tools)
    check_channel(channel)
    facts = _Facts(customer_id, kind, template, version, language, day, channel)
    document = _kept(ctx, tools, facts, letter, recipient, None)
    assert document.id is not None
    if pdf_later:
        return Produced(document.id, letter, b"", None)
    pdf = tools.pdf([letter])
    outgoing = attach_pdf(ctx, document.id, letter, pdf, reference, tools)
    return Produced(document.id, letter, pdf, outgoing)


def attach_pdf(
    ctx: Ctx,
    document_id: int,
    letter: Letter,
    pdf: bytes,
    reference: str,
    tools: Toolkit | None = None,
) -> Outgoing | None:
    """A kept document's PDF (made with its batch), and its e-mail written to the outbox
    when it goes by e-mail (sent by :func:`send_after_commit` after the commit)."""
    tools = toolkit(tools)
    document = find_document(ctx, document_id)
    document.pdf = pdf
    ctx.session.flush()
    if document.channel not in EMAIL_CHANNELS:
        return None
    path = _write_message(ctx, document, letter, pdf, reference, tools)
    outgoing = Outgoing(document_id, path)
    ctx.session.info.setdefault(PENDING_KEY, []).append(outgoing)
    return outgoing


def email_sender(ctx: Ctx, tools: Toolkit | None = None) -> str:
    """The From address of e-mails (``smtp_from``, else the company's e-mail); refused
    with how to set one when there is none."""
    smtp = toolkit(tools).smtp(ctx.settings)
    sender = getattr(smtp, "sender", "") or str(ctx.settings.company_email)
    if not sender.strip():
        raise UserError(
            _(
                "E-mails have no sender address: set one with `settings set smtp_from "
                "ADDRESS` (or the company's e-mail, company_email), or choose the channel print."
            )
        )
    return sender


def _write_message(
    ctx: Ctx, document: Document, letter: Letter, pdf: bytes, number: str, tools: Toolkit
) -> Path:
    sender = email_sender(ctx, tools)
    message = tools.message(
        letter,
        pdf,
        sender=sender,
        recipient=document.recipient,
        filename=f"{number}-{document.template}.pdf",
    )
    message[DOCUMENT_HEADER] = str(document.id)
    try:
        return tools.write_outbox(message, tools.outbox(ctx.settings))
    except OSError as exc:
        raise UserError(
            _("The e-mail cannot be written to the outbox {folder}: {reason}.").format(
                folder=tools.outbox(ctx.settings), reason=exc.strerror or exc
            )
        ) from None


# -- sending, after the commit


@dataclass(frozen=True)
class Mailing:
    """The e-mails a committed unit of work left to send, and how."""

    items: tuple[Outgoing, ...]
    smtp: Any  # None: no SMTP host, they stay in the outbox


@dataclass(frozen=True)
class Delivery:
    document_id: int
    error: str  # "" when sent


def pending(ctx: Ctx, tools: Toolkit | None = None) -> Mailing:
    """What this unit of work wrote to the outbox; call it before the unit ends."""
    items = tuple(ctx.session.info.pop(PENDING_KEY, []))
    host = str(ctx.settings.smtp_host).strip()
    return Mailing(items, toolkit(tools).smtp(ctx.settings) if host and items else None)


def deliver(mailing: Mailing, tools: Toolkit | None = None) -> list[Delivery]:
    """Send the e-mails over one connection (no database here). A sent file moves to
    ``sent/`` beside it; a failed one stays in the outbox."""
    from engine.documents.mail import read_eml

    if mailing.smtp is None:
        return []
    tools = toolkit(tools)
    done: list[Delivery] = []
    readable: list[tuple[Outgoing, EmailMessage]] = []
    for item in mailing.items:
        try:
            readable.append((item, read_eml(item.path)))
        except OSError as exc:
            reason = _("The file {path} cannot be read: {reason}.").format(
                path=item.path, reason=exc.strerror or exc
            )
            done.append(Delivery(item.document_id, reason))
    errors = tools.send([message for _item, message in readable], mailing.smtp)
    for (item, _message), error in zip(readable, errors, strict=True):
        if not error:
            sent = item.path.parent / SENT_FOLDER
            try:
                sent.mkdir(exist_ok=True)
                os.replace(item.path, sent / item.path.name)
            except OSError:
                pass  # sent all the same; the file stays where it was
        done.append(Delivery(item.document_id, error))
    return done


def record(ctx: Ctx, deliveries: Sequence[Delivery]) -> None:
    """What became of each e-mail: "sent", or "failed" with the reason."""
    for delivery in deliveries:
        document = ctx.session.get(Document, delivery.document_id)
        if document is None:
            continue
        document.email_status = "failed" if delivery.error else "sent"
        document.email_error = delivery.error[:400]
    ctx.session.flush()


def send_after_commit(
    write: Runner[None], mailing: Mailing, tools: Toolkit | None = None
) -> list[Delivery]:
    """Send ``mailing`` (from :func:`pending`, its unit of work committed), then record
    the outcome in a unit of work of its own run by ``write``."""
    deliveries = deliver(mailing, tools)
    if deliveries:
        write(lambda ctx: record(ctx, deliveries))
    return deliveries


def sent_summary(mailing: Mailing, deliveries: Sequence[Delivery]) -> list[str]:
    """One sentence per e-mail that was not sent (failed, or waiting in the outbox)."""
    if mailing.smtp is None:
        return [
            _("E-mail written to the outbox {path} (no SMTP server set).").format(path=item.path)
            for item in mailing.items
        ]
    return [
        _("E-mail of document {id} not sent: {reason}").format(
            id=item.document_id, reason=item.error
        )
        for item in deliveries
        if item.error
    ]


# -- documents kept


def document_for_intervention(ctx: Ctx, intervention_id: int) -> Document | None:
    """The latest letter kept for an intervention."""
    return ctx.session.exec(
        select(Document)
        .where(Document.intervention_id == intervention_id, Document.kind == "letter")
        .order_by(col(Document.id).desc())
        .limit(1)
    ).first()


def find_document(ctx: Ctx, document_id: int) -> Document:
    document = ctx.session.get(Document, document_id)
    if document is None:
        raise NotFound(_("Unknown document {id}.").format(id=document_id))
    return document


def find_message(outbox: Path, document_id: int) -> Path | None:
    """The ``.eml`` of a document in the outbox (or its ``sent/`` folder), newest first."""
    folders = [outbox, outbox / SENT_FOLDER]
    files = sorted(
        (path for folder in folders if folder.is_dir() for path in folder.glob("*.eml")),
        key=lambda path: path.name,
        reverse=True,
    )
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    for path in files:
        try:
            with path.open("rb") as handle:
                headers = parser.parse(handle)
        except OSError:
            continue
        if str(headers.get(DOCUMENT_HEADER, "")).strip() == str(document_id):
            return path
    return None


def redeliver(ctx: Ctx, document_id: int, tools: Toolkit | None = None) -> Mailing:
    """An e-mail document to send again: its ``.eml`` put back in the outbox (written
    again from the kept PDF and a letter made anew when the file is gone), status
    "outbox". Send it with :func:`send_after_commit` once this unit is committed."""
    tools = toolkit(tools)
    document = find_document(ctx, document_id)
    if document.channel not in EMAIL_CHANNELS or not document.recipient:
        raise UserError(
            _(
                "Document {id} was not sent by e-mail (channel {channel}): nothing to re-send."
            ).format(id=document.id, channel=document.channel)
        )
    dossier = ctx.session.get(Dossier, document.dossier_id) if document.dossier_id else None
    if dossier is not None:
        require_dossier_write(ctx.actor, dossier.agent)
    outbox = tools.outbox(ctx.settings)
    found = find_message(outbox, document_id)
    if found is not None and found.parent != outbox:
        target = outbox / found.name
        os.replace(found, target)
        found = target
    if found is None:
        intervention = (
            ctx.session.get(Intervention, document.intervention_id)
            if document.intervention_id
            else None
        )
        if intervention is None or dossier is None:
            raise UserError(
                _("The e-mail of document {id} is no longer in the outbox {folder}.").format(
                    id=document_id, folder=outbox
                )
            )
        letter, _version, _language = _render(
            ctx, intervention, document.template, document.day, tools
        )
        found = _write_message(ctx, document, letter, document.pdf or b"", dossier.number, tools)
    document.email_status = "outbox"
    document.email_error = ""
    ctx.session.flush()
    ctx.session.info.setdefault(PENDING_KEY, []).append(Outgoing(document_id, found))
    return pending(ctx, tools)


@dataclass(frozen=True)
class Requeued:
    """``outbox send``: the e-mails put back to go, and those that could not be (why)."""

    mailing: Mailing
    refused: tuple[tuple[int, str], ...]  # (document id, reason)


def requeue_waiting(ctx: Ctx, tools: Toolkit | None = None) -> Requeued:
    """Every e-mail not sent yet (in the outbox, or refused by the server) put back to
    go, as :func:`redeliver` does one; send them with :func:`send_after_commit` once this
    unit is committed. One that cannot be (its file gone, a dossier this user may not
    write) is named with the reason and left as it is."""
    from engine.reads.documents import waiting_emails

    require_write(ctx.actor)
    items: list[Outgoing] = []
    smtp = None
    refused: list[tuple[int, str]] = []
    for waiting in waiting_emails(ctx.session):
        try:  # redeliver refuses before it changes anything
            mailing = redeliver(ctx, waiting.id, tools)
        except UserError as exc:
            refused.append((waiting.id, exc.message))
            continue
        items.extend(mailing.items)
        smtp = smtp or mailing.smtp
    return Requeued(Mailing(tuple(items), smtp), tuple(refused))


def letter_kept(ctx: Ctx, intervention_id: int) -> int:
    """The id of :func:`letter_of`'s document (for a screen: no ORM object leaves)."""
    document = letter_of(ctx, intervention_id)
    assert document.id is not None
    return document.id


def letter_of(ctx: Ctx, intervention_id: int, tools: Toolkit | None = None) -> Document:
    """The document of an intervention, made again (channel print, on its done day) when
    it has none: a step done before letters existed, or whose document was removed."""
    document = document_for_intervention(ctx, intervention_id)
    if document is not None:
        return document
    intervention = ctx.session.get(Intervention, intervention_id)
    if intervention is None:
        raise NotFound(
            _(
                "Unknown intervention {id}: expected an intervention number from "
                "`recouvrement actions` or `dossier show`."
            ).format(id=intervention_id)
        )
    if step_template(ctx, intervention) is None:
        raise UserError(
            _("Intervention {id} ({step}) has no letter: its step has no template.").format(
                id=intervention_id, step=intervention.step
            )
        )
    require_write(ctx.actor)  # made again: a change
    if intervention.status != "done":
        raise UserError(
            _(
                "Intervention {id} is {status}: its letter is made when it is marked done "
                "(or printed with `letters`)."
            ).format(id=intervention_id, status=_(intervention.status))
        )
    produced = produce_for_intervention(ctx, intervention_id, "print", intervention.done, tools)
    assert produced is not None
    return find_document(ctx, produced.document_id)


# -- the day's letters (``letters``, the Actions screen's batch)


@dataclass(frozen=True)
class DayLetters:
    """The letters due on or before a day (``letters``, the Actions screen's batch): those
    to print, in one PDF, and those that go by e-mail (marked done and sent at once)."""

    due: list[DueLetter]
    printed: list[DueLetter]
    emailed: list[DueLetter]
    pdf: bytes | None  # the printed ones' PDF; None when there are none


def day_letters(
    ctx: Ctx, until: dt.date, agent: str | None, tools: Toolkit | None = None
) -> DayLetters:
    """The day's letters, their PDF laid out; e-mails without a sender are refused before
    the letters are laid out. Nothing is written."""
    from engine.reads.documents import letters_due

    due = letters_due(ctx.session, until, agent)
    printed = [item for item in due if item.channel == "print"]
    emailed = [item for item in due if item.channel == "email"]
    if emailed:
        email_sender(ctx, tools)
    return DayLetters(due, printed, emailed, batch_pdf(ctx, printed, tools) if printed else None)


def batch_pdf(ctx: Ctx, letters: Sequence[DueLetter], tools: Toolkit | None = None) -> bytes:
    """The letters of ``letters`` in one PDF, each from a new page, dated ``ctx.today``
    (the day they are printed and marked done). Nothing is written."""
    tools = toolkit(tools)
    made: list[Letter] = []
    for due in letters:
        intervention = ctx.session.get(Intervention, due.intervention_id)
        if intervention is None:
            raise NotFound(_("Unknown intervention {id}.").format(id=due.intervention_id))
        letter, _version, _language = _render(ctx, intervention, due.template, ctx.today, tools)
        made.append(letter)
    return tools.pdf(made)


def mark_batch(
    ctx: Ctx, letters: Sequence[DueLetter], channel: str, tools: Toolkit | None = None
) -> list[int]:
    """Mark each done today with ``channel`` (its letter kept), refused whole when one was
    changed since it was listed (its version) or cannot be done."""
    from engine.interventions import mark_done

    check_channel(channel)
    done = []
    for due in letters:
        mark_done(
            ctx, due.intervention_id, expected_version=due.version, channel=channel, tools=tools
        )
        done.append(due.intervention_id)
    return done


# -- writing a PDF to a file (``letter --out``, ``letters --out``, the TUI's keys)


def check_pdf_path(value: str, what: str = "--out") -> Path:
    """A file to write: its folder exists and it is not a folder itself."""
    path = Path(value.strip()).expanduser()
    if not value.strip() or path.is_dir():
        raise UserError(
            _("Invalid {option} {value!r}: expected the path of a file to write.").format(
                option=what, value=value
            )
        )
    if not path.parent.is_dir():
        raise UserError(
            _("Invalid {option} {value!r}: the folder {folder} does not exist.").format(
                option=what, value=value, folder=path.parent
            )
        )
    return path


def write_pdf_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(
            _("Cannot write {path}: {reason}.").format(path=path, reason=exc.strerror or exc)
        ) from None


def save_pdf(ctx: Ctx, document_id: int, value: str, what: str) -> Path:
    """A kept document's PDF written to the file ``value``."""
    from engine.reads.documents import document_pdf

    path = check_pdf_path(value, what)
    write_pdf_file(path, document_pdf(ctx.session, document_id))
    return path
