"""Pilot tests of the Import screen (mode `0`): a CSV and a FEC file imported through it
with the report shown and the database changed; a refused file (every bad line, nothing
written); a missing path; an auditor's refusal; the French labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton

from engine.access import add_user
from engine.dossiers import find_dossier, open_dossier
from engine.i18n import set_language
from engine.scenarios import BUILTIN_NAME
from models.tables import Entry
from tests.conftest import TestDB
from tests.test_csv_import import GOOD
from tests.test_csv_import import write as write_csv
from tests.test_fec_import import fec_line, payment, sale
from tests.test_fec_import import write as write_fec
from tests.tui_helpers import TODAY, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.import_screen import ImportScreen, complete_path
from tui.widgets.key_bar import KeyBar


def entry_count(db: TestDB) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(Entry)).one()


async def open_import(pilot: Pilot[None]) -> ImportScreen:
    await pilot.press("0")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ImportScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def import_file(pilot: Pilot[None], screen: ImportScreen, path: Path | str) -> str:
    """Type the path, wait for the format guess, Enter; the report shown once done."""
    screen.query_one("#path", Input).value = str(path)
    await settle(pilot)
    screen.query_one("#path", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: not screen.running)
    await settle(pilot)
    return screen.report_text()


async def test_csv_import_shows_the_report_and_writes(sqlite_db: TestDB, tmp_path: Path) -> None:
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot)
        assert screen.query_one("#path", Input).value.endswith("/")  # the current folder
        assert "Import the file" in str(screen.query_one(KeyBar).render())
        path = write_csv(tmp_path, "a.csv", *GOOD)
        text = await import_file(pilot, screen, path)
        assert screen.kind == "csv"
        assert text.splitlines() == [
            f"{path}: 7 lines, 7 added, 0 updated, 0 unchanged; 3 customers created.",
            "3 due dates computed from payment terms (the file gave none).",
        ]
        assert not screen.query_one("#report-text").has_class("error")
        assert entry_count(sqlite_db) == 7
        text = await import_file(pilot, screen, path)  # again: nothing new
        assert "7 lines, 0 added, 0 updated, 7 unchanged" in text
    assert entry_count(sqlite_db) == 7


async def test_fec_import_closes_a_dossier(sqlite_db: TestDB, tmp_path: Path) -> None:
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_import(pilot)
        first = write_fec(tmp_path, "1.txt", sale("1", amount="1000,00"))
        stages: list[tuple[str, int, int]] = []
        shown = screen.show_progress

        def spy(stage: str, done: int, total: int) -> None:
            stages.append((stage, done, total))
            shown(stage, done, total)

        screen.show_progress = spy  # type: ignore[method-assign]
        text = await import_file(pilot, screen, first)
        # The bar followed the worker: the file read (bytes), then its line written.
        size = first.stat().st_size
        assert ("read", size, size) in stages and stages[-1] == ("write", 1, 1)
        assert screen.kind == "fec"  # guessed from the header line, whatever the suffix
        assert text.splitlines() == [
            f"{first}: 3 lines, 1 added, 0 updated, 0 unchanged; 1 customers created.",
            "Due dates: the file has none; piece date + the customer's payment terms.",
            "1 due dates computed from payment terms (the file gave none).",
            "2 lines skipped: their account is not a customer account.",
        ]
        with sqlite_db.ctx(TODAY) as ctx:
            number = open_dossier(ctx, "CDUPONT", BUILTIN_NAME).number
        later = write_fec(
            tmp_path,
            "2.fec",
            [
                *sale("1", amount="1000,00", letter="AA"),
                *payment("7", "CDUPONT", "1000.00", letter="AA"),
            ],
        )
        text = await import_file(pilot, screen, later)
        assert f"closed: {number}" in text
        with sqlite_db.session() as session:
            assert find_dossier(session, number).status == "closed"


async def test_bad_fec_shows_every_line_and_writes_nothing(
    sqlite_db: TestDB, tmp_path: Path
) -> None:
    bad = [*sale("1"), fec_line(number="2", debit="12,3,4"), fec_line(number="3", date="2026")]
    path = write_fec(tmp_path, "bad.fec", bad)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot)
        text = await import_file(pilot, screen, path)
        assert text.startswith(f"Nothing was imported from {path}")
        assert "line 5:" in text and "line 6:" in text
        assert screen.query_one("#report-text").has_class("error")
    assert entry_count(sqlite_db) == 0


async def test_missing_path_and_folder_are_named(sqlite_db: TestDB, tmp_path: Path) -> None:
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot)
        missing = tmp_path / "nope.csv"
        text = await import_file(pilot, screen, missing)
        assert text == f"File {missing} not found: expected an existing CSV file."
        text = await import_file(pilot, screen, tmp_path)
        assert text == f"{tmp_path} is a folder: expected a CSV or FEC file."
        text = await import_file(pilot, screen, "")
        assert text == "Type the path of the file to import."
    assert entry_count(sqlite_db) == 0


async def test_auditor_is_refused_in_the_screen(sqlite_db: TestDB, tmp_path: Path) -> None:
    with sqlite_db.session() as session:
        add_user(session, None, "audrey", "auditor")
    path = write_csv(tmp_path, "a.csv", GOOD[0])
    app = RecouvrementApp(sqlite_db.engine, "audrey", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot)
        text = await import_file(pilot, screen, path)
        assert text == "audrey is a read-only auditor: this change is refused."
        # Once the worker knows who acts, the import key is no longer offered.
        assert screen.check_action("start", ()) is False
        assert "Import the file" not in str(screen.query_one(KeyBar).render())
    assert entry_count(sqlite_db) == 0


async def test_format_can_be_overridden_and_tab_completes(
    sqlite_db: TestDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path, "entries.csv", GOOD[0])
    (tmp_path / "notes.pdf").write_text("x")
    assert complete_path(str(tmp_path / "ent")) == str(path)
    assert complete_path(str(tmp_path / "no")) is None  # a PDF is not offered
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot)
        box = screen.query_one("#path", Input)
        box.value = str(tmp_path / "ent")
        box.cursor_position = len(box.value)
        await pilot.press("tab")
        assert box.value == str(path)
        await settle(pilot)
        screen.query_one("#format-fec", RadioButton).value = True  # the user's choice
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.running)
        assert "entries.csv line 1: no tab" in screen.report_text()  # read as a FEC: refused
        await pilot.press("escape", "1")  # out of the field, the screens' keys work
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportScreen))
    assert entry_count(sqlite_db) == 0


async def test_french_labels(sqlite_db: TestDB, tmp_path: Path) -> None:
    set_language("fr")
    try:
        app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_import(pilot)
            assert str(screen.query_one("#title").content) == "Importer des écritures comptables"
            text = await import_file(pilot, screen, tmp_path)
            assert text == f"{tmp_path} est un répertoire : un fichier CSV ou FEC est attendu."
    finally:
        set_language("en")
