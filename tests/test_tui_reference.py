"""Pilot tests of the Rates and risks screen (key 9): a manager adds, changes and removes
rate rows and risk codes, a refusal is shown and writes nothing, others only read."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from models.tables import PenaltyRate, RiskCode
from tests.conftest import TestDB
from tests.test_tui_scenarios import notified, type_text
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.forms import ConfirmForm
from tui.screens.help import HelpScreen
from tui.screens.prompts import PromptModal
from tui.screens.reference import ReferenceScreen


def rates(db: TestDB) -> dict[str, tuple[Decimal, str]]:
    with db.session() as session:
        return {r.start.isoformat(): (r.rate, r.note) for r in session.exec(select(PenaltyRate))}


def codes(db: TestDB) -> list[str]:
    with db.session() as session:
        return sorted(session.exec(select(RiskCode.code)))


async def open_reference(pilot: Pilot[None]) -> ReferenceScreen:
    app = pilot.app
    await pilot.press("9")
    await wait_for(pilot, lambda: isinstance(app.screen, ReferenceScreen))
    screen = app.screen
    assert isinstance(screen, ReferenceScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


def cells(screen: ReferenceScreen, name: str) -> list[list[str]]:
    body = screen.tables[name].body
    rows = [body.row_at(i) or {} for i in range(body.count)]
    return [[col.show(row.get(col.key)) for col in body.columns] for row in rows]


async def test_a_manager_adds_changes_and_removes_a_rate(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reference(pilot)
        assert cells(screen, "rates")[-1] == ["2026-01-01", "12.15\u00a0%", "BCE 2,15 % + 10"]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        await type_text(pilot, "2026-07-01")
        await pilot.press("enter")
        await type_text(pilot, "12,40")
        await pilot.press("enter")
        await type_text(pilot, "BCE 2,40 % + 10")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert rates(sqlite_db)["2026-07-01"] == (Decimal("12.40"), "BCE 2,40 % + 10")
        await wait_for(pilot, lambda: cells(screen, "rates")[-1][0] == "2026-07-01")
        table = screen.tables["rates"].body
        assert table.cursor == table.count - 1  # on the row saved
        # e: the same start, another rate, replaces the row
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        assert app.screen.query_one("#start", Input).value == "2026-07-01"
        app.screen.query_one("#rate", Input).value = "abc"
        app.screen.query_one("#note", Input).focus()
        await pilot.press("enter")
        error = app.screen.query_one("#error", Static)
        await wait_for(pilot, lambda: "Invalid rate 'abc'" in str(error.render()))
        app.screen.query_one("#rate", Input).value = "12.65"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert rates(sqlite_db)["2026-07-01"] == (Decimal("12.65"), "BCE 2,40 % + 10")
        # x then y removes it
        await wait_for(pilot, lambda: cells(screen, "rates")[-1][1] == "12.65\u00a0%")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: "2026-07-01" not in rates(sqlite_db))
        await wait_for(pilot, lambda: cells(screen, "rates")[-1][0] == "2026-01-01")


async def test_risk_codes_added_and_a_removal_refused_while_in_use(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reference(pilot)
        await pilot.press("tab")
        assert screen.active() == "risks"
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        await type_text(pilot, "Redressement")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "Redressement" in codes(sqlite_db)
        await wait_for(pilot, lambda: cells(screen, "risks")[-1][0] == "Redressement")
        # Insolvable: step 7 of the built-in scenario gives it
        table = screen.tables["risks"].body
        table.move_to([r[0] for r in cells(screen, "risks")].index("Insolvable"))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: notified(app, "'Insolvable' is in use"))
        assert "Insolvable" in codes(sqlite_db)
        # e does nothing on a risk code (no renaming)
        await pilot.press("e")
        assert app.screen is screen


async def test_others_read_only(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    before = (rates(sqlite_db), codes(sqlite_db))
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reference(pilot)
        assert "read-only" in str(screen.query_one("#rates-title", Static).render())
        for key in ("a", "e", "x", "tab", "a", "x"):
            await pilot.press(key)
            assert app.screen is screen
    assert (rates(sqlite_db), codes(sqlite_db)) == before


async def test_the_missing_half_year_is_shown_and_the_key_is_in_the_help(
    sqlite_db: TestDB,
) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY.replace(month=9))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reference(pilot)
        warning = str(screen.query_one("#warning", Static).render())
        assert "No late-payment rate for the half-year starting 2026-07-01" in warning
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert ("9", "Rates and risks") in help_screen.rows
