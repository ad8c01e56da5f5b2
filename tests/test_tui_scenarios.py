"""Pilot tests of the Scenarios screen: list, create, duplicate, rename, delete (refused while
in use, then with the dossiers moved), the step table edited in place with each validation
error, reordering, conflicts, and the read-only view of an agent."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static

from engine.dossiers import find_dossier, open_dossier
from engine.interventions import mark_done
from engine.planning import current_todo
from engine.risks import add_risk, remove_risk
from engine.scenario_admin import save_steps, scenario_detail
from engine.scenarios import BUILTIN_NAME, COURTESY
from models.tables import Dossier, Intervention, Scenario
from tests.conftest import TestDB
from tests.tui_helpers import TODAY, seed_tui, settle, wait_for
from tui.app import RecouvrementApp
from tui.screens.forms import ConfirmForm
from tui.screens.help import key_rows
from tui.screens.prompts import ChoiceModal, PromptModal
from tui.screens.scenarios import ScenariosScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import TableBody
from tui.widgets.step_sheet import StepGrid

COURTESY_NAME = COURTESY.name
# Columns of the step table, as the cursor counts them (l moves right).
NAME, DELAY, TYPE, RISK, LOSS, PENALTIES, FEES, TEMPLATE = range(8)


def detail(db: TestDB, name: str) -> dict[str, Any]:
    with db.session() as session:
        return scenario_detail(session, name)


def step_names(db: TestDB, name: str) -> list[str]:
    return [s["name"] for s in detail(db, name)["steps"]]


def list_names(body: TableBody) -> list[str]:
    return [body.row_at(i)["name"] for i in range(body.count)]  # type: ignore[index]


def message(screen: ScenariosScreen) -> str:
    return str(screen.query_one("#message", Static).render())


def title(screen: ScenariosScreen) -> str:
    return str(screen.query_one("#title", Static).render())


def bar_text(app: RecouvrementApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def notified(app: RecouvrementApp, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


async def open_screen(pilot: Pilot[None], name: str = BUILTIN_NAME) -> ScenariosScreen:
    """Key 4, then the scenario ``name`` highlighted and its steps shown."""
    app = pilot.app
    await pilot.press("4")
    await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen))
    screen = app.screen
    assert isinstance(screen, ScenariosScreen)
    body = screen.table.body
    await wait_for(pilot, lambda: body.loaded and screen.detail is not None)
    await pilot.press(*["j"] * list_names(body).index(name))
    await wait_for(pilot, lambda: screen.detail is not None and screen.detail["name"] == name)
    return screen


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


async def goto(pilot: Pilot[None], grid: StepGrid, row: int, col: int) -> None:
    """Put the cell cursor on (row, col) with the keys a person would press."""
    if not grid.has_focus:
        await pilot.press("enter")
    rows, cols = row - grid.row, col - grid.col
    await pilot.press(*(["j"] * rows if rows > 0 else ["k"] * -rows))
    await pilot.press(*(["l"] * cols if cols > 0 else ["h"] * -cols))
    assert (grid.row, grid.col) == (row, col)


async def edit_cell(pilot: Pilot[None], grid: StepGrid, row: int, col: int, text: str) -> None:
    """Edit one text cell in place: Enter opens the editor on it, Enter keeps the value."""
    await goto(pilot, grid, row, col)
    await pilot.press("e")
    await wait_for(pilot, lambda: grid.editing and isinstance(pilot.app.focused, Input))
    editor = pilot.app.focused
    assert isinstance(editor, Input) and editor.parent is grid._row_widgets[row]
    editor.value = ""  # what select-on-focus plus typing does, without depending on it
    await type_text(pilot, text)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not grid.editing)


def risk_choices(pilot: Pilot[None]) -> list[str]:
    editor = pilot.app.focused
    while editor is not None and not isinstance(editor, Select):
        editor = editor.parent  # type: ignore[assignment]
    assert isinstance(editor, Select)
    return [str(value) for _prompt, value in editor._options]


async def choose_risk(pilot: Pilot[None], grid: StepGrid, row: int, code: str) -> list[str]:
    """Enter on a step's risk opens the list of the company's codes; pick ``code`` ("" for
    none) with the arrows and Enter. Returns the codes offered."""
    await goto(pilot, grid, row, RISK)
    await pilot.press("enter")
    await wait_for(pilot, lambda: grid.editing)
    offered = risk_choices(pilot)
    moves = offered.index(code) - offered.index(grid.rows[row]["risk"])
    await pilot.press(*(["down"] * moves if moves > 0 else ["up"] * -moves), "enter")
    await wait_for(pilot, lambda: not grid.editing)
    assert grid.rows[row]["risk"] == code
    return offered


async def drop_changes(pilot: Pilot[None]) -> None:
    """Escape in the steps with changes not saved, and "y" to the question it asks."""
    screen = pilot.app.screen
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmForm))
    await pilot.press("y")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def save(pilot: Pilot[None], screen: ScenariosScreen) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


# -- list


async def test_key_4_shows_both_scenarios_with_the_steps(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        body = screen.table.body
        assert app.focused is body
        assert list_names(body) == [BUILTIN_NAME, COURTESY_NAME]
        assert [(r["steps"], r["open_dossiers"]) for r in screen.source.rows] == [(10, 4), (3, 0)]
        grid = screen.grid
        assert len(grid.rows) == 10
        assert grid.rows[6]["name"] == "Courrier LRAR" and grid.rows[6]["risk"] == "Insolvable"
        assert "version 1" in title(screen) and "4 open dossiers" in title(screen)
        assert "4 open dossiers stand at this step" in message(screen)
        await pilot.press("j")
        await wait_for(pilot, lambda: screen.detail["name"] == COURTESY_NAME)  # type: ignore[index]
        assert [r["name"] for r in grid.rows] == [s.name for s in COURTESY.steps]
        await pilot.press("enter")  # into the steps
        assert app.focused is grid
        await pilot.press("escape")  # back to the list
        assert app.focused is body
        assert not screen.unsaved_changes()
        await pilot.press("q")
    assert app.return_code == 0


async def test_create_duplicate_and_rename(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        body = screen.table.body
        # n: a new scenario, named in a box; a name taken already is refused in the box
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        await type_text(pilot, COURTESY_NAME)
        await pilot.press("enter")
        box = app.screen
        await wait_for(pilot, lambda: "already exists" in str(box.query_one("#error").render()))
        assert isinstance(app.screen, PromptModal)
        app.screen.query_one(Input).value = ""
        await type_text(pilot, "Relance export")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen))
        await wait_for(pilot, lambda: body.count == 3 and body.current is not None)
        assert body.current["name"] == "Relance export"  # type: ignore[index]
        await wait_for(pilot, lambda: screen.detail is not None)
        assert screen.detail is not None and screen.detail["name"] == "Relance export"
        assert [r["name"] for r in screen.grid.rows] == ["Phone reminder"]
        assert step_names(sqlite_db, "Relance export") == ["Phone reminder"]
        # c: a copy, named "<name> (copy)" unless changed
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        assert app.screen.query_one(Input).value == "Relance export (copy)"
        await pilot.press("enter")
        await wait_for(pilot, lambda: body.count == 4)
        assert step_names(sqlite_db, "Relance export (copy)") == ["Phone reminder"]
        # R: rename (the version shown is the one checked)
        await wait_for(pilot, lambda: body.current["name"] == "Relance export (copy)")  # type: ignore[index]
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        app.screen.query_one(Input).value = ""
        await type_text(pilot, "Relance Europe")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Relance Europe" in list_names(body))
        assert "Relance export (copy)" not in list_names(body)
        # Escape in a box writes nothing (asking first, as something was typed)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        await type_text(pilot, "Jamais")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen))
    with sqlite_db.session() as session:
        names = set(session.exec(select(Scenario.name)))
    assert names == {BUILTIN_NAME, COURTESY_NAME, "Relance export", "Relance Europe"}


# -- steps


async def test_edit_a_delay_and_save(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        grid = screen.grid
        await edit_cell(pilot, grid, 2, DELAY, "6")
        assert grid.rows[2]["delay"] == "6"
        assert screen.unsaved_changes() and "modified" in title(screen)
        assert detail(sqlite_db, BUILTIN_NAME)["steps"][2]["delay"] == 5  # not saved yet
        # Escape on an open editor cancels the edit of that cell only
        await goto(pilot, grid, 3, DELAY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: grid.editing)
        await pilot.press("9")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not grid.editing)
        assert grid.rows[3]["delay"] == "3"
        await save(pilot, screen)
        await wait_for(pilot, lambda: "version 2" in title(screen))
        assert "saved (version 2)" in message(screen)
        assert not screen.unsaved_changes()
    stored = detail(sqlite_db, BUILTIN_NAME)
    assert stored["version"] == 2
    assert [s["delay"] for s in stored["steps"]] == [0, 0, 6, 3, 5, 3, 7, 3, 0, 2]


async def test_escape_over_an_edited_cell_asks_before_dropping(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    stored = detail(sqlite_db, COURTESY_NAME)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, COURTESY_NAME)
        grid = screen.grid
        await edit_cell(pilot, grid, 1, DELAY, "9")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        assert "Drop the unsaved changes to Relance courtoise?" in str(
            app.screen.query_one("#message", Static).render()
        )
        await pilot.press("n")  # no: the edit stays, in the steps
        await wait_for(pilot, lambda: app.screen is screen)
        assert grid.rows[1]["delay"] == "9" and screen.unsaved_changes()
        assert app.focused is grid and "modified" in title(screen)
        await drop_changes(pilot)  # yes: back as stored, nothing written
        assert grid.rows[1]["delay"] == "7" and not screen.unsaved_changes()
        assert app.focused is grid
        await pilot.press("escape")  # nothing to lose: straight back to the list
        await pilot.pause()
        assert app.focused is screen.table.body and app.screen is screen
    assert detail(sqlite_db, COURTESY_NAME) == stored


async def test_each_validation_error_is_named_and_nothing_is_written(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    stored = detail(sqlite_db, BUILTIN_NAME)
    cases = [
        (4, DELAY, "-1", "step 5: delay '-1' is invalid: expected a whole number of days"),
        (4, DELAY, "abc", "step 5: delay 'abc' is invalid"),
        (7, LOSS, "120", "step 8: loss_percent '120' is invalid: expected a percentage from 0"),
        (1, FEES, "-5", "step 2: fees '-5' is invalid: expected an amount of 0 or more"),
    ]
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        grid = screen.grid
        for row, col, typed, words in cases:
            await edit_cell(pilot, grid, row, col, typed)
            await pilot.press("g", "h")  # the cursor elsewhere: the error brings it back
            await save(pilot, screen)
            await wait_for(pilot, lambda words=words: words in message(screen))  # type: ignore[misc]
            assert screen.query_one("#message").has_class("error")
            assert (grid.row, grid.col) == (row, col)  # on the value to correct
            assert screen.unsaved_changes()  # the edit is kept, to be corrected
            assert grid.rows[row][grid.current_key()] == typed
            assert detail(sqlite_db, BUILTIN_NAME) == stored  # nothing written
            await drop_changes(pilot)
            assert not screen.unsaved_changes()
            assert grid.rows[row][grid.current_key()] != typed
    assert detail(sqlite_db, BUILTIN_NAME) == stored


async def test_insert_delete_move_up_and_down_then_save(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, COURTESY_NAME)
        grid = screen.grid
        await goto(pilot, grid, 0, DELAY)

        def names() -> list[str]:
            return [r["name"] for r in grid.rows]

        await pilot.press("i")  # a step below, its name edited at once
        await wait_for(pilot, lambda: grid.editing and isinstance(app.focused, Input))
        assert (grid.row, grid.col) == (1, NAME)
        app.focused.value = ""  # type: ignore[union-attr]
        await type_text(pilot, "SMS")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not grid.editing)
        assert names() == ["Appel de courtoisie", "SMS", "E-mail de rappel", "Courrier de relance"]
        await pilot.press("K")  # move up
        assert names()[:2] == ["SMS", "Appel de courtoisie"] and grid.row == 0
        await pilot.press("G", "x")  # delete the last step
        assert names() == ["SMS", "Appel de courtoisie", "E-mail de rappel"]
        await pilot.press("g", "J")  # move down
        assert names() == ["Appel de courtoisie", "SMS", "E-mail de rappel"] and grid.row == 1
        await pilot.press("ctrl+down")
        assert names() == ["Appel de courtoisie", "E-mail de rappel", "SMS"] and grid.row == 2
        await pilot.press("ctrl+up", "ctrl+down")
        await goto(pilot, grid, 2, TYPE)  # type: a list to choose from, in place
        await pilot.press("enter")
        await wait_for(pilot, lambda: grid.editing)
        await pilot.press("up", "enter")  # "other" → "legal"
        await wait_for(pilot, lambda: not grid.editing)
        assert grid.rows[2]["type"] == "legal"
        await goto(pilot, grid, 2, PENALTIES)
        await pilot.press("enter")  # yes/no flips
        assert grid.rows[2]["penalties"] is True
        await edit_cell(pilot, grid, 2, FEES, "12,50")
        await choose_risk(pilot, grid, 2, "Douteux")
        await save(pilot, screen)
        await wait_for(pilot, lambda: not screen.unsaved_changes())
    stored = detail(sqlite_db, COURTESY_NAME)
    assert [s["name"] for s in stored["steps"]] == [
        "Appel de courtoisie",
        "E-mail de rappel",
        "SMS",
    ]
    sms = stored["steps"][2]
    assert (sms["type"], sms["penalties"], sms["fees"], sms["risk"]) == (
        "legal",
        True,
        "12.50",
        "Douteux",
    )


async def test_delete_refused_while_in_use_then_moving_the_dossiers(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        body = screen.table.body
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("n")  # no: nothing happens
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen))
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmForm))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        offer = app.screen
        text = str(offer.query_one("#message", Static).render())
        assert "4 open or paused dossiers follow it" in text
        assert "Move them to the first step of which scenario" in text
        options = offer.query_one(OptionList)
        assert [
            str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        ] == [COURTESY_NAME]
        await pilot.press("escape")  # first refusal: nothing moved, nothing deleted
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen))
        assert len(step_names(sqlite_db, BUILTIN_NAME)) == 10
        await pilot.press("D", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: body.count == 1 and body.loaded)
        await wait_for(pilot, lambda: notified(app, "4 dossiers moved to 'Relance courtoise'"))
        assert screen.sub_title == "Scenarios"  # the progress shown while moving is gone
        assert list_names(body) == [COURTESY_NAME]
        await wait_for(pilot, lambda: screen.detail is not None)
        assert screen.detail["name"] == COURTESY_NAME  # type: ignore[index]
    with sqlite_db.session() as session:
        assert session.exec(select(Scenario).where(Scenario.name == BUILTIN_NAME)).first() is None
        courtesy = session.exec(select(Scenario).where(Scenario.name == COURTESY_NAME)).one()
        dossiers = session.exec(select(Dossier)).all()
        assert len(dossiers) == 4 and {x.scenario_id for x in dossiers} == {courtesy.id}
        assert find_dossier(session, "D000003").status == "paused"


async def test_done_intervention_keeps_its_step_name_after_a_rename(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:  # CNEUF on the courtesy scenario, its first step done
        dossier = open_dossier(ctx, "CNEUF", COURTESY_NAME, agent="boss")
        todo = current_todo(ctx.session, dossier.id)  # type: ignore[arg-type]
        assert todo is not None
        mark_done(ctx, todo.id, note="Joint au téléphone")  # type: ignore[arg-type]
        done_id = todo.id
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, COURTESY_NAME)
        grid = screen.grid
        assert grid.rows[1]["dossiers"] == 1  # the dossier stands at step 2 now
        await goto(pilot, grid, 1, NAME)
        assert "1 open dossier stands at this step" in message(screen)
        # Renaming the step the dossier stands at is refused, with the reason
        await edit_cell(pilot, grid, 1, NAME, "Courriel")
        await save(pilot, screen)
        await wait_for(pilot, lambda: "would become 'Courriel'" in message(screen))
        assert notified(app, "would become 'Courriel'")
        assert step_names(sqlite_db, COURTESY_NAME)[1] == "E-mail de rappel"
        await drop_changes(pilot)
        # The step done can be renamed: nobody stands at it
        await edit_cell(pilot, grid, 0, NAME, "Appel client")
        await save(pilot, screen)
        await wait_for(pilot, lambda: "version 2" in title(screen))
    assert step_names(sqlite_db, COURTESY_NAME)[0] == "Appel client"
    with sqlite_db.session() as session:
        done = session.get(Intervention, done_id)
        assert done is not None
        assert (done.step, done.status, done.type) == ("Appel de courtoisie", "done", "phone")


async def test_a_conflicting_save_is_refused_and_the_edit_kept(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, COURTESY_NAME)
        grid = screen.grid
        await edit_cell(pilot, grid, 2, DELAY, "10")
        steps = [
            {k: v for k, v in s.items() if k not in ("step_no", "dossiers")}
            for s in detail(sqlite_db, COURTESY_NAME)["steps"]
        ]
        steps[1]["delay"] = 8
        with sqlite_db.ctx(TODAY) as ctx:  # another manager saves first
            save_steps(ctx, COURTESY_NAME, steps, 1)
        await save(pilot, screen)
        await wait_for(pilot, lambda: "changed by someone else" in message(screen))
        assert screen.unsaved_changes() and grid.rows[2]["delay"] == "10"
        # q asks before quitting over unsaved changes; "n" stays, Escape drops them, q quits
        await pilot.press("q")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmForm")
        await pilot.press("n")
        assert app.is_running and app.screen is screen
        await drop_changes(pilot)
        await pilot.press("q")
    stored = detail(sqlite_db, COURTESY_NAME)
    assert [s["delay"] for s in stored["steps"]] == [0, 8, 7]


async def test_an_agent_sees_scenarios_read_only(sqlite_db: TestDB) -> None:
    """Once the role is known, the keys that change something are neither in the key bar
    nor in the help, and do nothing; moving about still works."""
    seed_tui(sqlite_db)
    stored = detail(sqlite_db, BUILTIN_NAME)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(160, 24)) as pilot:
        screen = await open_screen(pilot)
        await wait_for(pilot, lambda: "read-only" in title(screen))
        changing = {"Save", "New", "Duplicate", "Rename", "Delete", "New risk code"}
        editing = {"Edit", "Insert step", "Delete step", "Move up", "Move down"}
        assert not changing & {d for _k, d in key_rows(screen)}
        assert " 1 Dossiers " in bar_text(app) and " n New " not in bar_text(app)
        await pilot.press("n", "D", "c", "R", "r")
        await pilot.pause()
        assert app.screen is screen and not app._notifications
        await pilot.press("enter")  # into the steps: they move, nothing edits
        await wait_for(pilot, lambda: app.focused is screen.grid)
        described = {d for _k, d in key_rows(screen)}
        assert "Back" in described and not (changing | editing) & described
        bar = bar_text(app)
        assert " esc Back " in bar and "Edit" not in bar and "Insert step" not in bar
        await pilot.press("j", "l", "e", "enter", "i", "x", "K", "ctrl+s")
        await pilot.pause()
        assert (screen.grid.row, screen.grid.col) == (1, 1)
        assert not screen.grid.editing and not app._notifications
        assert len(screen.grid.rows) == 10 and not screen.unsaved_changes()
    assert detail(sqlite_db, BUILTIN_NAME) == stored


async def test_a_manager_is_offered_the_keys_that_change(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(160, 24)) as pilot:
        screen = await open_screen(pilot)
        await wait_for(pilot, lambda: screen.manager is True)
        await pilot.pause()
        assert {"New", "Duplicate", "Rename", "Delete", "New risk code"} <= {
            d for _k, d in key_rows(screen)
        }
        assert " n New " in bar_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is screen.grid)
        assert {"Edit", "Insert step", "Delete step", "Move up"} <= {
            d for _k, d in key_rows(screen)
        }


async def test_an_agent_pressing_a_key_before_the_role_is_known_hears_the_refusal(
    sqlite_db: TestDB,
) -> None:
    """Until the role is read the keys are offered; the engine refuses the change."""
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "alice", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        screen.manager = None  # as before the role is read
        screen.refresh_bindings()
        await pilot.pause()
        await pilot.press("n")
        await wait_for(pilot, lambda: notified(app, "Only a manager may do this (alice"))
        assert app.screen is screen


async def test_a_new_risk_code_can_be_given_by_a_step(sqlite_db: TestDB) -> None:
    seed_tui(sqlite_db)
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, COURTESY_NAME)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal))
        await type_text(pilot, "Redressement")
        await pilot.press("enter")  # to the label
        await type_text(pilot, "Redressement judiciaire")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen))
        assert "Redressement" in screen.risk_codes
        offered = await choose_risk(pilot, screen.grid, 2, "Redressement")
        assert offered[0] == "" and offered[-1] == "Redressement"
        await save(pilot, screen)
        await wait_for(pilot, lambda: not screen.unsaved_changes())
    assert detail(sqlite_db, COURTESY_NAME)["steps"][2]["risk"] == "Redressement"


async def test_a_steps_risk_is_chosen_from_the_companys_codes(sqlite_db: TestDB) -> None:
    """The codes a manager keeps (key 9, `risks add`) are the choices, and none."""
    seed_tui(sqlite_db)
    with sqlite_db.ctx(TODAY) as ctx:
        add_risk(ctx, "Redressement", "Redressement judiciaire")
        remove_risk(ctx, "Surveillé")
    app = RecouvrementApp(sqlite_db.engine, "boss", TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, BUILTIN_NAME)
        offered = await choose_risk(pilot, screen.grid, 6, "Redressement")  # was Insolvable
        assert offered == ["", "Normal", "Douteux", "Insolvable", "Contentieux", "Redressement"]
        await choose_risk(pilot, screen.grid, 5, "")  # none stays none
        await choose_risk(pilot, screen.grid, 4, "Contentieux")
        await save(pilot, screen)
        await wait_for(pilot, lambda: not screen.unsaved_changes())
    steps = detail(sqlite_db, BUILTIN_NAME)["steps"]
    assert [s["risk"] for s in steps[4:7]] == ["Contentieux", None, "Redressement"]
