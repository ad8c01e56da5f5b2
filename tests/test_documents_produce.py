"""A step's letter when it is marked done (engine.documents.produce), on both backends: the
Document kept in the same transaction, the channel, the recipient, the outbox and sending
after the commit, re-sending, ``letter_of`` and the day's batch.

The flow is tested with a small fake toolkit (context, composition, PDF, text, e-mail) so
that what it decides is seen alone; ``test_real_*`` run the real outputs."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from engine.access import add_user
from engine.documents import produce
from engine.documents.produce import (
    DOCUMENT_HEADER,
    Toolkit,
    batch_pdf,
    default_channel,
    document_for_intervention,
    find_message,
    letter_of,
    mark_batch,
    pending,
    preview,
    redeliver,
    send_after_commit,
)
from engine.dossiers import open_dossier
from engine.errors import UserError
from engine.interventions import mark_done, mark_skipped
from engine.reads.documents import document_view, intervention_documents, letters_due
from engine.scenarios import BUILTIN_NAME, COURTESY, save_scenario
from engine.settings import set_setting
from models.tables import Contact, Document, Dossier, Intervention
from tests.conftest import TestDB
from tests.documents_fakes import Fakes
from tests.factories import add_customer, add_entry


@pytest.fixture
def fakes(tmp_path: Path) -> Fakes:
    return Fakes(tmp_path / "outbox")


def seed(db: TestDB, email_address: str = "") -> str:
    with db.ctx() as ctx:
        customer = add_customer(ctx.session, email=email_address)
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-02",
            "1200.00",
            due="2026-02-01",
            invoice="F1",
        )
        add_user(ctx.session, None, "alice", "agent")
        return open_dossier(ctx, "CDUPONT", BUILTIN_NAME, agent="alice").number


def todo(db: TestDB, step_no: int) -> int:
    with db.session() as session:
        found = session.exec(
            select(Intervention.id).where(
                Intervention.step_no == step_no, Intervention.status == "todo"
            )
        ).first()
        assert found is not None
        return found


def step(ctx: Any, step_no: int) -> int:
    found = ctx.session.exec(
        select(Intervention.id).where(
            Intervention.step_no == step_no, Intervention.status == "todo"
        )
    ).first()
    assert found is not None
    return int(found)


def documents(db: TestDB) -> list[Document]:
    with db.session() as session:
        rows = list(session.exec(select(Document).order_by(col(Document.id))))
        session.expunge_all()
        return rows


def test_default_channel_follows_the_step_type() -> None:
    assert default_channel("email") == "email"
    for kind in ("letter", "registered_letter", "legal", "other", "phone"):
        assert default_channel(kind) == "print"


def test_done_step_with_template_keeps_its_letter(db: TestDB, fakes: Fakes) -> None:
    number = seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())  # a call: no template, no letter
    assert documents(db) == []
    step2 = todo(db, 2)
    with db.ctx(login="alice") as ctx:
        mark_done(ctx, step2, tools=fakes.tools())
        assert pending(ctx, fakes.tools()).items == ()
    [document] = documents(db)
    assert (document.kind, document.template, document.template_version) == (
        "letter",
        "notification",
        3,
    )
    assert (document.channel, document.language, document.created_by) == ("print", "fr", "alice")
    assert document.day == dt.date(2026, 3, 2) and document.intervention_id == step2
    assert document.subject == f"notification {number} 2026-03-02"
    assert document.pdf is not None and document.pdf.startswith(b"%PDF")
    assert number in document.text
    assert (document.recipient, document.email_status) == ("", "")
    with db.session() as session:
        marks = intervention_documents(session, document.dossier_id or 0)
    assert marks[step2].channel == "print"


def test_letter_in_english_when_the_company_writes_english(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with db.ctx() as ctx:
        set_setting(ctx.session, "document_language", "en", None)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
        mark_done(ctx, step(ctx, 2), tools=fakes.tools())
    assert documents(db)[0].language == "en"


def test_a_template_that_does_not_render_refuses_the_done(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    fakes.broken = "notification"
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    step2 = todo(db, 2)
    with pytest.raises(UserError, match="unknown placeholder"), db.ctx() as ctx:
        mark_done(ctx, step2, note="envoyée", tools=fakes.tools())
    with db.session() as session:
        item = session.get(Intervention, step2)
        assert item is not None and (item.status, item.note) == ("todo", "")
    assert documents(db) == []


def test_email_without_an_address_is_refused_naming_the_fix(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    step2 = todo(db, 2)
    with pytest.raises(UserError) as refused, db.ctx() as ctx:
        mark_done(ctx, step2, channel="email", tools=fakes.tools())
    assert "CDUPONT" in refused.value.message
    assert "contacts add" in refused.value.message
    assert "customers edit CDUPONT --email" in refused.value.message
    with db.session() as session:
        item = session.get(Intervention, step2)
        assert item is not None and item.status == "todo"
    assert documents(db) == []


def test_unknown_channel_is_refused_before_anything(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with pytest.raises(UserError, match="'fax'"), db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), channel="fax", tools=fakes.tools())
    with pytest.raises(UserError, match="'mark'"), db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), channel="mark", tools=fakes.tools())


def test_email_goes_to_the_outbox_then_is_sent_after_commit(db: TestDB, fakes: Fakes) -> None:
    number = seed(db, "compta@dupont.fr")
    with db.ctx() as ctx:
        set_setting(ctx.session, "smtp_host", "smtp.example.fr", None)
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 2), channel="both", tools=fakes.tools())
        mailing = pending(ctx, fakes.tools())
        assert fakes.sent == []  # nothing leaves while the transaction is open
    [document] = documents(db)
    assert (document.recipient, document.email_status) == ("compta@dupont.fr", "outbox")
    [item] = mailing.items
    assert item.document_id == document.id and item.path.exists()
    parsed = email.message_from_bytes(item.path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "compta@dupont.fr"
    assert parsed[DOCUMENT_HEADER] == str(document.id)
    assert number in str(parsed["Subject"])

    def write(work: Any) -> Any:
        with db.ctx() as ctx:
            return work(ctx)

    deliveries = send_after_commit(write, mailing, fakes.tools())
    assert [d.error for d in deliveries] == [""]
    assert len(fakes.sent) == 1
    assert documents(db)[0].email_status == "sent"
    assert not item.path.exists() and (item.path.parent / "sent" / item.path.name).exists()
    assert find_message(fakes.outbox, document.id or 0) is not None


def test_the_main_contact_address_comes_first(db: TestDB, fakes: Fakes) -> None:
    number = seed(db, "compta@dupont.fr")
    with db.ctx() as ctx:
        dossier = ctx.session.exec(select(Dossier).where(Dossier.number == number)).one()
        contact = Contact(customer_id=dossier.customer_id, name="Mme Durand", email="d@dupont.fr")
        ctx.session.add(contact)
        ctx.session.flush()
        dossier.main_contact_id = contact.id
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    with db.ctx() as ctx:
        shown = preview(ctx, step(ctx, 2), tools=fakes.tools())
        assert shown is not None and shown.recipient == "d@dupont.fr"
        assert shown.channel == "print" and shown.template == "notification"
        mark_done(ctx, step(ctx, 2), channel="email", tools=fakes.tools())
    assert documents(db)[0].recipient == "d@dupont.fr"


def test_failed_send_is_recorded_and_the_file_stays(db: TestDB, fakes: Fakes) -> None:
    seed(db, "compta@dupont.fr")
    fakes.refuse = "The SMTP server smtp.example.fr:587 closed the connection."
    with db.ctx() as ctx:
        set_setting(ctx.session, "smtp_host", "smtp.example.fr", None)
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 2), channel="email", tools=fakes.tools())
        mailing = pending(ctx, fakes.tools())

    def write(work: Any) -> Any:
        with db.ctx() as ctx:
            return work(ctx)

    send_after_commit(write, mailing, fakes.tools())
    [document] = documents(db)
    assert (document.email_status, document.email_error) == ("failed", fakes.refuse)
    assert mailing.items[0].path.exists()
    # Sent again once the server answers.
    fakes.refuse = ""
    with db.ctx() as ctx:
        again = redeliver(ctx, document.id or 0, fakes.tools())
    assert [item.path for item in again.items] == [mailing.items[0].path]
    assert documents(db)[0].email_status == "outbox"
    send_after_commit(write, again, fakes.tools())
    assert documents(db)[0].email_status == "sent" and len(fakes.sent) == 1


def test_without_smtp_host_the_email_waits_in_the_outbox(db: TestDB, fakes: Fakes) -> None:
    seed(db, "compta@dupont.fr")
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
        mark_done(ctx, step(ctx, 2), channel="email", tools=fakes.tools())
        mailing = pending(ctx, fakes.tools())
    assert mailing.smtp is None and len(mailing.items) == 1
    assert send_after_commit(lambda work: None, mailing, fakes.tools()) == []
    assert documents(db)[0].email_status == "outbox" and fakes.sent == []


def test_redeliver_refuses_a_printed_letter(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
        mark_done(ctx, step(ctx, 2), tools=fakes.tools())
    [document] = documents(db)
    with pytest.raises(UserError, match="not sent by e-mail"), db.ctx() as ctx:
        redeliver(ctx, document.id or 0, fakes.tools())


def test_redeliver_writes_the_email_again_when_its_file_is_gone(db: TestDB, fakes: Fakes) -> None:
    seed(db, "compta@dupont.fr")
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
        mark_done(ctx, step(ctx, 2), channel="email", tools=fakes.tools())
        first = pending(ctx, fakes.tools()).items[0].path
    first.unlink()
    [document] = documents(db)
    with db.ctx() as ctx:
        again = redeliver(ctx, document.id or 0, fakes.tools())
    assert again.items[0].path.exists()
    assert find_message(fakes.outbox, document.id or 0) == again.items[0].path


def test_letter_of_makes_a_missing_letter_again(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    step2 = todo(db, 2)
    with db.ctx() as ctx:
        mark_done(ctx, step2, documents=False)  # as the demo does
    assert documents(db) == []
    with db.ctx(today="2026-03-05") as ctx:
        made = letter_of(ctx, step2, fakes.tools())
        assert made.channel == "print" and made.day == dt.date(2026, 3, 2)  # its done day
    with db.ctx() as ctx:
        assert letter_of(ctx, step2, fakes.tools()).id == made.id  # kept: not made twice
        assert document_for_intervention(ctx, step2) is not None
    with db.session() as session:
        assert document_view(session, made.id or 0).template == "notification"


def test_letter_of_refuses_steps_without_a_letter(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    step1 = todo(db, 1)
    with pytest.raises(UserError, match="has no letter"), db.ctx() as ctx:
        letter_of(ctx, step1, fakes.tools())
    with db.ctx() as ctx:
        mark_done(ctx, step1, tools=fakes.tools())
    with pytest.raises(UserError, match="marked done"), db.ctx() as ctx:
        letter_of(ctx, step(ctx, 2), fakes.tools())


def test_skipping_makes_no_letter(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
        mark_skipped(ctx, step(ctx, 2))
    assert documents(db) == []


def test_letters_due_and_the_batch(db: TestDB, fakes: Fakes) -> None:
    number = seed(db)
    with db.ctx() as ctx:
        customer = add_customer(ctx.session, "CMARTIN", "Martin SA", email="m@martin.fr")
        add_entry(
            ctx.session, customer, "invoice", "2026-01-02", "500.00", due="2026-02-01", invoice="F9"
        )
        save_scenario(ctx.session, COURTESY, actor=None)
        other = open_dossier(ctx, "CMARTIN", "Relance courtoise", agent="boss").number
        mark_done(ctx, _first_todo(ctx, number), tools=fakes.tools())  # CDUPONT's call
    with db.session() as session:
        due = letters_due(session, dt.date(2026, 3, 2))
        assert [(item.dossier, item.step_no, item.channel) for item in due] == [
            (number, 2, "print")
        ]
        later = letters_due(session, dt.date(2026, 3, 9))
        assert [item.dossier for item in later] == [number]
        with pytest.raises(UserError, match="nobody"):
            letters_due(session, dt.date(2026, 3, 2), "nobody")
        assert letters_due(session, dt.date(2026, 3, 2), "boss") == []
    with db.ctx() as ctx:
        mark_done(ctx, _first_todo(ctx, other), tools=fakes.tools())  # CMARTIN's call
    with db.session() as session:
        due = letters_due(session, dt.date(2026, 3, 9))
        assert {(item.dossier, item.channel) for item in due} == {
            (number, "print"),
            (other, "email"),
        }
    printed = [item for item in due if item.channel == "print"]
    with db.ctx(today="2026-03-09") as ctx:
        pdf = batch_pdf(ctx, printed, fakes.tools())
    assert pdf.startswith(b"%PDF") and number.encode() in pdf
    assert documents(db) == []  # rendering the batch writes nothing
    with db.ctx(today="2026-03-09") as ctx:
        assert mark_batch(ctx, printed, "print", fakes.tools()) == [printed[0].intervention_id]
    [document] = documents(db)
    assert document.channel == "print" and document.day == dt.date(2026, 3, 9)


def test_a_batch_item_changed_since_it_was_listed_is_refused(db: TestDB, fakes: Fakes) -> None:
    seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1), tools=fakes.tools())
    with db.session() as session:
        due = letters_due(session, dt.date(2026, 3, 2))
    with db.ctx() as ctx:
        mark_done(ctx, due[0].intervention_id, tools=fakes.tools())
    with pytest.raises(UserError), db.ctx() as ctx:
        mark_batch(ctx, due, "print", fakes.tools())
    assert len(documents(db)) == 1


def _first_todo(ctx: Any, number: str) -> int:
    dossier = ctx.session.exec(select(Dossier).where(Dossier.number == number)).one()
    found = ctx.session.exec(
        select(Intervention.id).where(
            Intervention.dossier_id == dossier.id, Intervention.status == "todo"
        )
    ).first()
    assert found is not None
    return int(found)


def real_templates(fakes: Fakes) -> Toolkit:
    """The real placeholders and templates; the outputs still the fakes'."""
    from engine.documents.compose import compose_letter
    from engine.documents.context import dossier_context

    return replace(fakes.tools(), context=dossier_context, compose=compose_letter)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_real_templates_walk_the_builtin_scenario(db: TestDB, fakes: Fakes, language: str) -> None:
    """Every step of the built-in scenario done in turn: each step with a template keeps
    its letter, rendered from the real templates in the company's language."""
    number = seed(db)
    tools = real_templates(fakes)
    with db.ctx() as ctx:
        set_setting(ctx.session, "document_language", language, None)
        set_setting(ctx.session, "penalty_rate", "12.15", None)
    day = dt.date(2026, 3, 2)
    for _turn in range(10):
        with db.ctx(today=day.isoformat()) as ctx:
            ident = _first_todo_or_none(ctx, number)
            if ident is None:
                break
            planned = ctx.session.get(Intervention, ident).planned  # type: ignore[union-attr]
        day = max(day, planned)
        with db.ctx(today=day.isoformat()) as ctx:
            mark_done(ctx, ident, tools=tools)
    kept = documents(db)
    assert [row.template for row in kept] == [
        "notification",
        "relance_1",
        "relance_2",
        "mise_en_demeure",
        "injonction",
    ]
    for row in kept:
        assert row.language == language and row.template_version == 0
        assert number in row.text, row.text


