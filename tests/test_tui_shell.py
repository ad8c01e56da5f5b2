"""Help screen and command palette, generated from the bindings in force."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Static

from engine.reads.lookup import find_targets
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.help import HelpScreen, key_rows
from tui.widgets.lazy_table import TableBody


async def test_help_lists_the_keys_of_the_screen(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 36)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded)
        rows = dict((d, k) for k, d in key_rows(app.screen))
        assert rows["Filter"] == "/" and rows["Mine"] == "m" and rows["New dossier"] == "n"
        assert rows["Dossiers"] == "1" and rows["Help"] == "?"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "Keys — Dossiers" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_rebound_key_shows_in_help(sqlite_db: TestDB, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"dossiers.mine" = "x"\n', encoding="utf-8")
    monkeypatch.setenv("RECOUVREMENT_KEYS", str(keys))
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 36)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        assert dict((d, k) for k, d in key_rows(app.screen))["Mine"] == "x"
        await pilot.press("x")
        await wait_for(pilot, lambda: body.count == 2)


async def test_palette_runs_an_action_of_the_screen(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 36)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded and body.count == 4)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Mine")
        await settle(pilot)  # the palette's search is a worker
        await pilot.press("enter")
        await wait_for(pilot, lambda: body.count == 2)


def test_palette_finds_dossiers_and_customers(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.session() as session:
        found = find_targets(session, "3")
        assert ("dossier", "D000003", "D000003  CMARTIN  Martin & Fils") in found
        by_name = find_targets(session, "neuf")
        assert ("customer", "CNEUF", "CNEUF  Neuf & Co") in by_name


async def test_quit_asks_only_when_an_edit_would_be_lost(sqlite_db: TestDB) -> None:
    from tui.screens.forms import ConfirmForm

    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ScenariosScreen")
        await settle(pilot)
        app.screen.unsaved_changes = lambda: True  # type: ignore[method-assign]
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")
        assert app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
    assert app.return_code == 0


async def test_help_shows_the_screen_s_own_text(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ScenariosScreen")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "scenario export" in text
