"""A letter as an e-mail: built, written to the outbox folder, sent over SMTP.

- :func:`build_message`: an RFC 5322 message (From, To, Subject = the object line, Date,
  Message-ID), the letter as plain text (engine.documents.plain) for its body and the PDF
  attached.
- :func:`write_outbox`: the message as a ``.eml`` file in the outbox folder, written
  atomically (a temporary file renamed) under a name no other message has.
- :func:`send_message`: over SMTP. STARTTLS whenever the server offers it, and required
  when a login is configured (a password never goes in clear); port 465 is TLS from the
  start. Every failure is a :class:`SendError` whose message says why in one sentence.
- :func:`send_messages`: many over one connection, a reason for each that failed
  (engine.documents.produce sends a committed unit's e-mails with it, moves the sent
  files to ``sent/`` and records what became of each document).

With no SMTP host set, messages simply wait in the outbox (``outbox_dir``, by default
``<user data folder>/recouvrement/outbox``).
"""

from __future__ import annotations

import email
import email.policy
import os
import smtplib
import socket
import ssl
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from engine.documents.letter import Letter
from engine.documents.plain import clean_line, letter_text
from engine.errors import UserError
from engine.i18n import _

if TYPE_CHECKING:
    from engine.settings import Settings

TIMEOUT = 30.0  # seconds for connecting and for each answer of the server
IMPLICIT_TLS_PORT = 465


