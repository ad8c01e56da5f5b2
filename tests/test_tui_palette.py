"""The palette offers the app's commands in the reader's language, each once; Textual's
generic keys (Scroll Left, Focus Next, Copy selected text…) never, and its display
commands (theme, maximize, screenshot) only after ``>``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot

from engine.i18n import set_language
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.widgets.lazy_table import TableBody

GENERIC = (
    "Maximize",
    "Screenshot",
    "Scroll",
    "Focus Next",
    "Focus Previous",
    "Copy selected text",
    "Theme",
    "Keys",
    "Page",
)


@pytest.fixture
def french() -> Iterator[None]:
    set_language("fr")
    try:
        yield
    finally:
        set_language("en")


def shown(app: RecouvrementApp) -> list[str]:
    hits = app.screen.query_one(CommandList)
    return [
        str(hits.get_option_at_index(i).prompt).split("\n")[0] for i in range(hits.option_count)
    ]


async def open_palette(app: RecouvrementApp, pilot: Pilot[None]) -> None:
    body = app.screen.query_one(TableBody)
    await wait_for(pilot, lambda: body.loaded)
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))


async def search(app: RecouvrementApp, pilot: Pilot[None], text: str) -> list[str]:
    """Type ``text`` in the palette; what it lists once every provider has answered."""
    app.screen.query_one(CommandInput).value = text
    await pilot.pause()  # the change starts the search
    await app.workers.wait_for_complete()
    await pilot.pause()  # the last results drawn
    return shown(app)


async def test_the_palette_offers_the_app_s_commands_once(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_palette(app, pilot)
        assert app.screen.query_one(CommandInput).placeholder == (
            "Dossier, customer or action… (> for the display commands)"
        )
        listed = await search(app, pilot, "")
        assert {"Dossiers", "Actions", "New dossier", "Help", "Quit"} <= set(listed)
        assert len(listed) == len(set(listed))  # none twice ("Quit" was, with ctrl+q)
        assert not [t for t in listed if t.startswith(GENERIC)]
        # A query does not bring them back either
        for query in ("scroll", "copy", "focus", "maxi", "quit"):
            found = await search(app, pilot, query)
            assert not [t for t in found if t.startswith(GENERIC)], (query, found)
        assert await search(app, pilot, "quit") == ["Quit"]
        # ">" asks for the display commands
        display = await search(app, pilot, ">")
        assert display == ["Theme", "Maximize", "Screenshot"]
        assert await search(app, pilot, "> scre") == ["Screenshot"]
        await pilot.press("escape")


async def test_the_palette_speaks_french(sqlite_db: TestDB, french: None) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_palette(app, pilot)
        assert app.screen.query_one(CommandInput).placeholder == (
            "Dossier, client ou action… (> pour les commandes d'affichage)"
        )
        listed = await search(app, pilot, "")
        assert {"Dossiers", "Actions", "Nouveau dossier", "Aide", "Quitter"} <= set(listed)
        assert listed.count("Quitter") == 1 and len(listed) == len(set(listed))
        assert not [t for t in listed if t.startswith(GENERIC)]
        display = await search(app, pilot, ">")
        assert display == ["Thème", "Agrandir", "Capture d'écran"]
        await pilot.press("escape")


async def test_a_display_command_runs(
    sqlite_db: TestDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await open_palette(app, pilot)
        await search(app, pilot, "> scre")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: any("Screenshot saved to" in n.message for n in app._notifications)
        )
    assert list(tmp_path.glob("*.svg"))