def _first_todo_or_none(ctx: Any, number: str) -> int | None:
    dossier = ctx.session.exec(select(Dossier).where(Dossier.number == number)).one()
    found = ctx.session.exec(
        select(Intervention.id).where(
            Intervention.dossier_id == dossier.id, Intervention.status == "todo"
        )
    ).first()
    return None if found is None else int(found)


# -- the real outputs (PDF, plain text, e-mail, SMTP)


class Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def real() -> Iterator[None]:
    produce.use_toolkit(None)  # the real toolkit
    yield


def pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_real_letter_is_a_pdf_naming_the_dossier(db: TestDB, real: None) -> None:
    number = seed(db)
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 1))
        mark_done(ctx, step(ctx, 2))
    [document] = documents(db)
    assert document.pdf is not None and document.pdf.startswith(b"%PDF")
    assert number in pdf_text(document.pdf)
    assert number in document.text and document.subject


def test_real_email_is_sent_after_commit(db: TestDB, real: None, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    number = seed(db, "compta@dupont.fr")
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with db.ctx() as ctx:
            for key, value in (
                ("smtp_host", "127.0.0.1"),
                ("smtp_port", str(controller.port)),
                ("smtp_from", "relances@masociete.fr"),
                ("outbox_dir", str(tmp_path / "outbox")),
            ):
                set_setting(ctx.session, key, value, None)
            mark_done(ctx, step(ctx, 1))
        with db.ctx() as ctx:
            mark_done(ctx, step(ctx, 2), channel="both")
            mailing = pending(ctx)
        [item] = mailing.items
        parsed = email.message_from_bytes(item.path.read_bytes(), policy=email.policy.default)
        assert parsed["To"] == "compta@dupont.fr"
        assert parsed["From"] == "relances@masociete.fr"
        [attachment] = list(parsed.iter_attachments())  # type: ignore[attr-defined]
        assert attachment.get_content_type() == "application/pdf"
        assert number in pdf_text(attachment.get_content())
        assert sink.received == []  # nothing sent while the transaction was open

        def write(work: Any) -> Any:
            with db.ctx() as ctx:
                return work(ctx)

        assert [d.error for d in send_after_commit(write, mailing)] == [""]
    finally:
        controller.stop()
    assert len(sink.received) == 1 and b"compta@dupont.fr" in sink.received[0]
    assert documents(db)[0].email_status == "sent"
    assert (tmp_path / "outbox" / "sent" / item.path.name).exists()


def test_real_email_failure_is_recorded(db: TestDB, real: None, tmp_path: Path) -> None:
    seed(db, "compta@dupont.fr")
    with db.ctx() as ctx:
        for key, value in (
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", str(free_port())),  # nobody listens there
            ("smtp_from", "relances@masociete.fr"),
            ("outbox_dir", str(tmp_path / "outbox")),
        ):
            set_setting(ctx.session, key, value, None)
        mark_done(ctx, step(ctx, 1))
    with db.ctx() as ctx:
        mark_done(ctx, step(ctx, 2), channel="email")
        mailing = pending(ctx)

    def write(work: Any) -> Any:
        with db.ctx() as ctx:
            return work(ctx)

    [delivery] = send_after_commit(write, mailing)
    assert "127.0.0.1" in delivery.error
    [document] = documents(db)
    assert document.email_status == "failed" and document.email_error == delivery.error
    assert mailing.items[0].path.exists()  # stays in the outbox
