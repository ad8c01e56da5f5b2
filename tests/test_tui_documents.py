"""Pilot tests of letters in the TUI: the done form's preview and channel, the dossier's
Interventions tab (Letter column, read, write the PDF, re-send the e-mail) and the Actions
screen's letters of the day. The outputs are the small fakes of tests/documents_fakes.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual.widgets import Input, RadioButton, TextArea

from engine.documents import produce
from engine.interventions import mark_done
from engine.settings import set_setting
from models.tables import Customer, Document, Dossier, Intervention
from tests.conftest import TestDB
from tests.documents_fakes import Fakes
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.actions import ActionsScreen
from tui.screens.dossier_detail import DossierDetailScreen, ReadModal
from tui.screens.forms import ConfirmForm, DoneForm
from tui.screens.prompts import PromptModal


@pytest.fixture
def fakes(tmp_path: Path) -> Iterator[Fakes]:
    fake = Fakes(tmp_path / "outbox")
    produce.use_toolkit(fake.tools())
    yield fake
    produce.use_toolkit(None)


def seed(db: TestDB, address: str = "", smtp: bool = False) -> None:
    """seed_tui, every dossier's phone call (step 1) done: the letters (step 2) are due."""
    seed_tui(db)
    with db.ctx(TODAY) as ctx:
        if address:
            customer = ctx.session.exec(select(Customer).where(Customer.code == "CDUPONT")).one()
            customer.email = address
        if smtp:
            set_setting(ctx.session, "smtp_host", "smtp.example.fr", None)
        todos = ctx.session.exec(
            select(Intervention.id).where(Intervention.status == "todo", Intervention.step_no == 1)
        ).all()
        for ident in todos:
            assert ident is not None
            mark_done(ctx, ident)


def documents(db: TestDB) -> list[tuple[Any, ...]]:
    with db.session() as session:
        return [
            (row.intervention_id, row.channel, row.email_status)
            for row in session.exec(select(Document).order_by(col(Document.id)))
        ]


def step2(db: TestDB, number: str = "D000001") -> int:
    with db.session() as session:
        found = session.exec(
            select(Intervention.id)
            .join(Dossier, col(Dossier.id) == col(Intervention.dossier_id))
            .where(Dossier.number == number, Intervention.step_no == 2)
        ).first()
        assert found is not None
        return int(found)


async def open_detail(app: RecouvrementApp, pilot: Any) -> DossierDetailScreen:
    await settle(pilot)
    screen = DossierDetailScreen("D000001")
    app.push_screen(screen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


async def done_with_letter(app: RecouvrementApp, pilot: Any) -> DoneForm:
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
    form = app.screen
    assert isinstance(form, DoneForm)
    await wait_for(pilot, lambda: form.letter is not None)
    return form


async def to_step2_row(pilot: Any, screen: DossierDetailScreen) -> None:
    await pilot.press("right_square_bracket")  # the Interventions tab
    body = screen.tables["interventions"].body
    await wait_for(pilot, lambda: body.loaded and body.count > 2)
    await pilot.press("j")  # step 1, then step 2
    assert body.current is not None and body.current["step_no"] == 2


async def test_done_shows_the_letter_and_keeps_it(sqlite_db: TestDB, fakes: Fakes) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        form = await done_with_letter(app, pilot)
        preview = form.query_one("#letter-text", TextArea).text
        assert "notification D000001 2026-03-02" in preview
        assert form.query_one("#letter-text", TextArea).read_only
        # no address: e-mail is offered disabled, with the reason
        assert form.query_one("#channel-print", RadioButton).value
        assert form.query_one("#channel-email", RadioButton).disabled
        assert "CDUPONT" in str(form.query_one("#channel-note").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.data is not None and screen.data["current_step"] == 3)
    assert documents(sqlite_db) == [(step2(sqlite_db), "print", "")]


async def test_read_and_write_the_letter(sqlite_db: TestDB, fakes: Fakes, tmp_path: Path) -> None:
    seed(sqlite_db)
    ident = step2(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        mark_done(ctx, ident)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        await to_step2_row(pilot, screen)
        row = screen.tables["interventions"].body.current
        assert row is not None and row["letter"] == "PDF"
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadModal))
        modal = app.screen
        assert isinstance(modal, ReadModal) and "D000001" in modal.text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        target = tmp_path / "lettre.pdf"
        field = app.screen.query_one("#path", Input)
        assert field.value.endswith(".pdf")
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
    assert target.read_bytes().startswith(b"%PDF") and b"D000001" in target.read_bytes()


