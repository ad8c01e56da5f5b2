"""Snapshots of the main screens at 80×24 and 120×40, in English and in French.

Regenerate after an intended change of layout with
`pytest tests/test_snapshots.py --snapshot-update` and look at the report."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from engine.i18n import set_language
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle
from tui.app import RecouvrementApp

SCREENS: dict[str, list[str]] = {
    "dossiers": [],
    "detail": ["enter"],
    "actions": ["2"],
    "customers": ["3"],
    "scenarios": ["4"],
    "reference": ["9"],
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    snap_compare: Any, sqlite_db: TestDB, screen: str, size: tuple[int, int], lang: str
) -> None:
    set_language(lang)
    try:
        seed_tui(sqlite_db)
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            for key in SCREENS[screen]:
                await pilot.press(key)
                await settle(pilot)

        assert snap_compare(app, terminal_size=size, run_before=run_before)
    finally:
        set_language("en")


@pytest.mark.parametrize("screen", ["dossiers", "detail"])
def test_screen_without_colour(
    snap_compare: Any, sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch, screen: str
) -> None:
    """NO_COLOR: Textual draws in shades of grey (tests/test_tui_colours.py checks contrast)."""
    monkeypatch.setenv("NO_COLOR", "1")
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in SCREENS[screen]:
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_reminders_screen(snap_compare: Any, sqlite_db: TestDB, lang: str) -> None:
    """Screen 5 with proposals (seed_tui's invoices are all overdue: none to remind)."""
    from tests.test_tui_reminders import seed_reminders

    set_language(lang)
    try:
        seed_reminders(sqlite_db)
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            await pilot.press("j", "j", "space")  # one invoice unticked: the totals follow
            await settle(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
    finally:
        set_language("en")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_import_screen_after_an_import(
    snap_compare: Any,
    sqlite_db: TestDB,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    """Screen 0 once a FEC file is imported: the form, then the report."""
    from textual.widgets import Input

    from tests.test_fec_import import payment, sale
    from tests.test_fec_import import write as write_fec

    monkeypatch.chdir(tmp_path)  # the file named as typed, the same in every run
    write_fec(tmp_path, "ledger.fec", [*sale("1", letter="AA"), *payment("2", letter="AA")])
    set_language(lang)
    try:
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("0")
            await settle(pilot)
            app.screen.query_one("#path", Input).value = "ledger.fec"
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        set_language("en")
