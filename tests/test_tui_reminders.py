"""Pilot tests of the Reminders screen (key 5): the day's proposal by customer, Space ticks
for this run, `x` excludes for good, `c` edits a reminder count (a refusal shown inside the
form), `m` marks the ticked invoices as sent; names drawn inert."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from engine.access import add_user
from models.tables import Customer, Entry, EntryReminder
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry
from tests.test_inert_text import assert_drawn_inert
from tests.test_tui_scenarios import notified, type_text
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.forms import ConfirmForm
from tui.screens.help import HelpScreen
from tui.screens.prompts import PromptModal
from tui.screens.reminders import RemindersScreen

HOSTILE = "Rappel [red]SA[/]\x1b[2J\u202e"
HOSTILE_SHOWN = "Rappel [red]SA[/]\\x1b[2J\\u202e"


def seed_reminders(db: TestDB) -> None:
    """seed_tui's invoices are all overdue on 2026-03-02; these fall due within 10 days."""
    seed_tui(db)
    with db.ctx(TODAY) as ctx:
        s = ctx.session
        add_user(s, None, "audrey", "auditor")
        rappel = add_customer(s, "CRAPPEL", HOSTILE)
        add_entry(s, rappel, "invoice", "2026-02-04", "100.00", due="2026-03-04", invoice="F-R1")
        add_entry(s, rappel, "invoice", "2026-02-10", "50.00", due="2026-03-10", invoice="F-R2")
        zed = add_customer(s, "CZED", "Zed SA")
        add_entry(s, zed, "invoice", "2026-02-06", "30.00", due="2026-03-06", invoice="F-Z1")


def entry_id(db: TestDB, invoice: str) -> int:
    with db.session() as session:
        found = session.exec(select(Entry.id).where(Entry.invoice == invoice)).one()
        assert found is not None
        return found


def reminded(db: TestDB) -> list[tuple[str, str, int]]:
    with db.session() as session:
        return [
            (e.invoice, r.channel, e.reminder_count)
            for r, e in session.exec(
                select(EntryReminder, Entry)
                .join(Entry, col(Entry.id) == col(EntryReminder.entry_id))
                .order_by(col(Entry.invoice))
            )
        ]


async def open_reminders(pilot: Pilot[Any]) -> RemindersScreen:
    app = pilot.app
    await pilot.press("5")
    await wait_for(pilot, lambda: isinstance(app.screen, RemindersScreen))
    screen = app.screen
    assert isinstance(screen, RemindersScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


def cells(screen: RemindersScreen) -> list[list[str]]:
    body = screen.table.body
    rows = [body.row_at(i) or {} for i in range(body.count)]
    return [[c.show(row.get(c.key)).strip() for c in body.columns] for row in rows]


def totals(screen: RemindersScreen) -> str:
    return str(screen.query_one("#totals", Static).render())


async def test_the_proposal_by_customer_and_ticks_for_this_run(sqlite_db: TestDB) -> None:
    seed_reminders(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reminders(pilot)
        assert cells(screen) == [
            ["[x]", "CRAPPEL", HOSTILE, "", "", "2", "150.00", ""],
            ["[x]", "F-R1", "F-R1", "2026-03-04", "2", "", "100.00", "0"],
            ["[x]", "F-R2", "F-R2", "2026-03-10", "8", "", "50.00", "0"],
            ["[x]", "CZED", "Zed SA", "", "", "1", "30.00", ""],
            ["[x]", "F-Z1", "F-Z1", "2026-03-06", "4", "", "30.00", "0"],
        ]
        assert "letters: 2 · invoices ticked: 3" in totals(screen)
        assert_drawn_inert(app, HOSTILE_SHOWN, "Open amount", "180.00")
        await pilot.press("j", "j", "space")  # F-R2 out of this run
        assert [r[0] for r in cells(screen)] == ["[-]", "[x]", "[ ]", "[x]", "[x]"]
        assert cells(screen)[0][6] == "100.00"
        assert "letters: 2 · invoices ticked: 2" in totals(screen) and "130.00" in totals(screen)
        await pilot.press("g", "space")  # the customer, partly ticked: all its invoices in
        assert [r[0] for r in cells(screen)][:3] == ["[x]", "[x]", "[x]"]
        await pilot.press("space")  # then all out
        assert [r[0] for r in cells(screen)] == ["[ ]", "[ ]", "[ ]", "[x]", "[x]"]
        assert "letters: 1 · invoices ticked: 1" in totals(screen)
    assert reminded(sqlite_db) == []  # ticks are not stored


async def test_mark_sent_records_the_ticked_and_they_go(sqlite_db: TestDB) -> None:
    seed_reminders(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_reminders(pilot)
        await pilot.press("j", "j", "space", "m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        form = app.screen
        assert isinstance(form, ConfirmForm) and "invoices: 2, customers: 2" in form.message
        await pilot.press("y")
        await wait_for(pilot, lambda: notified(app, "Invoices recorded as sent: 2."))
        await wait_for(pilot, lambda: len(cells(screen)) == 2)
        assert [r[1] for r in cells(screen)] == ["CRAPPEL", "F-R2"]
    assert reminded(sqlite_db) == [("F-R1", "mark", 1), ("F-Z1", "mark", 1)]


async def test_exclude_an_invoice_then_a_customer_for_good(sqlite_db: TestDB) -> None:
    seed_reminders(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reminders(pilot)
        await pilot.press("G", "x")  # F-Z1
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")  # no: nothing changes
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(cells(screen)) == 3)
        await pilot.press("g", "x")  # the customer CRAPPEL
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert_drawn_inert(app, "Exclude customer CRAPPEL")
        await pilot.press("y")
        await wait_for(pilot, lambda: cells(screen) == [])
        assert "letters: 0 · invoices ticked: 0" in totals(screen)
    with sqlite_db.session() as session:
        excluded = session.exec(select(Entry.invoice).where(col(Entry.excluded))).all()
        flagged = session.exec(
            select(Customer.code).where(col(Customer.excluded_from_reminders))
        ).all()
    assert excluded == ["F-Z1"] and flagged == ["CRAPPEL"]


async def test_count_edit_shows_a_refusal_inside_then_saves(sqlite_db: TestDB) -> None:
    seed_reminders(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reminders(pilot)
        await pilot.press("c")  # on a customer row: not offered
        assert app.screen is screen
        await pilot.press("j", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        form = app.screen
        box = form.query_one("#count", Input)
        assert box.value == "0"
        box.value = ""
        await type_text(pilot, "100")
        await pilot.press("enter")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "from 0 to 99" in str(error.render()))
        assert app.screen is form
        box.value = ""
        await type_text(pilot, "4")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: cells(screen)[1][7] == "4")
    with sqlite_db.session() as session:
        entry = session.get(Entry, entry_id(sqlite_db, "F-R1"))
        assert entry is not None and entry.reminder_count == 4
    assert reminded(sqlite_db) == []  # a count is not a reminder


async def test_an_auditor_reads_only_and_the_keys_are_in_the_help(sqlite_db: TestDB) -> None:
    seed_reminders(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "audrey", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reminders(pilot)
        await pilot.press("j")
        for key in ("m", "x", "c"):
            await pilot.press(key)
            assert app.screen is screen
        await pilot.press("space")  # ticking is not a change: allowed
        assert cells(screen)[1][0] == "[ ]"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert ("5", "Reminders") in help_screen.rows
        assert ("9", "Rates and risks") in help_screen.rows
        assert ("space", "Tick") in help_screen.rows
    assert reminded(sqlite_db) == []
