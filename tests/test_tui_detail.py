"""Pilot tests of the dossier detail screen: open it, work its plan by key, see the database
change, and a conflicting edit refused."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Input, OptionList, Select, SelectionList, Static

from engine.dossiers import close, find_dossier, move_to_step, update_dossier
from engine.scenarios import BUILTIN_NAME, COURTESY
from models.tables import Contact, Customer, Dossier, Intervention
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.dossier_detail import DossierDetailScreen
from tui.screens.forms import (
    ConfirmForm,
    DoneForm,
    EditDossierForm,
    ManualForm,
    NoteForm,
    PauseForm,
    StepForm,
)
from tui.widgets.lazy_table import TableBody
from tui.widgets.tab_bar import TabBar


def seed(db: TestDB) -> None:
    """seed_tui plus two contacts for CDUPONT (dossier D000001)."""
    seed_tui(db)
    with db.session() as session:
        customer = session.exec(select(Customer).where(Customer.code == "CDUPONT")).one()
        assert customer.id is not None
        session.add(Contact(customer_id=customer.id, name="Paul Dupont", role="gérant"))
        session.add(Contact(customer_id=customer.id, name="Compta Dupont", phone="0102030405"))


def interventions(db: TestDB, number: str = "D000001") -> list[dict[str, Any]]:
    with db.session() as session:
        dossier = find_dossier(session, number)
        return [
            {
                "step_no": i.step_no,
                "status": i.status,
                "planned": i.planned,
                "done": i.done,
                "type": i.type,
                "note": i.note,
                "outcome": i.outcome,
                "promise_amount": i.promise_amount,
            }
            for i in session.exec(
                select(Intervention)
                .where(Intervention.dossier_id == dossier.id)
                .order_by(Intervention.id)  # type: ignore[arg-type]
            )
        ]


def dossier(db: TestDB, number: str = "D000001") -> Dossier:
    with db.session() as session:
        found = find_dossier(session, number)
        session.expunge(found)
        return found


def fields(screen: DossierDetailScreen) -> str:
    return str(screen.query_one("#fields", Static).render())


def notified(app: RecouvrementApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def list_loaded(app: RecouvrementApp, pilot: Any) -> None:
    """The Dossiers list is up with seed()'s four dossiers, D000001 under the cursor."""
    await wait_for(pilot, lambda: bool(app.screen.query(TableBody)))
    body = app.screen.query_one(TableBody)
    await wait_for(pilot, lambda: body.loaded and body.count == 4)


async def open_detail(
    app: RecouvrementApp, pilot: Any, number: str = "D000001"
) -> DossierDetailScreen:
    """Push the screen over the loaded Dossiers list and wait for its data."""
    await list_loaded(app, pilot)
    screen = DossierDetailScreen(number)
    app.push_screen(screen)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen


async def loaded_again(pilot: Any, screen: DossierDetailScreen, check: Any) -> None:
    await wait_for(pilot, lambda: screen.data is not None and check(screen.data))


async def test_enter_on_the_list_opens_the_detail(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_loaded(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        await wait_for(pilot, lambda: screen.data is not None)
        text = fields(screen)
        for part in (
            "D000001",
            "CDUPONT",
            "Dupont Frères SARL",
            "open",
            "Created 2026-03-02",
            "Agent: alice",
            "Risk:",
            "Scenario: Absence paiement - Recouv. amiable",
            "Main contact:",
            "Reason:",
            "Principal €1,200.00",
            "Charges €0.00",
            "Balance €1,200.00",
            "Provision €0.00",
        ):
            assert part in text, part
        entries = screen.tables["entries"].body
        assert app.focused is entries
        await wait_for(pilot, lambda: entries.loaded and entries.count == 1)
        row = entries.row_at(0)
        assert row is not None
        assert (row["invoice"], row["debit"], row["open_amount"], row["kind"]) == (
            "F-CDUPONT",
            Decimal("1200.00"),
            Decimal("1200.00"),
            "invoice",
        )
        assert "F-CDUPONT" in screen.tables["entries"].body.render_line(0).text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DossierDetailScreen))
        await pilot.press("q")


