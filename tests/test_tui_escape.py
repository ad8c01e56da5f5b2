"""Escape on a form with something typed or chosen asks before losing it, as `q` does;
on an untouched form it closes at once."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import Input, Select

from models.tables import Intervention
from tests.conftest import TestDB
from tests.test_tui_forms import DAY, PENDING, Host
from tests.test_tui_scenarios import DELAY, edit_cell, open_screen
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.forms import ConfirmForm, DoneForm, EditDossierForm, ManualForm, NoteForm
from tui.widgets.lazy_table import TableBody


async def test_escape_on_a_filled_form_asks_no_keeps_it_yes_closes() -> None:
    app = Host(DoneForm("Done: step 1", DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"reached")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert app.result is PENDING
        await pilot.press("n")  # no: back to the form, with what was typed
        await wait_for(pilot, lambda: app.screen is app.form)
        assert app.form.query_one("#outcome", Input).value == "reached"
        assert app.focused is app.form.query_one("#outcome", Input)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")  # yes: closed, nothing saved
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_escape_on_an_untouched_form_closes_at_once() -> None:
    forms = [
        DoneForm("Done", DAY),
        NoteForm("Note", "a note given"),  # prefilled and left as it was
        EditDossierForm({"number": "D000001", "reason": "why", "agent": "alice"}, ["alice"], []),
    ]
    for form in forms:
        app = Host(form)
        async with app.run_test(size=(80, 30)) as pilot:
            await pilot.pause()
            assert not form.unsaved_changes()
            await pilot.press("escape")
            await wait_for(pilot, lambda app=app: app.result is not PENDING)  # type: ignore[misc]
            assert not isinstance(app.screen, ConfirmForm)
        assert app.result is None


async def test_a_choice_changed_counts_as_typed() -> None:
    app = Host(ManualForm("Add", DAY, ["phone", "letter"]))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        app.form.query_one("#type", Select).value = "letter"
        assert app.form.unsaved_changes()
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        app.form.query_one("#type", Select).value = "phone"  # as it was: nothing to lose
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is app.form)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_escape_on_the_done_form_of_a_dossier_writes_nothing(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded)
        screen = DossierDetailScreen("D000001")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.data is not None)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        form = app.screen
        await pilot.press(*"reached", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#outcome", Input).value == "reached"
        await pilot.press("escape", "y")
        await wait_for(pilot, lambda: app.screen is screen)
        await app.workers.wait_for_complete()
    with sqlite_db.session() as session:
        done = session.exec(select(Intervention).where(Intervention.status == "done")).all()
    assert done == []


async def test_q_over_the_question_does_not_quit(sqlite_db: TestDB) -> None:
    """Escape in the edited steps asks; q then does not quit (and lose the edit) unasked."""
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await edit_cell(pilot, screen.grid, 1, DELAY, "9")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmForm)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.grid.rows[1]["delay"] == "9"


async def test_escape_on_a_new_dossier_being_filled_asks_first(sqlite_db: TestDB) -> None:
    """The New dossier screen is a form too: a customer typed is not dropped by Escape."""
    from models.tables import Dossier
    from tui.screens.new_dossier import NewDossierScreen

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded)
        lists = app.screen
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewDossierScreen))
        form = app.screen
        form.query_one("#reason", Input).value = "Litige sur le prix"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#reason", Input).value == "Litige sur le prix"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is lists)
    with sqlite_db.session() as session:
        assert len(session.exec(select(Dossier)).all()) == 4  # seed_tui's, no new one


async def test_no_screen_key_leaves_a_box_behind(sqlite_db: TestDB) -> None:
    """Under any box (a question, a letter's text…) the screens' keys 0–9 do nothing: the
    box is never left behind a screen switched to."""
    from tui.screens.dossier_detail import ReadModal

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded)
        for box in (ConfirmForm("?"), ReadModal("Letter", "text")):
            app.push_screen(box)
            await wait_for(pilot, lambda box=box: app.screen is box)
            await pilot.press(*"0123456789")
            await pilot.pause()
            assert app.screen is box
            box.dismiss(None)
            await wait_for(pilot, lambda box=box: app.screen is not box)
