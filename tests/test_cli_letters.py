"""``intervention done --channel``, ``letter ID`` and ``letters`` on both backends: what they
print, what they keep, and bad values refused with exit 2 and nothing written. The outputs
are the small fakes of tests/documents_fakes.py (the flow alone)."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from engine.access import add_user
from engine.documents import produce
from engine.dossiers import open_dossier
from engine.interventions import mark_done
from engine.scenarios import BUILTIN_NAME, COURTESY, save_scenario
from models.tables import Document, Dossier, Intervention
from tests.conftest import TestDB
from tests.documents_fakes import Fakes
from tests.factories import add_customer, add_entry
from tui.cli import main

TODAY = "2026-03-02"


@pytest.fixture
def fakes(tmp_path: Path) -> Iterator[Fakes]:
    fake = Fakes(tmp_path / "outbox")
    produce.use_toolkit(fake.tools())
    yield fake
    produce.use_toolkit(None)


class Cli:
    def __init__(self, db: TestDB, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str, user: str = "boss", today: str = TODAY) -> tuple[int, str, str]:
        code = main(["--db", self.db.url, "--user", user, "--today", today, *args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(db: TestDB, capsys: pytest.CaptureFixture[str], fakes: Fakes) -> Cli:
    return Cli(db, capsys)


def seed(db: TestDB, address: str = "") -> str:
    """CDUPONT's dossier, its phone call (step 1) done: step 2, a letter, is due today."""
    with db.ctx() as ctx:
        customer = add_customer(ctx.session, email=address)
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
        number = open_dossier(ctx, "CDUPONT", BUILTIN_NAME, agent="alice").number
        mark_done(ctx, todo_of(ctx, number))
    return number


def todo_of(ctx: Any, number: str) -> int:
    found = ctx.session.exec(
        select(Intervention.id)
        .join(Dossier, col(Dossier.id) == col(Intervention.dossier_id))
        .where(Dossier.number == number, Intervention.status == "todo")
    ).first()
    assert found is not None
    return int(found)


def step2(db: TestDB, number: str) -> int:
    with db.ctx() as ctx:
        return todo_of(ctx, number)


def documents(db: TestDB) -> list[tuple[Any, ...]]:
    with db.session() as session:
        return [
            (row.intervention_id, row.channel, row.email_status)
            for row in session.exec(select(Document).order_by(col(Document.id)))
        ]


def status(db: TestDB, ident: int) -> str:
    with db.session() as session:
        item = session.get(Intervention, ident)
        assert item is not None
        return item.status


def test_done_keeps_the_letter_and_says_so(db: TestDB, cli: Cli) -> None:
    ident = step2(db, seed(db))
    code, out, err = cli("intervention", "done", str(ident), "--channel", "print")
    assert code == 0, err
    assert "notification" in out and f"letter {ident} --out" in out
    assert documents(db) == [(ident, "print", "")]


@pytest.mark.parametrize("channel", ["fax", "mark", ""])
def test_done_with_a_bad_channel_exits_2(db: TestDB, cli: Cli, channel: str) -> None:
    ident = step2(db, seed(db))
    code, _out, err = cli("intervention", "done", str(ident), "--channel", channel)
    assert code == 2 and "--channel" in err
    assert status(db, ident) == "todo" and documents(db) == []


def test_done_by_email_without_an_address_exits_2(db: TestDB, cli: Cli) -> None:
    ident = step2(db, seed(db))
    code, _out, err = cli("intervention", "done", str(ident), "--channel", "email")
    assert code == 2
    assert "CDUPONT" in err and "contacts add" in err and "customers edit CDUPONT" in err
    assert status(db, ident) == "todo" and documents(db) == []