async def test_a_done_step_without_its_letter_gets_it_made_on_l(
    sqlite_db: TestDB, fakes: Fakes
) -> None:
    """A step done before letters existed (as the demo's are): `l` makes its letter, as
    `letter ID` does, and shows it; the Letter column then says so."""
    seed(sqlite_db)
    ident = step2(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        mark_done(ctx, ident, documents=False)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        await to_step2_row(pilot, screen)
        row = screen.tables["interventions"].body.current
        assert row is not None and row["document"] is None
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadModal))
        modal = app.screen
        assert isinstance(modal, ReadModal) and "D000001" in modal.text
        await pilot.press("escape")
        body = screen.tables["interventions"].body
        await wait_for(pilot, lambda: body.current is not None and body.current["letter"] == "PDF")
    assert documents(sqlite_db) == [(ident, "print", "")]


async def test_email_then_resend(sqlite_db: TestDB, fakes: Fakes) -> None:
    seed(sqlite_db, "compta@dupont.fr", smtp=True)
    fakes.refuse = "The SMTP server smtp.example.fr:587 closed the connection."
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        form = await done_with_letter(app, pilot)
        assert not form.query_one("#channel-email", RadioButton).disabled
        assert "compta@dupont.fr" in str(form.query_one("#channel-note").render())
        form.query_one("#channel-email", RadioButton).value = True
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: documents(sqlite_db)[-1:] == [(step2(sqlite_db), "email", "failed")]
        )
        await settle(pilot)
        await to_step2_row(pilot, screen)
        body = screen.tables["interventions"].body
        await wait_for(
            pilot, lambda: body.current is not None and body.current["letter"] == "✉ failed"
        )
        fakes.refuse = ""
        await pilot.press("m")
        await wait_for(pilot, lambda: documents(sqlite_db)[-1][2] == "sent")
        await settle(pilot)
        assert len(fakes.sent) == 1 and fakes.sent[0]["To"] == "compta@dupont.fr"


async def test_letters_of_the_day_from_actions(
    sqlite_db: TestDB, fakes: Fakes, tmp_path: Path
) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen))
        screen = app.screen
        await settle(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        target = tmp_path / "lettres.pdf"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert target.read_bytes().startswith(b"%PDF")
        assert documents(sqlite_db) == []  # not marked done before it is printed
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: len(documents(sqlite_db)) == 3)
    pdf = target.read_bytes()
    # D000003 is paused: its letter waits
    for number in ("D000001", "D000002", "D000004"):
        assert number.encode() in pdf
    assert b"D000003" not in pdf


async def test_real_letter_previewed_kept_and_written(sqlite_db: TestDB, tmp_path: Path) -> None:
    """The real templates and outputs: the preview is the letter's text, the PDF written
    from the Interventions tab is the kept one."""
    import io

    from pypdf import PdfReader

    produce.use_toolkit(None)
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    target = tmp_path / "lettre.pdf"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        form = await done_with_letter(app, pilot)
        assert "D000001" in form.query_one("#letter-text", TextArea).text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.data is not None and screen.data["current_step"] == 3)
        await to_step2_row(pilot, screen)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
    pdf = target.read_bytes()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "D000001" in text
    assert documents(sqlite_db) == [(step2(sqlite_db), "print", "")]


@pytest.mark.parametrize("colours", ["no_color", "256"])
async def test_done_form_letter_and_channel_stay_readable(
    sqlite_db: TestDB, fakes: Fakes, monkeypatch: pytest.MonkeyPatch, colours: str
) -> None:
    from rich.color import ColorSystem

    from tests.test_tui_colours import low_contrast

    if colours == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    system = ColorSystem.EIGHT_BIT if colours == "256" else None
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot)
        await done_with_letter(app, pilot)
        await settle(pilot)
        # The form's own parts (the screen behind it is dimmed on purpose).
        ours = ("●", "Print", "E-mail", "Letter", "notification", "No e-mail")
        found = [item for item in low_contrast(app, system) if item[0].startswith(ours)]
        assert found == [], repr(found)