async def test_tabs_switch_with_brackets(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        tabs = screen.query_one("#tabs", TabBar)
        seen = []
        for _ in range(4):
            await pilot.press("right_square_bracket")
            seen.append(tabs.active)
            assert app.focused is screen.tables[tabs.active].body
        assert seen == ["interventions", "contacts", "history", "entries"]
        await pilot.press("left_square_bracket")
        assert tabs.active == "history"
        # interventions: what was done and planned, then the forecast of steps to come
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert tabs.active == "interventions"
        body = screen.tables["interventions"].body
        await wait_for(pilot, lambda: body.loaded and body.count == 10)
        statuses = [body.row_at(i)["status"] for i in range(10)]  # type: ignore[index]
        assert statuses == ["todo"] + ["forecast"] * 9
        # contacts of the customer
        await pilot.press("right_square_bracket")
        contacts = screen.tables["contacts"].body
        await wait_for(pilot, lambda: contacts.loaded and contacts.count == 2)
        assert "Paul Dupont" in contacts.render_line(0).text


async def test_a_click_on_a_tab_title_shows_it(sqlite_db: TestDB) -> None:
    """As with Textual's tabs: a click on a title (or under it) shows that tab and gives
    the bar the focus, where left and right go on from tab to tab."""
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        bar = screen.query_one("#tabs", TabBar)
        start, _end = bar.spans()["contacts"]
        await pilot.click(TabBar, offset=(start, 1))
        contacts = screen.tables["contacts"].body
        await wait_for(pilot, lambda: contacts.loaded and contacts.count == 2)
        assert bar.active == "contacts" and contacts.display
        assert not screen.tables["entries"].display
        assert app.focused is contacts  # a table shown for the first time takes the focus
        await pilot.click(TabBar, offset=(bar.spans()["entries"][0], 0))
        assert bar.active == "entries" and app.focused is bar
        await pilot.press("left")  # round to the last tab
        assert bar.active == "history"
        await pilot.click(TabBar, offset=(bar.spans()["contacts"][0], 0))
        await pilot.press("right")
        assert bar.active == "history" and app.focused is bar
        await pilot.press("left")
        assert bar.active == "contacts" and screen.tables["contacts"].display


async def test_done_plans_the_next_step(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        assert "1. Relance téléphonique" in str(
            app.screen.query_one("#form-title", Static).render()
        )
        await pilot.press(*"reached", "enter")
        await loaded_again(pilot, screen, lambda d: d["current_step"] == 2)
        assert notified(app, "done")
        # step 2 (delay 0) falls today; done too, step 3 (delay 5) lands on Saturday 03-07
        # and moves to Monday 03-09 (docs/RULES.md)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        await pilot.press("enter")
        await loaded_again(pilot, screen, lambda d: d["current_step"] == 3)
    rows = interventions(sqlite_db)
    assert [(r["step_no"], r["status"], r["planned"], r["done"]) for r in rows] == [
        (1, "done", TODAY, TODAY),
        (2, "done", TODAY, TODAY),
        (3, "todo", dt.date(2026, 3, 9), None),
    ]
    assert rows[0]["outcome"] == "reached"


async def test_done_on_the_selected_todo(sqlite_db: TestDB) -> None:
    """In the Interventions tab, d applies to the to-do under the cursor (a manual one here)."""
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ManualForm))
        await pilot.press("ctrl+s")
        await loaded_again(pilot, screen, lambda d: len(d["interventions"]) == 2)
        await pilot.press("right_square_bracket")
        body = screen.tables["interventions"].body
        await wait_for(pilot, lambda: body.loaded and body.count == 11)
        await pilot.press("j")  # the manual phone call, after step 1
        assert body.current is not None and body.current["step_no"] is None
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DoneForm))
        await pilot.press("enter")
        await loaded_again(pilot, screen, lambda d: d["interventions"][1]["status"] == "done")
    rows = interventions(sqlite_db)
    assert [(r["step_no"], r["status"]) for r in rows] == [(1, "todo"), (None, "done")]


async def test_skip(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        await pilot.press(*"no answer", "enter")
        await loaded_again(pilot, screen, lambda d: d["current_step"] == 2)
    rows = interventions(sqlite_db)
    assert [(r["step_no"], r["status"], r["done"]) for r in rows] == [
        (1, "skipped", TODAY),
        (2, "todo", None),
    ]
    assert rows[0]["note"] == "no answer"


async def test_add_manual_intervention(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ManualForm))
        form = app.screen
        kind = form.query_one("#type", Select)
        assert app.focused is kind
        await pilot.press("enter", "down", "down", "down", "down", "enter")  # phone → visit
        assert kind.value == "visit"
        form.query_one("#day", Input).value = "2026-03-05"
        form.query_one("#note", Input).value = "visit the site"
        form.query_one("#promise_date", Input).value = "2026-03-20"
        form.query_one("#promise_amount", Input).value = "300"
        await pilot.press("ctrl+s")
        await loaded_again(pilot, screen, lambda d: len(d["interventions"]) == 2)
    manual = interventions(sqlite_db)[1]
    assert manual["step_no"] is None and manual["status"] == "todo"
    assert (manual["type"], manual["planned"], manual["note"]) == (
        "visit",
        dt.date(2026, 3, 5),
        "visit the site",
    )
    assert manual["promise_amount"] == Decimal("300.00")


