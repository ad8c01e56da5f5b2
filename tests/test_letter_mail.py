"""Letters as e-mail (engine.documents.mail): built, written to the outbox, sent over SMTP
to a local aiosmtpd server with STARTTLS on a throw-away certificate (trustme)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.documents.letter import Letter, Party, Payment, Table
from engine.documents.mail import (
    SendError,
    SmtpSettings,
    build_message,
    outbox_dir,
    send_message,
    send_messages,
    write_outbox,
)
from engine.documents.plain import letter_text
from engine.errors import UserError
from engine.settings import Settings
from tests.test_letter_pdf import letters

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # every byte value
LETTER = Letter(
    language="fr",
    sender=Party("Ma Société SAS", ("12 rue de l’Église", "75001 Paris")),
    sender_lines=("SIREN 123 456 789",),
    recipient=Party("Œuvres & Cœurs SARL", ("69002 Lyon",)),
    place_date="Paris, le 30 novembre 2026",
    subject="Objet : Relance – factures impayées « D000123 »",
    blocks=("Madame, Monsieur,", Table(("Facture", "Montant"), (("F1", "12,50 €"),), ("L", "R"))),
    signatory="Jeanne Martin",
    payment=Payment(
        "Ma Société SAS", "FR7630006000011234567890189", "AGRIFRPP", Decimal("12.50"), "D000123"
    ),
)


def message(recipient: str = "compta@client.example"):
    return build_message(
        LETTER,
        PDF,
        sender="Ma Société <relances@masociete.example>",
        recipient=recipient,
        filename="Relance D000123.pdf",
    )


class Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 OK"


class Logins:
    def __init__(self) -> None:
        self.tries: list[tuple[str, bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.tries.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"agent" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # False: the server answers 535


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_tls(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


class Server:
    def __init__(self, controller: Controller, sink: Sink, logins: Logins) -> None:
        self.controller, self.sink, self.logins = controller, sink, logins

    def settings(self, **changes) -> SmtpSettings:
        values = dict(host="127.0.0.1", port=self.controller.port, user="agent", password="s3cret")
        values.update(changes)
        return SmtpSettings(**values, timeout=5)


def _quiet_resets(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The server's loop: a client that hangs up on purpose (a certificate it does not
    trust, a refused login) is what the test wants, not an error to print."""
    if not isinstance(context.get("exception"), ConnectionResetError):
        loop.default_exception_handler(context)


def start(tls: ssl.SSLContext | None, implicit: bool = False) -> Iterator[Server]:
    sink, logins = Sink(), Logins()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=tls if implicit else None,
        tls_context=None if implicit else tls,
        authenticator=logins,
        auth_require_tls=tls is not None and not implicit,
        auth_required=False,
    )
    controller.start()
    controller.loop.call_soon_threadsafe(controller.loop.set_exception_handler, _quiet_resets)
    try:
        yield Server(controller, sink, logins)
    finally:
        controller.stop()


@pytest.fixture
def server(ca) -> Iterator[Server]:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
    yield from start(tls)