def test_done_by_email_writes_the_outbox(db: TestDB, cli: Cli, fakes: Fakes) -> None:
    ident = step2(db, seed(db, "compta@dupont.fr"))
    code, _out, err = cli("intervention", "done", str(ident), "--channel", "both")
    assert code == 0
    assert "outbox" in err  # no SMTP server: it waits there
    [eml] = list(fakes.outbox.glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "compta@dupont.fr"
    assert documents(db) == [(ident, "both", "outbox")]


def test_letter_prints_what_it_is_and_writes_its_pdf(db: TestDB, cli: Cli, tmp_path: Path) -> None:
    number = seed(db)
    ident = step2(db, number)
    assert cli("intervention", "done", str(ident))[0] == 0
    code, out, _err = cli("letter", str(ident))
    assert code == 0 and "notification" in out and "print" in out
    code, out, _err = cli("letter", str(ident), "--text")
    assert code == 0 and number in out
    target = tmp_path / "letter.pdf"
    code, out, _err = cli("letter", str(ident), "--out", str(target))
    assert code == 0 and target.read_bytes().startswith(b"%PDF")
    assert len(documents(db)) == 1


def test_letter_is_made_again_when_missing(db: TestDB, cli: Cli) -> None:
    number = seed(db)
    ident = step2(db, number)
    with db.ctx() as ctx:
        mark_done(ctx, ident, documents=False)
    code, out, err = cli("letter", str(ident))
    assert code == 0, err
    assert "made again" in out
    assert documents(db) == [(ident, "print", "")]
    assert cli("letter", str(ident))[0] == 0
    assert len(documents(db)) == 1


def test_letter_refusals(db: TestDB, cli: Cli, tmp_path: Path) -> None:
    number = seed(db)
    ident = step2(db, number)
    code, _out, err = cli("letter", str(ident))  # not done yet
    assert code == 2 and "marked done" in err
    code, _out, err = cli("letter", "999999")
    assert code == 2 and "999999" in err
    code, _out, err = cli("letter", "abc")
    assert code == 2
    code, _out, err = cli("letter", str(ident), "--out", str(tmp_path / "no" / "x.pdf"))
    assert code == 2 and "does not exist" in err
    assert documents(db) == []


def test_letters_writes_the_batch_and_marks_done_only_with_done(
    db: TestDB, cli: Cli, tmp_path: Path
) -> None:
    number = seed(db)
    ident = step2(db, number)
    target = tmp_path / "batch.pdf"
    code, out, err = cli("letters", "--out", str(target))
    assert code == 0, err
    assert number in out and "--done" in out
    assert target.read_bytes().startswith(b"%PDF") and number.encode() in target.read_bytes()
    assert status(db, ident) == "todo" and documents(db) == []  # not confirmed: a script
    code, out, err = cli("letters", "--out", str(target), "--done")
    assert code == 0, err
    assert status(db, ident) == "done" and documents(db) == [(ident, "print", "")]
    code, out, _err = cli("letters", "--out", str(tmp_path / "again.pdf"))
    assert code == 0 and not (tmp_path / "again.pdf").exists()


def test_letters_sends_the_email_steps(db: TestDB, cli: Cli, tmp_path: Path) -> None:
    with db.ctx() as ctx:
        customer = add_customer(ctx.session, "CMARTIN", "Martin SA", email="m@martin.fr")
        add_entry(
            ctx.session, customer, "invoice", "2026-01-02", "500.00", due="2026-02-01", invoice="F9"
        )
        save_scenario(ctx.session, COURTESY, actor=None)
        number = open_dossier(ctx, "CMARTIN", COURTESY.name).number
        mark_done(ctx, todo_of(ctx, number))  # the call; the e-mail step comes 7 days later
    ident = step2(db, number)
    target = tmp_path / "batch.pdf"
    code, out, err = cli("letters", "--out", str(target), "--date", "2026-03-31")
    assert code == 0, err
    assert "m@martin.fr" in out and not target.exists()  # nothing to print
    assert status(db, ident) == "done" and documents(db) == [(ident, "email", "outbox")]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--agent", "nobody"], "nobody"),
        (["--date", "2026-02-30"], "--date"),
        (["--out", "{tmp}/no/such/folder/x.pdf"], "does not exist"),
        (["--out", "{tmp}"], "file to write"),
    ],
)
def test_letters_bad_values_exit_2_writing_nothing(
    db: TestDB, cli: Cli, tmp_path: Path, args: list[str], needle: str
) -> None:
    ident = step2(db, seed(db))
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "x.pdf")]
    code, _out, err = cli("letters", *args, "--done")
    assert code == 2 and needle in err
    assert not (tmp_path / "x.pdf").exists()
    assert status(db, ident) == "todo" and documents(db) == []


