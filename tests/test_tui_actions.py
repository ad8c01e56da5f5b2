"""Pilot tests of the Actions screen (Gestion des actions): groups and counts, filters, and
working the list: done, skip, reschedule, note, promise to pay, new intervention, open."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static

from engine.access import add_user
from engine.dossiers import close, find_dossier, open_dossier, update_dossier
from engine.interventions import add_manual, add_note
from engine.scenarios import BUILTIN_NAME, COURTESY, find_scenario
from models.tables import Dossier, Intervention
from tests.conftest import TestDB
from tests.factories import add_customer, add_entry, d
from tests.tui_helpers import TODAY, seed_tui, wait_for
from tui.app import RecouvrementApp
from tui.screens.actions import ActionsScreen
from tui.screens.forms import ConfirmForm
from tui.widgets.lazy_table import TableBody

ALL = [5, 4, 1, 2, 6, 7, 3]  # by planned date, agent (unassigned first), id


def seed(db: TestDB) -> None:
    """seed_tui (step 1 of D000001–D000004 due 03-02, D000003 paused until 03-13) plus an
    overdue step (D000005, intervention 5), two upcoming manual to-dos (6 on D000001,
    7 on D000002), a closed dossier, and D000004 without an agent."""
    seed_tui(db)
    with db.ctx(TODAY) as ctx:
        update_dossier(ctx, "D000004", agent="")
        open_dossier(ctx, "CNEUF", BUILTIN_NAME, agent="alice", start=d("2026-02-16"))
        add_manual(ctx, "D000001", "letter", d("2026-03-05"), note="Relevé")
        add_manual(ctx, "D000002", "email", d("2026-03-10"))
        customer = add_customer(ctx.session, "CFERME", "Fermé SA")
        add_entry(ctx.session, customer, "invoice", "2025-12-01", "90.00", due="2026-01-10")
        open_dossier(ctx, "CFERME", BUILTIN_NAME, agent="alice")
        close(ctx, find_dossier(ctx.session, "D000006", lock=True), "test", TODAY)


def ids(body: TableBody) -> list[int]:
    return [body.row_at(i)["id"] for i in range(body.count)]  # type: ignore[index]


def text_of(app: RecouvrementApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notified(app: RecouvrementApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


def intervention(db: TestDB, ident: int) -> Intervention:
    with db.session() as session:
        item = session.get(Intervention, ident)
        assert item is not None
        return item


def todos(db: TestDB, number: str) -> list[tuple[Any, ...]]:
    with db.session() as session:
        dossier = session.exec(select(Dossier).where(Dossier.number == number)).one()
        return [
            (i.step_no, i.type, i.planned)
            for i in session.exec(
                select(Intervention)
                .where(Intervention.dossier_id == dossier.id, Intervention.status == "todo")
                .order_by(col(Intervention.id))
            )
        ]


async def open_actions(pilot: Pilot[None], count: int) -> TableBody:
    await pilot.press("2")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen) and app.screen.started)
    body = app.screen.query_one(TableBody)
    await wait_for(pilot, lambda: body.loaded and body.count == count)
    return body


async def show_only(pilot: Pilot[None], body: TableBody, text: str, count: int) -> None:
    """Filter on a dossier number (or any text) and come back to the list."""
    await pilot.press("slash", *text, "enter")
    await wait_for(pilot, lambda: body.loaded and body.count == count)
    assert pilot.app.focused is body


async def replace_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press("home", "ctrl+k", *text)


async def test_key_2_shows_every_todo_grouped_with_counts(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)  # a manager sees every agent's to-dos
        assert app.focused is body
        assert ids(body) == ALL
        groups = [body.row_at(i)["group"] for i in range(7)]  # type: ignore[index]
        assert groups == ["overdue", "today", "today", "today", "upcoming", "upcoming", "upcoming"]
        await wait_for(pilot, lambda: "7 to do" in text_of(app, "#totals"))
        assert text_of(app, "#totals") == "1 overdue · 3 today · 3 upcoming · 7 to do"
        assert "all agents" in text_of(app, "#flags")
        # the list shows the groups, and why a paused dossier's step waits
        lines = [app.screen.query_one(TableBody).render_line(y).text for y in range(7)]
        assert lines[0].startswith("Overdue  2026-02-16 D000005 CNEUF      phone")
        assert lines[1].startswith("Today    2026-03-02 D000004 CLEROY")
        assert lines[4].startswith("Upcoming 2026-03-05 D000001")
        assert "paused until 2026-03-13" in lines[6]
        await pilot.press("G")
        await wait_for(pilot, lambda: "Promesse de règlement" in text_of(app, "#detail"))
        assert "paused until 2026-03-13: Promesse de règlement" in text_of(app, "#detail")
        assert "D000003 · CMARTIN Martin & Fils · alice" in text_of(app, "#detail")


async def test_an_agent_starts_with_their_own_todos(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 4)
        assert ids(body) == [5, 1, 6, 3]
        assert "mine" in text_of(app, "#flags")
        await wait_for(pilot, lambda: "4 to do" in text_of(app, "#totals"))
        assert text_of(app, "#totals") == "1 overdue · 1 today · 2 upcoming · 4 to do"
        await pilot.press("m")  # everybody's
        await wait_for(pilot, lambda: body.count == 7)


async def test_filters_by_agent_type_date_and_text(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        body = await open_actions(pilot, 7)
        # m: mine (boss) and back
        await pilot.press("m")
        await wait_for(pilot, lambda: ids(body) == [2, 7])
        assert "mine" in text_of(app, "#flags")
        await pilot.press("m")
        await wait_for(pilot, lambda: body.count == 7)
        # u: each agent with something to do in turn, then everybody
        await pilot.press("u")
        await wait_for(pilot, lambda: ids(body) == [5, 1, 6, 3])
        assert "alice" in text_of(app, "#flags")
        await pilot.press("u")
        await wait_for(pilot, lambda: ids(body) == [2, 7])
        await pilot.press("u")
        await wait_for(pilot, lambda: body.count == 7)
        # y: one type at a time
        await pilot.press("y")
        await wait_for(pilot, lambda: ids(body) == [5, 4, 1, 2, 3])
        assert "phone" in text_of(app, "#flags")
        await pilot.press("y")
        await wait_for(pilot, lambda: ids(body) == [6])
        await pilot.press("y")
        await wait_for(pilot, lambda: ids(body) == [7])
        for _ in range(5):  # registered letter, visit, legal, other, every type
            await pilot.press("y")
        await wait_for(pilot, lambda: body.count == 7)
        # w: until today, the next 7 days, every date
        await pilot.press("w")
        await wait_for(pilot, lambda: ids(body) == [5, 4, 1, 2])
        await wait_for(pilot, lambda: text_of(app, "#totals").startswith("1 overdue · 3 today · 0"))
        assert "until today" in text_of(app, "#flags")
        await pilot.press("w")
        await wait_for(pilot, lambda: ids(body) == [5, 4, 1, 2, 6])
        await pilot.press("w")
        await wait_for(pilot, lambda: body.count == 7)
        # /: dossier number, customer code or name, agent login
        await show_only(pilot, body, "martin", 1)
        assert ids(body) == [3]
        await pilot.press("escape")
        await wait_for(pilot, lambda: body.count == 7)
        await show_only(pilot, body, "alic", 4)
        await pilot.press("escape")
        await show_only(pilot, body, "D000002", 2)
        assert ids(body) == [2, 7]


async def test_done_from_the_list_plans_the_next_step(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)
        await show_only(pilot, body, "D000001", 2)
        assert body.current["id"] == 1  # type: ignore[index]
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DoneForm")
        await pilot.press(*"Promet de payer", "enter")
        await wait_for(pilot, lambda: notified(app, "Intervention 1 done on 2026-03-02."))
        done = intervention(sqlite_db, 1)
        assert (done.status, done.done, done.outcome, done.done_by) == (
            "done",
            TODAY,
            "Promet de payer",
            "boss",
        )
        # step 2 (delay 0) is the dossier's current to-do now, beside the manual letter
        assert todos(sqlite_db, "D000001") == [
            (None, "letter", d("2026-03-05")),
            (2, "letter", TODAY),
        ]
        await wait_for(pilot, lambda: body.loaded and 1 not in ids(body) and body.count == 2)
        assert body.row_at(0)["step"] == "Notification d'ouverture de dossier"  # type: ignore[index]


async def test_skip_and_reschedule_from_the_list(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)
        await show_only(pilot, body, "D000002", 2)
        assert body.current["id"] == 2  # type: ignore[index]
        await pilot.press("s")  # the same skip form as on a dossier: an optional note
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "NoteForm")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "Intervention 2 skipped on 2026-03-02."))
        skipped = intervention(sqlite_db, 2)
        assert (skipped.status, skipped.done) == ("skipped", TODAY)
        assert todos(sqlite_db, "D000002") == [
            (None, "email", d("2026-03-10")),
            (2, "letter", TODAY),
        ]
        # reschedule D000004's call to a Saturday: planned on the next working day
        await pilot.press("escape")
        await show_only(pilot, body, "D000004", 1)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DateForm")
        assert app.screen.query_one("#day", Input).value == "2026-03-02"
        await replace_text(pilot, "2026-03-07")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "Intervention 4 planned on 2026-03-09."))
        assert intervention(sqlite_db, 4).planned == d("2026-03-09")
        await wait_for(pilot, lambda: body.loaded and body.row_at(0)["group"] == "upcoming")  # type: ignore[index]
        # a paused dossier's step cannot come back inside the pause: refused, nothing written
        await pilot.press("escape")
        await show_only(pilot, body, "D000003", 1)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DateForm")
        await replace_text(pilot, "2026-03-04")
        await pilot.press("enter")
        form = app.screen
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "is paused until 2026-03-13" in str(error.render()))
        assert app.screen is form  # the refusal shows in the form, which stays open
        assert intervention(sqlite_db, 3).planned == d("2026-03-16")


async def test_note_from_the_list_and_a_conflicting_edit_refused(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 4)
        await show_only(pilot, body, "D000005", 1)
        await pilot.press("o")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "NoteForm")
        await pilot.press(*"Appel sans réponse", "enter")
        await wait_for(pilot, lambda: notified(app, "Note added to intervention 5."))
        assert intervention(sqlite_db, 5).note == "Appel sans réponse"
        await wait_for(pilot, lambda: "Appel sans réponse" in text_of(app, "#detail"))
        # someone else writes on the same intervention after the list was read
        with sqlite_db.ctx(TODAY) as ctx:
            add_note(ctx, 5, "Note du chef")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "NoteForm")
        form = app.screen
        await pilot.press(*"Rappeler", "enter")
        error = form.query_one("#error", Static)
        await wait_for(pilot, lambda: "changed by someone else" in str(error.render()))
        assert form.query_one("#note", Input).value == "Rappeler"
        assert intervention(sqlite_db, 5).note == "Appel sans réponse\nNote du chef"
        await pilot.press("escape")  # what was typed is lost: asked first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Note du chef" in text_of(app, "#detail"))


async def test_promise_to_pay_pauses_the_dossier_and_shows_why(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 4)
        await show_only(pilot, body, "D000001", 2)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "PauseForm")
        form = app.screen
        assert form.query_one("#until", Input).value == "2026-03-09"  # a week ahead
        assert form.query_one("#reason", Input).value == "Promise to pay"
        form.query_one("#amount", Input).focus()
        await pilot.press(*"500", "enter")
        await wait_for(pilot, lambda: notified(app, "D000001 paused until 2026-03-09."))
        with sqlite_db.session() as session:
            dossier = session.exec(select(Dossier).where(Dossier.number == "D000001")).one()
            assert (dossier.status, dossier.pause_until, dossier.pause_reason) == (
                "paused",
                d("2026-03-09"),
                "Promise to pay",
            )
            assert dossier.promise_amount == Decimal("500.00")
        # the scenario step waits past the pause; the list says why
        assert intervention(sqlite_db, 1).planned == d("2026-03-10")
        await wait_for(pilot, lambda: body.loaded and ids(body) == [6, 1])
        line = body.render_line(1).text
        assert "paused until 2026-03-09" in line
        await wait_for(pilot, lambda: "Promise to pay (€500.00)" in text_of(app, "#detail"))


async def test_add_a_manual_intervention_from_the_list(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 4)
        await show_only(pilot, body, "D000005", 1)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ManualForm")
        form = app.screen
        form.query_one("#day", Input).focus()
        await replace_text(pilot, "2026-03-04")
        form.query_one("#note", Input).focus()
        await pilot.press(*"Rappel après relevé", "enter")
        await wait_for(pilot, lambda: notified(app, "planned on 2026-03-04."))
        assert todos(sqlite_db, "D000005") == [
            (1, "phone", d("2026-02-16")),
            (None, "phone", d("2026-03-04")),
        ]
        await wait_for(pilot, lambda: body.count == 2)


async def test_move_and_edit_the_dossier_from_the_list(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)
        await show_only(pilot, body, "D000002", 2)
        await pilot.press("t")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "StepForm")
        app.screen.query_one("#scenario", Select).value = COURTESY.name
        steps = app.screen.query_one("#step", OptionList)
        await wait_for(pilot, lambda: steps.option_count == 3)
        steps.focus()
        await pilot.press("enter")  # its first step, from today
        await wait_for(pilot, lambda: notified(app, f"to scenario {COURTESY.name}, step 1"))
        assert (1, "phone", TODAY) in todos(sqlite_db, "D000002")
        with sqlite_db.session() as session:
            assert find_dossier(session, "D000002").scenario_id == (
                find_scenario(session, COURTESY.name).id
            )
        await wait_for(pilot, lambda: body.loaded and body.count == 2)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "EditDossierForm")
        await pilot.press(*"Conteste la remise", "enter")
        await wait_for(pilot, lambda: notified(app, "Dossier D000002 saved."))
        with sqlite_db.session() as session:
            assert find_dossier(session, "D000002").reason == "Conteste la remise"


async def test_enter_opens_the_dossier_and_escape_comes_back(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)
        await pilot.press("j", "j", "enter")  # intervention 1, dossier D000001
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DossierDetailScreen")
        assert app.screen.number == "D000001"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen))
        await wait_for(pilot, lambda: body.loaded and body.count == 7)
        assert app.screen.query_one(TableBody) is body


async def test_refusals_show_as_messages_and_write_nothing(sqlite_db: TestDB) -> None:
    seed(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        add_user(ctx.session, ctx.actor, "carol", "auditor", "Carol Audit")
    app = RecouvrementApp(sqlite_db.engine, "carol", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)  # an auditor reads everybody's
        # and is offered no key that changes them: pressed, they do nothing
        await pilot.press("s", "d")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
        assert intervention(sqlite_db, 5).status == "todo"
        assert body.count == 7
    # a form left with Escape writes nothing
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        body = await open_actions(pilot, 7)
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DoneForm")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen))
        assert intervention(sqlite_db, 5).status == "todo"
    # an unknown login sees why, and the app stays up
    app = RecouvrementApp(sqlite_db.engine, "mallory", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen) and app.screen.started)
        await wait_for(pilot, lambda: notified(app, "'mallory'"))
        await pilot.press("d")
        await wait_for(pilot, lambda: notified(app, "No action selected."))
        assert app.is_running
