"""Pilot tests of tui.changes and the app's navigation: one set of changes for the dossier
detail and the Actions list (same forms, same messages), forms that stay open with what was
typed when the engine refuses the save, the screen below refreshed when a dossier opened
over it closes, the Actions list focused from its first frame, and keys that follow the
user's rights."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select
from textual.command import CommandPalette
from textual.widgets import Input, Static

from engine.access import add_user
from engine.dossiers import find_dossier, update_dossier
from models.tables import Intervention
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.palette import ActionsProvider
from tui.screens.actions import ActionsScreen
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.dossiers import DossiersScreen
from tui.screens.forms import ConfirmForm, DoneForm, NoteForm, PauseForm
from tui.screens.help import key_rows
from tui.widgets.lazy_table import TableBody

CHANGES = {"done", "skip", "add", "pause", "promise", "resume", "move", "edit", "exclude"}


def notified(app: RecouvrementApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


def error_of(app: RecouvrementApp) -> str:
    return str(app.screen.query_one("#error", Static).render())


def steps(db: TestDB, number: str = "D000001") -> dict[int | None, tuple[str, str, str]]:
    """Step number: (status, outcome, note) of the dossier's interventions."""
    with db.session() as session:
        dossier = find_dossier(session, number)
        return {
            i.step_no: (i.status, i.outcome, i.note)
            for i in session.exec(select(Intervention).where(Intervention.dossier_id == dossier.id))
        }


def listed(body: TableBody, number: str) -> dict[str, Any]:
    rows = [body.row_at(i) for i in range(body.count)]
    return next(r for r in rows if r is not None and r["number"] == number)


def offered(app: RecouvrementApp) -> dict[str, bool]:
    """The actions the screen's keys offer now: shown (enabled or not)."""
    return {a.binding.action: a.enabled for a in app.screen.active_bindings.values()}


async def dossiers_list(app: RecouvrementApp, pilot: Any) -> TableBody:
    await wait_for(pilot, lambda: bool(app.screen.query(TableBody)))
    body = app.screen.query_one(TableBody)
    await wait_for(pilot, lambda: body.loaded and body.count == 4)
    return body


async def open_detail(app: RecouvrementApp, pilot: Any, number: str) -> DossierDetailScreen:
    await dossiers_list(app, pilot)
    app.open_dossier(number)
    await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
    screen = app.screen
    assert isinstance(screen, DossierDetailScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


async def test_skip_asks_for_an_optional_note_on_both_screens(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot, "D000001")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        assert "Skip: D000001 · 1. " in str(app.screen.query_one("#form-title", Static).render())
        await pilot.press("enter")  # no note: Enter confirms
        await wait_for(pilot, lambda: notified(app, "Intervention 1 skipped on 2026-03-02."))
        await wait_for(pilot, lambda: screen.data is not None and screen.data["current_step"] == 2)
        await pilot.press("escape")
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen) and app.screen.started)
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("slash", *"D000001", "enter")
        await wait_for(pilot, lambda: body.loaded and body.count == 1)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        assert "Skip: D000001 · 2. " in str(app.screen.query_one("#form-title", Static).render())
        await pilot.press(*"no answer", "enter")
        await wait_for(pilot, lambda: notified(app, "skipped on 2026-03-02."))
    found = steps(sqlite_db)
    assert found[1] == ("skipped", "", "") and found[2] == ("skipped", "", "no answer")


async def test_a_refused_save_keeps_the_form_open_with_what_was_typed(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot, "D000001")
        # done on a day to come: refused inside the form
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        form = app.screen
        form.query_one("#day", Input).value = "2026-03-05"
        await pilot.press(*"promised", "ctrl+s")
        await wait_for(pilot, lambda: "cannot be done in the future" in error_of(app))
        assert app.screen is form
        assert form.query_one("#outcome", Input).value == "promised"
        assert steps(sqlite_db)[1][0] == "todo"
        # corrected, it saves and closes
        form.query_one("#day", Input).value = "2026-03-02"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        assert notified(app, "Intervention 1 done on 2026-03-02.")
        assert steps(sqlite_db)[1][:2] == ("done", "promised")
        # a pause ending in the past: refused inside the form
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PauseForm))
        form = app.screen
        form.query_one("#until", Input).value = "2026-02-20"
        form.query_one("#reason", Input).value = "Litige"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "is in the past" in error_of(app))
        assert app.screen is form and form.query_one("#reason", Input).value == "Litige"
        # the dossier given to another agent since the screen read it: the right is refused
        # inside the form too
        with sqlite_db.ctx(TODAY) as ctx:
            update_dossier(ctx, "D000001", agent="boss")
        form.query_one("#until", Input).value = "2026-03-20"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "belongs to agent boss" in error_of(app))
        assert app.screen is form and form.query_one("#until", Input).value == "2026-03-20"
        await pilot.press("escape")  # what was typed is lost: asked first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
    with sqlite_db.session() as session:
        dossier = find_dossier(session, "D000001")
        assert (dossier.status, dossier.pause_until) == ("open", None)