def test_letters_needs_out(db: TestDB, cli: Cli) -> None:
    seed(db)
    code, _out, err = cli("letters")
    assert code == 2 and "--out" in err


# -- the real outputs


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def real_cli(db: TestDB, capsys: pytest.CaptureFixture[str]) -> Cli:
    produce.use_toolkit(None)
    return Cli(db, capsys)


def test_real_letter_and_batch_pdfs(db: TestDB, real_cli: Cli, tmp_path: Path) -> None:
    number = seed(db)
    with db.ctx() as ctx:
        customer = add_customer(ctx.session, "CMARTIN", "Martin SA")
        add_entry(
            ctx.session,
            customer,
            "invoice",
            "2026-01-02",
            "500.00",
            due="2026-02-01",
            invoice="F9",
        )
        other = open_dossier(ctx, "CMARTIN", BUILTIN_NAME).number
        mark_done(ctx, todo_of(ctx, other))
    batch = tmp_path / "batch.pdf"
    code, out, err = real_cli("letters", "--out", str(batch), "--done")
    assert code == 0, err
    text = pdf_text(batch)
    assert number in text and other in text
    with db.session() as session:  # CDUPONT's letter step, done by the batch
        done = session.exec(
            select(Intervention.id)
            .join(Dossier, col(Dossier.id) == col(Intervention.dossier_id))
            .where(Dossier.number == number, Intervention.step_no == 2)
        ).one()
    single = tmp_path / "one.pdf"
    code, out, err = real_cli("letter", str(done), "--out", str(single))
    assert code == 0, err
    assert number in pdf_text(single) and other not in pdf_text(single)
    code, out, err = real_cli("letter", str(done), "--text")
    assert code == 0 and number in out


def test_outbox_lists_the_waiting_emails_and_sends_them_once_a_server_is_set(
    db: TestDB, cli: Cli, fakes: Fakes
) -> None:
    number = seed(db, "compta@dupont.fr")
    ident = step2(db, number)
    assert cli("intervention", "done", str(ident), "--channel", "email")[0] == 0
    code, out, _err = cli("outbox", "--json")
    [waiting] = json.loads(out)
    assert code == 0
    assert waiting["dossier"] == number and waiting["customer"] == "CDUPONT"
    assert (waiting["recipient"], waiting["status"], waiting["error"]) == (
        "compta@dupont.fr",
        "outbox",
        None,
    )
    code, out, _err = cli("outbox", "send")  # still no server: they stay
    assert code == 0 and "smtp_host" in out and fakes.sent == []
    assert cli("settings", "set", "smtp_host", "mail.example")[0] == 0
    fakes.refuse = "The SMTP server mail.example refused the login."
    code, _out, err = cli("outbox", "send")
    assert code == 0 and "refused the login" in err
    assert documents(db) == [(ident, "email", "failed")]
    assert "refused the login" in json.loads(cli("outbox", "--json")[1])[0]["error"]
    fakes.refuse = ""
    code, out, _err = cli("outbox", "send")
    assert code == 0 and "1 e-mail(s) sent" in out
    assert [m["To"] for m in fakes.sent] == ["compta@dupont.fr"]
    assert documents(db) == [(ident, "email", "sent")]
    assert cli("outbox")[1].startswith("No e-mail waiting")
    code, _out, err = cli("outbox", "send", user="cmoreau")
    assert code == 2 and "cmoreau" in err