@pytest.fixture
def tls_server(ca) -> Iterator[Server]:
    """A server speaking TLS from the first byte (SMTPS, usually port 465)."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
    yield from start(tls, implicit=True)


@pytest.fixture
def clear_server() -> Iterator[Server]:
    """A server that offers no STARTTLS."""
    yield from start(None)


def test_the_message_has_its_headers_body_and_pdf():
    built = message()
    assert built["From"] == "Ma Société <relances@masociete.example>"
    assert built["To"] == "compta@client.example"
    assert built["Subject"] == LETTER.subject
    assert built["Date"] and built["Message-ID"].endswith("@masociete.example>")
    body = built.get_body(("plain",))
    assert body is not None and body.get_content() == letter_text(LETTER)
    [attachment] = built.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Relance D000123.pdf"
    assert attachment.get_content() == PDF


def test_hostile_subject_and_filename_cannot_add_headers():
    letter = Letter(**{**LETTER.__dict__, "subject": "Objet\r\nBcc: all@evil.example\x1b[2J"})
    built = build_message(
        letter, PDF, sender="a@b.example", recipient="c@d.example", filename="../../etc/x\n.pdf"
    )
    parsed = email.message_from_bytes(bytes(built), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert "\x1b" not in parsed["Subject"]
    [attachment] = parsed.iter_attachments()
    assert "/" not in attachment.get_filename()


@pytest.mark.parametrize("bad", ["", "nobody", "a@b", "a b@c.example", "a@b.example\nBcc: x@y.z"])
def test_bad_addresses_are_refused(bad):
    with pytest.raises(UserError, match="address"):
        message(recipient=bad)


def test_outbox_files_parse_back(tmp_path):
    first = write_outbox(message(), tmp_path / "outbox")
    second = write_outbox(message(), tmp_path / "outbox")
    assert first != second and first.suffix == ".eml"
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted(
        [first.name, second.name]
    )  # no temporary file left
    parsed = email.message_from_bytes(first.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == LETTER.subject
    [attachment] = parsed.iter_attachments()
    assert attachment.get_content() == PDF


def test_settings_give_the_smtp_settings_and_outbox(tmp_path):
    settings = Settings(
        {
            "smtp_host": "mail.example",
            "smtp_port": "2525",
            "smtp_user": "agent",
            "smtp_password": "pw",
            "smtp_from": "relances@masociete.example",
        }
    )
    smtp = SmtpSettings.from_settings(settings)
    assert (smtp.host, smtp.port, smtp.user, smtp.password, smtp.sender) == (
        "mail.example",
        2525,
        "agent",
        "pw",
        "relances@masociete.example",
    )
    assert "pw" not in repr(smtp)
    default = Path(platformdirs.user_data_dir("recouvrement")) / "outbox"
    assert outbox_dir(Settings({})) == default
    assert outbox_dir(Settings({"outbox_dir": str(tmp_path)})) == tmp_path


def test_sent_over_starttls_with_a_login(server, client_tls):
    send_message(message(), server.settings(), context=client_tls)
    [raw] = server.sink.received
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == LETTER.subject
    [attachment] = received.iter_attachments()
    assert attachment.get_content() == PDF
    assert [(login, password) for _m, login, password in server.logins.tries] == [
        (b"agent", b"s3cret")
    ]


def test_sent_over_implicit_tls(tls_server, client_tls):
    send_message(message(), tls_server.settings(implicit_tls=True), context=client_tls)
    [raw] = tls_server.sink.received
    [attachment] = email.message_from_bytes(raw, policy=email.policy.default).iter_attachments()
    assert attachment.get_content() == PDF
    assert len(tls_server.logins.tries) == 1


def test_port_465_means_implicit_tls():
    assert SmtpSettings("mail.example", 465).tls_first
    assert not SmtpSettings("mail.example", 587).tls_first
    assert SmtpSettings("mail.example", 2465, implicit_tls=True).tls_first


def test_sent_without_a_login(server, client_tls):
    send_message(message(), server.settings(user="", password=""), context=client_tls)
    assert len(server.sink.received) == 1
    assert server.logins.tries == []


def test_refused_login(server, client_tls):
    with pytest.raises(SendError, match="refused the login 'agent'") as refused:
        send_message(message(), server.settings(password="wrong"), context=client_tls)
    assert "\n" not in refused.value.message and "Traceback" not in refused.value.message
    assert server.sink.received == []


def test_untrusted_certificate(server):
    with pytest.raises(SendError, match=r"certificate .* is not trusted"):
        send_message(message(), server.settings())  # the system's trust, not the test CA
    assert server.logins.tries == []


def test_no_password_in_clear(clear_server):
    with pytest.raises(SendError, match="does not offer STARTTLS"):
        send_message(message(), clear_server.settings())
    assert clear_server.logins.tries == [] and clear_server.sink.received == []


def test_no_login_no_tls_needed(clear_server):
    send_message(message(), clear_server.settings(user="", password=""))
    assert len(clear_server.sink.received) == 1


def test_refused_recipient(server, client_tls):
    with pytest.raises(SendError, match=r"refused the recipient nobody@client\.example"):
        send_message(message("nobody@client.example"), server.settings(), context=client_tls)


def test_unreachable_port():
    smtp = SmtpSettings("127.0.0.1", free_port(), timeout=5)
    with pytest.raises(SendError, match="cannot be reached"):
        send_message(message(), smtp)


def test_a_silent_server_times_out():
    """A server that takes the connection and never greets: the timeout ends the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        smtp = SmtpSettings("127.0.0.1", silent.getsockname()[1], timeout=0.3)
        with pytest.raises(SendError, match=r"did not answer in 0\.3 seconds"):
            send_message(message(), smtp)


def test_no_host_set():
    with pytest.raises(SendError, match="smtp_host"):
        send_message(message(), SmtpSettings(""))


def test_messages_go_over_one_connection_and_a_refused_one_fails_alone(server, client_tls):
    batch = [message(), message("nobody@client.example"), message("other@client.example")]
    errors = send_messages(batch, server.settings(), context=client_tls)
    assert errors[0] == "" and errors[2] == ""
    assert "nobody@client.example" in errors[1]
    received = [
        email.message_from_bytes(raw, policy=email.policy.default) for raw in server.sink.received
    ]
    assert [m["To"] for m in received] == ["compta@client.example", "other@client.example"]


@pytest.mark.parametrize("case", ["refused login", "unreachable"])
def test_a_server_that_cannot_be_used_fails_every_message(server, client_tls, case):
    smtp = (
        server.settings(password="wrong")
        if case == "refused login"
        else SmtpSettings("127.0.0.1", free_port(), timeout=5)
    )
    errors = send_messages([message(), message()], smtp, context=client_tls)
    expected = "refused the login" if case == "refused login" else "cannot be reached"
    assert len(errors) == 2 and all(expected in error for error in errors)
    assert server.sink.received == []


def test_no_message_no_connection():
    assert send_messages([], SmtpSettings("")) == []


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_letter=letters, filename=st.text(max_size=300))
def test_any_letter_makes_a_message_that_parses_back(any_letter, filename):
    built = build_message(
        any_letter, PDF, sender="a@b.example", recipient="c@d.example", filename=filename
    )
    parsed = email.message_from_bytes(
        built.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )
    assert parsed["To"] == "c@d.example" and parsed["Bcc"] is None
    [attachment] = parsed.iter_attachments()
    assert attachment.get_content() == PDF