async def test_a_dossier_changed_from_the_palette_refreshes_the_list_below(
    sqlite_db: TestDB,
) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = await dossiers_list(app, pilot)
        totals = app.screen.query_one("#totals", Static)
        await wait_for(pilot, lambda: "3 actions due today" in str(totals.render()))
        assert listed(body, "D000001")["next_action"] == TODAY
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"D000001")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        await wait_for(pilot, lambda: screen.data is not None)
        # steps 1 and 2 done today: step 3 falls on 2026-03-09
        for step in (2, 3):

            def at_step(wanted: int = step) -> bool:
                return screen.data is not None and screen.data["current_step"] == wanted

            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
            await pilot.press("enter")
            await wait_for(pilot, at_step)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DossiersScreen))
        await wait_for(pilot, lambda: "2 actions due today" in str(totals.render()))
        await wait_for(pilot, lambda: listed(body, "D000001")["next_action"] != TODAY)
        row = listed(body, "D000001")
        assert row["next_action"] == dt.date(2026, 3, 9) and row["step"] != "Relance téléphonique"
        assert app.screen.query_one(TableBody) is body


async def test_the_actions_list_has_the_focus_from_its_first_frame(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await dossiers_list(app, pilot)
        await app.switch_mode("actions")  # mounted: no time for a deferred focus
        assert isinstance(app.focused, TableBody)
        actions = app.screen  # the done form may be on top of it once `d` is handled
        await pilot.press("d")  # a command, not text for the filter
        assert actions.query_one("#filter", Input).value == ""
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm) or notified(app, "No "))
        app.exit()
    # `2` then `d` at once: the key marks done
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await dossiers_list(app, pilot)
        await pilot.press("2", "d")
        assert isinstance(app.screen, DoneForm) or notified(app, "No action selected.")
        actions = app.screen_stack[0]
        assert isinstance(actions, ActionsScreen)
        assert actions.query_one("#filter", Input).value == ""


async def test_an_auditor_is_offered_no_change(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        add_user(ctx.session, ctx.actor, "carol", "auditor", "Carol Audit")
    app = RecouvrementApp(sqlite_db.engine, "carol", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot, "D000003")  # paused: `u` would apply
        keys = offered(app)
        assert not CHANGES & set(keys), keys
        assert "tab(1)" in keys and "reload" in keys  # reading keys stay
        help_text = " ".join(d for _k, d in key_rows(screen))
        for word in ("Done", "Skip", "Add", "Pause", "Resume", "Move", "Edit", "Exclude"):
            assert word not in help_text
        palette = ActionsProvider(screen)
        assert not CHANGES & {action for _d, action, _n in palette._actions()}
        await pilot.press("d", "s", "a", "p", "u", "t", "e")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape", "2")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen) and app.screen.started)
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        assert not {"done", "skip", "reschedule", "note", "promise", "add", "move", "edit"} & set(
            offered(app)
        )
        assert {"mine", "type", "period"} <= set(offered(app))
        await pilot.press("d", "s")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
    with sqlite_db.session() as session:
        assert session.exec(select(Intervention).where(Intervention.status != "todo")).all() == []


async def test_an_agent_is_offered_the_changes_of_their_own_dossiers(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)  # D000001: alice's; D000002: boss's
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(app, pilot, "D000001")
        keys = offered(app)
        assert keys["done"] and keys["skip"] and keys["edit"] and keys["exclude"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DossiersScreen))
        screen = await open_detail(app, pilot, "D000002")
        keys = offered(app)
        assert keys["done"] is False and keys["edit"] is False  # shown, not offered
        assert keys["exclude"]  # an entry: any agent may exclude it
        assert "resume" not in keys  # not paused
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is screen
