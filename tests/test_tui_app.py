"""The TUI starts on a database, shows its dossier counts from a worker, and quits on q."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from tests.conftest import TestDB
from tui.app import RecouvrementApp


async def test_app_starts_shows_counts_and_quits(sqlite_db: TestDB) -> None:
    app = RecouvrementApp(sqlite_db.engine, "boss", dt.date(2026, 3, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.query_one("#summary", Static).render())
        assert "0 open" in summary
        await pilot.press("q")
    assert app.return_code == 0


async def test_unknown_login_sees_a_message_not_a_crash(sqlite_db: TestDB) -> None:
    app = RecouvrementApp(sqlite_db.engine, "mallory", dt.date(2026, 3, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "'mallory'" in str(app.query_one("#summary", Static).render())
        await pilot.press("q")
