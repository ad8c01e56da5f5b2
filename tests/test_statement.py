"""A customer's statement (``statement CODE``, engine.documents.customer_letters): every
entry open on --today, due or not, with days late and totals; --text reads it (nothing
kept), --out writes its PDF and --email sends it, each kept as a Document (kind
"statement"); bad values exit 2 and write nothing. Both backends."""

from __future__ import annotations

import email
import email.policy
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from engine.settings import set_setting
from models.tables import Customer, Document
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tui.cli import main

T = "2026-03-02"
HOSTILE = "Evil\x1b[31m Corp"


@pytest.fixture
def seeded(db: TestDB, tmp_path: Path) -> None:
    with db.ctx(T) as ctx:
        s = ctx.session
        set_setting(s, "outbox_dir", str(tmp_path / "outbox"), None)
        set_setting(s, "company_email", "recouvrement@masociete.fr", None)
        dupont = add_customer(
            s, "CDUPONT", "Dupont Frères", address="1 rue de la Paix\n75002 Paris"
        )
        add_entry(s, dupont, "invoice", "2026-01-02", "1200.00", due="2026-02-01", invoice="FA1")
        add_entry(s, dupont, "invoice", "2026-02-20", "300.00", due="2026-04-30", invoice="FA2")
        add_entry(s, dupont, "invoice", "2026-03-10", "99.00", due="2026-04-10", invoice="LATER")
        add_customer(s, "CEVIL", HOSTILE, email="compta@evil.example")


def run(db: TestDB, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", "boss", "--today", T, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def documents(db: TestDB) -> list[Document]:
    with db.session() as session:
        found = list(session.exec(select(Document).order_by(col(Document.id))))
        session.expunge_all()
        return found


def squash(text: str) -> str:
    return " ".join(text.split())


def test_text_lists_every_open_entry_due_or_not_and_keeps_nothing(
    db: TestDB, seeded: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "statement", "CDUPONT", "--text")
    assert code == 0, err
    text = squash(out)
    assert "Relevé de compte" in text and "Dupont Frères" in text
    assert "FA1" in text and "FA2" in text and "LATER" not in text  # dated after --today
    assert " 29 " in f" {text} "  # FA1: due 1 February, 29 days late on 2 March
    assert "1 500,00 €" in text and "1 200,00 €" in text  # the balance, what is overdue
    assert documents(db) == []


def test_out_writes_the_pdf_and_keeps_a_statement_document(
    db: TestDB, seeded: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "releve.pdf"
    code, out, err = run(db, capsys, "statement", "CDUPONT", "--out", str(target))
    assert code == 0, err
    assert f"written to {target}" in out
    pdf = squash(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    )
    assert "Dupont Frères" in pdf and "FA1" in pdf and "FA2" in pdf and "1 500,00 €" in pdf
    [document] = documents(db)
    assert (document.kind, document.template, document.channel, document.dossier_id) == (
        "statement",
        "releve",
        "print",
        None,
    )
    assert document.pdf == target.read_bytes()


def test_email_goes_to_the_outbox_with_the_pdf(
    db: TestDB, seeded: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "statement", "CEVIL", "--email")
    assert code == 0, err
    assert "\x1b" not in out + err  # the hostile name stays inert
    [path] = list((tmp_path / "outbox").glob("*.eml"))
    assert "E-mail written to the outbox" in err
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "compta@evil.example"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    [document] = documents(db)
    assert (document.kind, document.channel, document.email_status) == (
        "statement",
        "email",
        "outbox",
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["statement", "NOPE"], "Unknown customer 'NOPE'"),
        (["statement", "NOPE", "--out", "x.pdf"], "Unknown customer 'NOPE'"),
        (["statement", "CDUPONT", "--email"], "no e-mail address"),
        (["statement", "CDUPONT", "--out", "/nonexistent/dir/x.pdf"], "does not exist"),
        (["statement"], "required: code"),
    ],
)
def test_bad_values_exit_2_and_write_nothing(
    db: TestDB,
    seeded: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    needle: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(db, capsys, *args)
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err
    assert documents(db) == [] and list(tmp_path.glob("*.pdf")) == []


# -- the customer screen: `s` shows it, `w` writes its PDF, `m` e-mails it


async def test_customer_screen_shows_the_statement_then_writes_and_emails_it(
    sqlite_db: TestDB, tmp_path: Path
) -> None:
    from textual.widgets import Input, Static

    from tests.test_tui_scenarios import notified
    from tests.tui_helpers import TODAY, seed_tui, wait_for
    from tui.app import RecouvrementApp
    from tui.screens.customers import CustomerDetailScreen
    from tui.screens.forms import ConfirmForm
    from tui.screens.help import key_rows
    from tui.screens.prompts import PromptModal
    from tui.screens.statement_view import StatementModal

    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        set_setting(ctx.session, "outbox_dir", str(tmp_path / "outbox"), None)
        set_setting(ctx.session, "company_email", "recouvrement@masociete.fr", None)
        customer = ctx.session.exec(select(Customer).where(Customer.code == "CNEUF")).one()
        customer.email = "compta@neuf.fr"
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = CustomerDetailScreen("CNEUF")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.detail is not None)
        assert ("s", "Statement") in key_rows(screen)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, StatementModal))
        view = app.screen
        assert isinstance(view, StatementModal)
        shown = squash(str(view.query_one("#statement-text", Static).render()))
        assert "Relevé de compte" in shown and "F-NEUF" in shown and "640,00 €" in shown
        assert documents(sqlite_db) == []  # reading keeps nothing
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        target = tmp_path / "releve.pdf"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "Statement written to"))
        assert app.screen is view and target.exists()
        pdf = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
        assert "Neuf & Co" in pdf and "F-NEUF" in pdf
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert "compta@neuf.fr" in app.screen.message
        await pilot.press("y")
        await wait_for(pilot, lambda: notified(app, "E-mail written to the outbox"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
    kept = documents(sqlite_db)
    assert [(d.kind, d.channel, d.recipient) for d in kept] == [
        ("statement", "print", ""),
        ("statement", "email", "compta@neuf.fr"),
    ]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