class SendError(UserError):
    """A message that could not be sent; its message says why in one sentence."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""  # the From address of e-mails (smtp_from)
    timeout: float = TIMEOUT
    # TLS from the first byte instead of STARTTLS; None: on port 465 only (SMTPS).
    implicit_tls: bool | None = None

    @property
    def tls_first(self) -> bool:
        return self.port == IMPLICIT_TLS_PORT if self.implicit_tls is None else self.implicit_tls

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSettings:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from or settings.company_email,
        )


def outbox_dir(settings: Settings) -> Path:
    """The outbox folder: the ``outbox_dir`` setting, else ``outbox`` in the user's data
    folder (platformdirs: ``~/.local/share/recouvrement/outbox`` on Linux)."""
    configured: str = settings.outbox_dir
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("recouvrement")) / "outbox"


def _address(value: str, invalid: str) -> str:
    text = value.strip()
    _name, address = parseaddr(text)
    local, _at, domain = address.rpartition("@")
    if (
        not local
        or "." not in domain
        or text != clean_line(text)
        or any(char.isspace() for char in address)
    ):
        raise UserError(invalid.format(value=value))
    return text


def _filename(value: str) -> str:
    name = clean_line(value).replace("/", "_").replace("\\", "_").strip(" .")
    return name or "letter.pdf"


def build_message(
    letter: Letter, pdf: bytes, *, sender: str, recipient: str, filename: str
) -> EmailMessage:
    """``letter`` as an e-mail from ``sender`` to ``recipient``, its PDF attached as
    ``filename``. A bad address raises UserError naming it."""
    from_address = _address(
        sender, _("Invalid sender address {value!r}: expected an e-mail address.")
    )
    to_address = _address(
        recipient, _("Invalid recipient address {value!r}: expected an e-mail address.")
    )
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = clean_line(letter.subject).strip()
    message["Date"] = format_datetime(datetime.now().astimezone())
    domain = parseaddr(from_address)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(letter_text(letter))
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=_filename(filename))
    return message


def write_outbox(message: EmailMessage, outbox: Path) -> Path:
    """``message`` as a new ``.eml`` file in ``outbox`` (created when missing): written
    to a temporary file, flushed to disk, then renamed, so that a reader never sees half a
    message. The name (time, then a random part) sorts in writing order and is unique."""
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = outbox / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
    data = message.as_bytes(policy=email.policy.SMTP)
    handle, temporary = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _reason(exc: BaseException, smtp: SmtpSettings) -> str:
    """One sentence saying why sending failed."""
    where = f"{smtp.host}:{smtp.port}"
    if isinstance(exc, SendError):
        return exc.message
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _("The SMTP server {where} refused the login {user!r}: {answer}.").format(
            where=where, user=smtp.user, answer=_answer(exc.smtp_error)
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(
            f"{address} ({_answer(answer[1])})" for address, answer in exc.recipients.items()
        )
        return _("The SMTP server {where} refused the recipient {refused}.").format(
            where=where, refused=refused
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _("The SMTP server {where} refused the sender {sender}: {answer}.").format(
            where=where, sender=exc.sender, answer=_answer(exc.smtp_error)
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _("The SMTP server {where} does not accept a login: {answer}.").format(
            where=where, answer=str(exc).rstrip(".")
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        exc = TimeoutError()  # smtplib reports a server gone silent as a disconnection
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        return _("The SMTP server {where} closed the connection.").format(where=where)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _("The SMTP server {where} answered {code}: {answer}.").format(
            where=where, code=exc.smtp_code, answer=_answer(exc.smtp_error)
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _("The certificate of the SMTP server {where} is not trusted: {reason}.").format(
            where=where, reason=exc.verify_message or exc.reason
        )
    if isinstance(exc, ssl.SSLError):
        return _("The secure connection to the SMTP server {where} failed: {reason}.").format(
            where=where, reason=exc.reason or exc
        )
    if isinstance(exc, socket.gaierror):
        return _("The SMTP server {host} is unknown: {reason}.").format(
            host=smtp.host, reason=exc.strerror
        )
    if isinstance(exc, TimeoutError):
        return _("The SMTP server {where} did not answer in {seconds} seconds.").format(
            where=where, seconds=f"{smtp.timeout:g}"
        )
    if isinstance(exc, OSError):
        return _("The SMTP server {where} cannot be reached: {reason}.").format(
            where=where, reason=exc.strerror or exc
        )
    return _("Sending through the SMTP server {where} failed: {reason}.").format(
        where=where, reason=exc
    )


def _answer(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return clean_line(" ".join(text.split())).rstrip(".")


def _connect(smtp: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """A connection ready to send: TLS (STARTTLS when offered, from the start on port
    465), logged in when a user is set. Raises SendError."""
    if not smtp.host.strip():
        raise SendError(
            _("No SMTP server is set (setting smtp_host): the e-mail stays in the outbox.")
        )
    context = context or ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        if smtp.tls_first:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
            client.ehlo()
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif smtp.user:
                raise SendError(
                    _(
                        "The SMTP server {where} does not offer STARTTLS: the password is "
                        "not sent in clear, nothing was sent."
                    ).format(where=f"{smtp.host}:{smtp.port}")
                )
        if smtp.user:
            client.login(smtp.user, smtp.password)
        return client
    except Exception as exc:
        if client is not None:
            _close(client)
        raise SendError(_reason(exc, smtp)) from None


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _send(client: smtplib.SMTP, message: EmailMessage, smtp: SmtpSettings) -> None:
    try:
        refused = client.send_message(message)
    except Exception as exc:
        raise SendError(_reason(exc, smtp)) from None
    if refused:
        raise SendError(_reason(smtplib.SMTPRecipientsRefused(refused), smtp))


def send_message(
    message: EmailMessage, smtp: SmtpSettings, *, context: ssl.SSLContext | None = None
) -> None:
    """Send ``message`` through ``smtp`` (see the module's doc). ``context`` is the TLS
    context (default: the system's trusted certificates). Raises SendError."""
    [error] = send_messages([message], smtp, context=context)
    if error:
        raise SendError(error)


def send_messages(
    messages: Sequence[EmailMessage],
    smtp: SmtpSettings,
    *,
    context: ssl.SSLContext | None = None,
) -> list[str]:
    """Send ``messages`` over one connection (a day's e-mails: one login, not one per
    message); for each, "" when sent, else the one-sentence reason. A server that cannot
    be reached or refuses the login fails them all with that reason; a message the server
    refuses fails alone, and the connection is opened again if the refusal closed it."""
    if not messages:
        return []
    try:
        client: smtplib.SMTP | None = _connect(smtp, context)
    except SendError as exc:
        return [exc.message] * len(messages)
    results: list[str] = []
    try:
        for message in messages:
            try:
                if client is None:
                    client = _connect(smtp, context)
                _send(client, message, smtp)
            except SendError as exc:
                results.append(exc.message)
                if client is not None and not _alive(client):
                    _close(client)
                    client = None
                continue
            results.append("")
    finally:
        if client is not None:
            _close(client)
    return results


def _alive(client: smtplib.SMTP) -> bool:
    try:
        return client.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False
