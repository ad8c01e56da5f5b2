"""Preventive reminder letters made for real (engine.documents.customer_letters): print puts
every customer's letter in one PDF, e-mail writes one message per customer to the outbox
and sends it after the commit; each is a Document the reminded entries point to; never
twice; a customer without an address is reported, not sent. Both backends."""

from __future__ import annotations

import email
import email.policy
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlmodel import col, select

from engine.access import add_user
from engine.context import Ctx
from engine.documents.customer_letters import send_reminders
from engine.documents.produce import Toolkit, real_toolkit, send_after_commit
from engine.errors import UserError
from engine.settings import set_setting
from models.tables import Contact, Customer, Document, EntryReminder
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tui.cli import main

T = "2026-03-02"


def squash(text: str) -> str:
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return squash(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def seeded(db: TestDB, tmp_path: Path) -> dict[str, Any]:
    with db.ctx(T) as ctx:
        s = ctx.session
        set_setting(s, "reminder_period_days", "10", None)
        set_setting(s, "outbox_dir", str(tmp_path / "outbox"), None)
        set_setting(s, "company_email", "recouvrement@masociete.fr", None)
        dupont = add_customer(
            s, "CDUPONT", "Dupont Frères", address="1 rue de la Paix\n75002 Paris"
        )
        martin = add_customer(s, "CMARTIN", "Martin & Fils", email="compta@martin.fr")
        bare = add_customer(s, "CNUL", "Sans Adresse SARL")
        ids = {
            "d1": add_entry(
                s, dupont, "invoice", "2026-02-01", "1200.00", due="2026-03-05", invoice="FD1"
            ).id,
            "d2": add_entry(
                s, dupont, "invoice", "2026-02-02", "80.50", due="2026-03-09", invoice="FD2"
            ).id,
            "m1": add_entry(
                s, martin, "invoice", "2026-02-03", "345.67", due="2026-03-04", invoice="FM1"
            ).id,
            "n1": add_entry(
                s, bare, "invoice", "2026-02-03", "10.00", due="2026-03-04", invoice="FN1"
            ).id,
        }
        s.add(Contact(customer_id=martin.id, name="Sophie Martin", email="sophie@martin.fr"))
        return {"ids": ids, "customers": {c.code: c.id for c in (dupont, martin, bare)}}


def reminders(db: TestDB) -> dict[int, tuple[str, int | None]]:
    with db.session() as session:
        return {
            r.entry_id: (r.channel, r.document_id)
            for r in session.exec(select(EntryReminder).order_by(col(EntryReminder.entry_id)))
        }


def documents(db: TestDB) -> list[Document]:
    with db.session() as session:
        found = list(session.exec(select(Document).order_by(col(Document.id))))
        session.expunge_all()
        return found


def test_print_puts_every_letter_in_one_pdf_and_links_the_entries(
    db: TestDB, seeded: dict[str, Any], tmp_path: Path
) -> None:
    ids = seeded["ids"]
    with db.ctx(T) as ctx:
        run = send_reminders(ctx, "print", tmp_path)
    assert run.path == tmp_path / "avis-echeance-2026-03-02.pdf" and run.path.exists()
    missing = {s.customer: s.missing for s in run.results if s.missing}
    assert set(missing) == {"CMARTIN", "CNUL"}  # no postal address: reported, not sent
    assert "postal address" in str(missing["CNUL"])
    text = pdf_text(run.path.read_bytes())
    assert "Dupont Frères" in text and "FD1" in text and "FD2" in text
    assert "1 200,00 €" in text and "80,50 €" in text and "1 280,50 €" in text
    assert "Martin" not in text and "Sans Adresse" not in text
    [document] = documents(db)
    assert (document.kind, document.template, document.channel) == (
        "reminder",
        "avis_echeance",
        "print",
    )
    assert document.dossier_id is None and document.customer_id == seeded["customers"]["CDUPONT"]
    assert document.pdf and "FD2" in pdf_text(document.pdf)
    assert "Dupont Frères" in document.text and document.email_status == ""
    assert reminders(db) == {ids["d1"]: ("print", document.id), ids["d2"]: ("print", document.id)}


def test_never_twice_and_an_earlier_file_is_not_overwritten(
    db: TestDB, seeded: dict[str, Any], tmp_path: Path
) -> None:
    with db.ctx(T) as ctx:
        first = send_reminders(ctx, "print", tmp_path)
    with db.ctx(T) as ctx:
        second = send_reminders(ctx, "print", tmp_path)
    assert first.path is not None and second.path is None  # nothing left to print
    assert all(s.missing for s in second.results)
    assert len(documents(db)) == 1
    with db.session() as session:  # a new invoice falls in the window: a second file
        dupont = seeded["customers"]["CDUPONT"]
        add_entry(
            session,
            session.get(Customer, dupont),
            "invoice",
            "2026-02-05",
            "9.99",
            due="2026-03-10",
            invoice="FD3",
        )
    with db.ctx(T) as ctx:
        third = send_reminders(ctx, "print", tmp_path)
    assert third.path == tmp_path / "avis-echeance-2026-03-02-2.pdf"
    text = pdf_text(third.path.read_bytes())
    assert "FD3" in text and "FD1" not in text


def test_email_one_message_per_customer_with_its_pdf_sent_after_commit(
    db: TestDB, seeded: dict[str, Any], tmp_path: Path
) -> None:
    sent: list[Any] = []

    def send(messages, smtp):
        sent.extend(messages)
        return [""] * len(messages)

    tools: Toolkit = replace(real_toolkit(), send=send)
    with db.ctx(T) as ctx:
        set_setting(ctx.session, "smtp_host", "smtp.example.fr", None)
    with db.ctx(T) as ctx:
        run = send_reminders(ctx, "email", tools=tools)
        assert sent == []  # nothing leaves while the transaction is open
    missing = {s.customer for s in run.results if s.missing}
    assert missing == {"CDUPONT", "CNUL"}  # no e-mail address
    [item] = run.mailing.items
    parsed = email.message_from_bytes(item.path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "sophie@martin.fr"  # the main contact before the customer
    assert "Avis d'échéance" in str(parsed["Subject"])
    body = parsed.get_body(("plain",))
    assert body is not None and "FM1" in body.get_content()
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert "Martin & Fils" in text and "345,67 €" in text

    def write(work: Any) -> Any:
        with db.ctx(T) as ctx:
            return work(ctx)

    deliveries = send_after_commit(write, run.mailing, tools)
    assert [d.error for d in deliveries] == [""] and len(sent) == 1
    [document] = documents(db)
    assert (document.kind, document.channel, document.recipient, document.email_status) == (
        "reminder",
        "email",
        "sophie@martin.fr",
        "sent",
    )
    assert reminders(db) == {seeded["ids"]["m1"]: ("email", document.id)}


def test_a_refused_run_writes_nothing(db: TestDB, seeded: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(UserError, match="existing folder"), db.ctx(T) as ctx:
        send_reminders(ctx, "print", tmp_path / "nowhere")
    with db.session() as session:
        add_user(session, None, "audrey", "auditor")
    with pytest.raises(UserError, match="auditor"), db.ctx(T, login="audrey") as ctx:
        send_reminders(ctx, "print", tmp_path)
    assert documents(db) == [] and reminders(db) == {}
    assert list(tmp_path.glob("*.pdf")) == []


# -- the command


def run(db: TestDB, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", "boss", "--today", T, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_reminders_send_print_says_where_it_wrote(
    db: TestDB, seeded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "reminders", "send", "--out", str(tmp_path))
    assert code == 0, err
    path = tmp_path / "avis-echeance-2026-03-02.pdf"
    assert f"1 letter(s) written to {path}." in out
    assert "CNUL Sans Adresse SARL: not sent, no postal address" in out
    assert path.exists()


def test_reminders_send_email_without_smtp_leaves_it_in_the_outbox(
    db: TestDB, seeded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "reminders", "send", "--channel", "email")
    assert code == 0, err
    assert "CMARTIN Martin & Fils: entries" in out
    assert "E-mail written to the outbox" in err
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


@pytest.mark.parametrize("out_dir", ["nowhere", ""])
def test_reminders_send_to_a_missing_folder_exits_2_writing_nothing(
    db: TestDB,
    seeded: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    out_dir: str,
) -> None:
    code, _out, err = run(
        db, capsys, "reminders", "send", "--out", str(tmp_path / out_dir) if out_dir else " "
    )
    assert code == 2 and "--out" in err and "existing folder" in err
    assert documents(db) == [] and reminders(db) == {}


# -- screen 5: `p` prints or e-mails the ticked customers' letters


async def test_reminders_screen_prints_then_emails_the_ticked(
    sqlite_db: TestDB, tmp_path: Path
) -> None:
    from textual.widgets import Input, OptionList

    from tests.test_tui_reminders import open_reminders, seed_reminders
    from tests.test_tui_scenarios import notified
    from tests.tui_helpers import TODAY, wait_for
    from tui.app import RecouvrementApp
    from tui.screens.help import key_rows
    from tui.screens.prompts import ChoiceModal, PromptModal

    seed_reminders(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        s = ctx.session
        set_setting(s, "outbox_dir", str(tmp_path / "outbox"), None)
        set_setting(s, "company_email", "recouvrement@masociete.fr", None)
        for customer in s.exec(select(Customer).where(col(Customer.code).in_(["CZED", "CRAPPEL"]))):
            if customer.code == "CZED":
                customer.address = "3 rue Neuve\n69002 Lyon"
            else:
                customer.email = "compta@rappel.example"
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_reminders(pilot)
        assert ("p", "Print / e-mail") in key_rows(screen)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")  # the first choice: print
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        app.screen.query_one("#folder", Input).value = str(tmp_path)
        await pilot.press("enter")
        path = tmp_path / "avis-echeance-2026-03-02.pdf"
        await wait_for(pilot, lambda: notified(app, f"1 letter(s) written to {path}."))
        assert notified(app, "Not sent, no address: CRAPPEL")
        await wait_for(pilot, lambda: screen.data is not None and len(screen.data["groups"]) == 1)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        app.screen.query_one(OptionList).highlighted = 1
        await pilot.press("enter")  # e-mail
        await wait_for(pilot, lambda: notified(app, "E-mails made: 1."))
        await wait_for(pilot, lambda: notified(app, "E-mail written to the outbox"))
        await wait_for(pilot, lambda: screen.data is not None and screen.data["groups"] == [])
    assert "Zed SA" in pdf_text(path.read_bytes()) and "F-Z1" in pdf_text(path.read_bytes())
    kept = [(d.kind, d.channel, d.recipient) for d in documents(sqlite_db)]
    assert kept == [("reminder", "print", ""), ("reminder", "email", "compta@rappel.example")]
    assert len(reminders(sqlite_db)) == 3


# -- never twice, whatever the days and channels


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.sampled_from(["print", "email", "mark"])), max_size=4
    ),
    st.lists(st.integers(-2, 14), min_size=1, max_size=6),
)
def test_an_invoice_is_reminded_once_by_the_document_of_its_customer(
    db: TestDB, runs: list[tuple[int, str]], dues: list[int]
) -> None:
    import datetime as dt
    import tempfile

    start = dt.date(2026, 3, 2)
    session = db.factory()
    try:
        ctx = Ctx.load(session, "boss", start)
        set_setting(session, "reminder_period_days", "5", None)
        set_setting(session, "company_email", "recouvrement@masociete.fr", None)
        customers = [
            add_customer(
                session, f"P{i}", f"Prop {i}", address="1 rue X\n75001 Paris", email=f"p{i}@x.fr"
            )
            for i in range(2)
        ]
        entries = [
            add_entry(
                session,
                customers[n % 2],
                "invoice",
                "2026-02-01",
                "10.00",
                due=(start + dt.timedelta(days=due)).isoformat(),
                invoice=f"F{n}",
            )
            for n, due in enumerate(dues)
        ]
        with tempfile.TemporaryDirectory() as folder:
            set_setting(session, "outbox_dir", str(Path(folder) / "outbox"), None)
            for offset, channel in sorted(runs):
                ctx = Ctx.load(session, "boss", start + dt.timedelta(days=offset))
                run = send_reminders(ctx, channel, folder)
                for sent in run.results:
                    assert sent.skipped == [] and sent.recorded == sent.entries
                    assert (sent.document_id is None) == (channel == "mark")
        rows = list(session.exec(select(EntryReminder)))
        assert len({r.entry_id for r in rows}) == len(rows)  # never twice
        by_id = {e.id: e for e in entries}
        for row in rows:
            entry = by_id[row.entry_id]
            assert entry.reminder_count == 1
            if row.channel == "mark":
                assert row.document_id is None
                continue
            document = session.get(Document, row.document_id)
            assert document is not None and document.kind == "reminder"
            assert document.customer_id == entry.customer_id and document.channel == row.channel
    finally:
        session.rollback()
        session.close()