async def test_pause_with_a_promise_then_resume(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PauseForm))
        form = app.screen
        form.query_one("#until", Input).value = "13/03/2026"
        form.query_one("#reason", Input).value = "Promesse de règlement"
        form.query_one("#amount", Input).value = "600"
        await pilot.press("ctrl+s")
        await loaded_again(pilot, screen, lambda d: d["status"] == "paused")
        assert "Paused until 2026-03-13: Promesse de règlement" in fields(screen)
        assert "promised €600.00" in fields(screen)
        stored = dossier(sqlite_db)
        assert (stored.status, stored.pause_until, stored.promise_amount) == (
            "paused",
            dt.date(2026, 3, 13),
            Decimal("600.00"),
        )
        # the step to do waits for the pause's end (the next working day after it)
        assert interventions(sqlite_db)[0]["planned"] == dt.date(2026, 3, 16)
        await pilot.press("u", "y")
        await loaded_again(pilot, screen, lambda d: d["status"] == "open")
    stored = dossier(sqlite_db)
    assert (stored.status, stored.pause_until, stored.promise_amount) == ("open", None, None)


async def test_enter_reads_the_dossier_before_showing_it(sqlite_db: TestDB) -> None:
    """A quick read: the screen appears with the dossier in place (no "Loading" frame)."""
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await list_loaded(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        seen.append(fields(screen))
    assert seen[0].startswith("D000001 · CDUPONT")


def held(app: RecouvrementApp, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """From now on the app's reads wait until the returned event is set: a slow database,
    on the test's schedule."""
    gate = threading.Event()
    read = app.backend.read

    def slow_read(work: Any) -> Any:
        gate.wait(10)
        return read(work)

    monkeypatch.setattr(app.backend, "read", slow_read)
    return gate


async def test_a_slow_read_opens_the_screen_first(
    sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter answers within SLOW_READ even when the database is slow: the screen shows
    "Loading…", then the dossier."""
    import tui.app as app_module

    seed(sqlite_db)
    monkeypatch.setattr(app_module, "SLOW_READ", 0.05)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_loaded(app, pilot)
        gate = held(app, monkeypatch)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        screen = app.screen
        assert isinstance(screen, DossierDetailScreen)
        assert fields(screen) == "Loading dossier D000001…"
        gate.set()
        await wait_for(pilot, lambda: "Principal €1,200.00" in fields(screen))
        assert len(app.screen_stack) == 2  # opened once


async def test_enter_twice_opens_the_dossier_once(
    sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_loaded(app, pilot)
        gate = held(app, monkeypatch)
        await pilot.press("enter", "enter")
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        await settle(pilot)
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DossierDetailScreen))


async def test_a_dossier_read_after_the_user_moved_on_does_not_open(
    sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.app as app_module

    seed(sqlite_db)
    monkeypatch.setattr(app_module, "SLOW_READ", 5.0)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_loaded(app, pilot)
        gate = held(app, monkeypatch)
        await pilot.press("enter", "2")  # to Actions before the dossier is read
        gate.set()
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ActionsScreen")
        await settle(pilot)
        assert type(app.screen).__name__ == "ActionsScreen"
        assert not any(isinstance(s, DossierDetailScreen) for s in app.screen_stack)


async def test_leaving_a_loading_dossier_is_no_error(
    sqlite_db: TestDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.app as app_module

    seed(sqlite_db)
    monkeypatch.setattr(app_module, "SLOW_READ", 0.05)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_loaded(app, pilot)
        gate = held(app, monkeypatch)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierDetailScreen))
        await pilot.press("escape")  # before the read ends
        await wait_for(pilot, lambda: not isinstance(app.screen, DossierDetailScreen))
        gate.set()
        await settle(pilot)
        assert not any("Unexpected error" in n.message for n in app._notifications)
        assert not isinstance(app.screen, DossierDetailScreen)


async def test_move_to_step(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, StepForm))
        assert app.screen.query_one("#step", OptionList).highlighted == 0  # the current step
        await pilot.press("down", "down", "enter")
        await loaded_again(pilot, screen, lambda d: d["current_step"] == 3)
    rows = interventions(sqlite_db)
    assert [(r["step_no"], r["status"], r["planned"]) for r in rows] == [
        (1, "skipped", TODAY),
        (3, "todo", dt.date(2026, 3, 9)),
    ]
    assert rows[0]["outcome"] == "moved to step 3"


async def test_move_to_another_scenario(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, StepForm))
        form = app.screen
        scenario = form.query_one("#scenario", Select)
        assert scenario.value == BUILTIN_NAME
        scenario.value = COURTESY.name
        steps = form.query_one("#step", OptionList)
        await wait_for(pilot, lambda: steps.option_count == 3)
        steps.focus()
        await pilot.press("down", "enter")  # step 2 of the courtesy scenario
        await loaded_again(pilot, screen, lambda d: d["scenario"] == COURTESY.name)
        assert f"Scenario: {COURTESY.name}" in fields(screen)
        assert notified(app, f"moved to scenario {COURTESY.name}, step 2")
        assert screen.data is not None and screen.data["current_step"] == 2
    rows = interventions(sqlite_db)
    assert [(r["step_no"], r["status"], r["type"]) for r in rows] == [
        (1, "skipped", "phone"),
        (2, "todo", "email"),
    ]
    assert rows[1]["planned"] == dt.date(2026, 3, 9)  # 7 days after 2026-03-02
    with sqlite_db.session() as session:
        stored = find_dossier(session, "D000001")
        assert stored.version == 2  # one change, seen in the history


async def test_edit_reason_agent_and_contacts_then_history(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDossierForm))
        form = app.screen
        assert app.focused is form.query_one("#reason", Input)
        await pilot.press(*"Disputes the price")
        form.query_one("#agent", Select).value = "boss"
        form.query_one("#main", Select).value = screen.data["contacts"][0]["id"]  # type: ignore[index]
        form.query_one("#others", SelectionList).select(screen.data["contacts"][1]["id"])  # type: ignore[index]
        await pilot.press("ctrl+s")
        await loaded_again(pilot, screen, lambda d: d["agent"] == "boss")
        assert "Reason: Disputes the price" in fields(screen)
        assert "Main contact: Paul Dupont" in fields(screen)
        stored = dossier(sqlite_db)
        assert (stored.reason, stored.agent) == ("Disputes the price", "boss")
        assert screen.data is not None and len(screen.data["other_contact_ids"]) == 1
        # the history tab says who changed what, newest first
        await pilot.press("left_square_bracket")
        history = screen.tables["history"].body
        assert app.focused is history
        await wait_for(pilot, lambda: history.loaded and history.count > 0)
        first = history.row_at(0)
        assert first is not None and first["login"] == "boss"
        lines = [history.row_at(i) for i in range(history.count)]
        change = next(r for r in lines if r and "Disputes the price" in r["changes"])
        assert change["login"] == "boss"
        assert "reason: — → Disputes the price" in change["changes"]
        assert "agent: alice → boss" in change["changes"]
        assert change["what"] == "dossier changed"


async def test_conflicting_edit_is_refused(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot)
        # someone else saves the dossier after the screen read it
        with sqlite_db.ctx(TODAY, "alice") as ctx:
            update_dossier(ctx, "D000001", reason="First [change")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDossierForm))
        form = app.screen
        await pilot.press(*"Second change", "ctrl+s")
        # refused inside the form, which keeps what was typed
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "changed by someone else" in str(error.render()))
        assert app.screen is form
        assert form.query_one("#reason", Input).value == "Second change"
        # the screen below reloads and shows what is stored: the first change
        await loaded_again(pilot, screen, lambda d: d["reason"] == "First [change")
        await pilot.press("escape")  # what was typed is lost: asked first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        assert "Reason: First [change" in fields(screen)
    assert dossier(sqlite_db).reason == "First [change"


async def test_closed_dossier_refuses_plan_changes(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        close(ctx, find_dossier(ctx.session, "D000004"), "paid by cheque", TODAY)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(app, pilot, "D000004")
        assert "Closed on 2026-03-02: paid by cheque" in fields(screen)
        for key in "dsapt":
            app._notifications.clear()
            await pilot.press(key)
            await wait_for(pilot, lambda: notified(app, "D000004 is closed"))
            assert app.screen is screen


async def test_a_penalty_step_to_do_warns_of_a_half_year_without_its_rate(
    sqlite_db: TestDB,
) -> None:
    seed(sqlite_db)
    july = dt.date(2026, 7, 10)
    with sqlite_db.ctx(july) as ctx:
        move_to_step(ctx, "D000001", 7, july)  # Courrier LRAR: penalties
        move_to_step(ctx, "D000002", 6, july)  # no penalties
    app = RecouvrementApp(sqlite_db.engine, "boss", july)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(app, pilot, "D000001")
        assert (
            "⚠ Step 7 charges penalties but the rate table has no row for the half-year "
            "starting 2026-07-01: a manager adds it with `rates add 2026-07-01 RATE`."
        ) in fields(screen)
        await pilot.press("escape")
        other = await open_detail(app, pilot, "D000002")
        assert "⚠" not in fields(other)
