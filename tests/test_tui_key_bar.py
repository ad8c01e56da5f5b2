"""The key bar: the keys that apply now, rebound keys as rebound, whole keys only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.dossier_detail import DossierDetailScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import TableBody


def bar_text(app: RecouvrementApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


async def test_bar_follows_the_screen_the_focus_and_the_dossier(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)  # D000003 is paused
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(160, 30)) as pilot:
        body = app.screen.query_one(TableBody)
        await wait_for(pilot, lambda: body.loaded)
        text = bar_text(app)
        assert " / Filter " in text and " n New dossier " in text and " ^p palette" in text
        await pilot.press("slash")  # typing in the filter: the list's letter keys stand down
        await pilot.pause()
        assert " n New dossier " not in bar_text(app)
        await pilot.press("escape")
        for number, resume in (("D000001", False), ("D000003", True)):
            screen = DossierDetailScreen(number)
            app.push_screen(screen)
            await wait_for(pilot, lambda screen=screen: screen.data is not None)  # type: ignore[misc]
            await pilot.pause()
            text = bar_text(app)
            assert " d Done " in text and " t Move " in text
            assert (" u Resume " in text) is resume  # only a paused dossier resumes
            await pilot.press("escape")
            await wait_for(pilot, lambda screen=screen: app.screen is not screen)  # type: ignore[misc]


async def test_bar_shows_whole_keys_and_the_palette_in_80_columns(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(TableBody).loaded)
        text = bar_text(app)
        assert len(text) == 80 and text.endswith("▏ ^p palette ")
        keys = text.split("▏")[0].rstrip()
        assert keys.endswith(("Dossiers", "Actions", "Customers", "Scenarios", "Help", "Quit"))


async def test_bar_shows_a_rebound_key(
    sqlite_db: TestDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"dossiers.new" = "ctrl+n"\n', encoding="utf-8")
    monkeypatch.setenv("RECOUVREMENT_KEYS", str(keys))
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(TableBody).loaded)
        await pilot.pause()
        assert " ^n New dossier " in bar_text(app)
