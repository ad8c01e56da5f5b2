"""Pilot tests of the small forms: a valid value submits, a bad one says why and stays,
Escape cancels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input, OptionList, Select, SelectionList, Static

from engine.scenarios import STEP_TYPES
from tests.tui_helpers import wait_for
from tui.screens.forms import (
    ConfirmForm,
    DateForm,
    DoneForm,
    EditDossierForm,
    FormModal,
    ManualForm,
    NoteForm,
    PauseForm,
    StepForm,
)

DAY = dt.date(2026, 3, 2)
PENDING = object()


class Host(App[None]):
    """Opens one form and keeps what it dismissed with."""

    def __init__(self, form: FormModal) -> None:
        super().__init__()
        self.form = form
        self.result: Any = PENDING

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.form, callback=self.done)

    def done(self, result: Any) -> None:
        self.result = result


def got(app: Host) -> Any:
    return app.result


def error_text(form: FormModal) -> str:
    return str(form.query_one("#error", Static).render())


async def fill(app: Host, field: str, value: str) -> None:
    box = app.form.query_one(f"#{field}", Input)
    box.value = value
    box.focus()


async def test_done_form_submits_parsed_values() -> None:
    app = Host(DoneForm("Done: step 1", DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.focused is app.form.query_one("#outcome", Input)
        assert app.form.query_one("#day", Input).value == "2026-03-02"
        await pilot.press(*"reached", "tab")
        await pilot.press(*"call back")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {"day": DAY, "outcome": "reached", "note": "call back"}


async def test_done_form_refuses_a_bad_date_and_stays() -> None:
    app = Host(DoneForm("Done", DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(app, "day", "31/02/2026")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING
        assert "'31/02/2026'" in error_text(app.form)
        assert "YYYY-MM-DD or DD/MM/YYYY" in error_text(app.form)
        assert app.focused is app.form.query_one("#day", Input)
        await fill(app, "day", "03/03/2026")  # French order is fine
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert got(app)["day"] == dt.date(2026, 3, 3)


async def test_escape_cancels_with_none() -> None:
    app = Host(DoneForm("Done", DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"typed")
        await pilot.press("escape", "y")  # y: lose what was typed
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_note_form() -> None:
    app = Host(NoteForm("Note", "old"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.focused is app.form.query_one("#note", Input)
        await pilot.press("end", *" and new", "enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {"note": "old and new"}
    app = Host(NoteForm("Note"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_date_form() -> None:
    app = Host(DateForm("Reschedule", DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(app, "day", "tomorrow")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING
        assert "'tomorrow'" in error_text(app.form)
        await fill(app, "day", "2026-03-10")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {"day": dt.date(2026, 3, 10)}
    app = Host(DateForm("Reschedule", DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_manual_form_with_a_promise() -> None:
    app = Host(ManualForm("Add", DAY, list(STEP_TYPES), contact="M. Dupont"))
    async with app.run_test(size=(80, 30)) as pilot:
        kind = app.form.query_one("#type", Select)
        assert app.focused is kind
        kind.value = "visit"
        await fill(app, "note", "on site")
        await fill(app, "promise_date", "2026-03-20")
        await fill(app, "promise_amount", "1 200,50")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {
        "type": "visit",
        "day": DAY,
        "note": "on site",
        "contact": "M. Dupont",
        "promise_date": dt.date(2026, 3, 20),
        "promise_amount": Decimal("1200.50"),
    }


async def test_manual_form_refuses_bad_amount_and_amount_without_date() -> None:
    app = Host(ManualForm("Add", DAY, list(STEP_TYPES)))
    async with app.run_test(size=(80, 30)) as pilot:
        await fill(app, "promise_date", "2026-03-20")
        await fill(app, "promise_amount", "lots")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING
        assert "'lots'" in error_text(app.form)
        assert "1200.50" in error_text(app.form)
        await fill(app, "promise_amount", "-5")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING and "'-5'" in error_text(app.form)
        await fill(app, "promise_date", "")
        await fill(app, "promise_amount", "50")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING
        assert "needs the date" in error_text(app.form)
        assert app.focused is app.form.query_one("#promise_date", Input)
        await fill(app, "promise_amount", "")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    result = got(app)
    assert result["type"] == STEP_TYPES[0]
    assert result["promise_date"] is None and result["promise_amount"] is None
    app = Host(ManualForm("Add", DAY, list(STEP_TYPES)))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_pause_form() -> None:
    app = Host(PauseForm("Pause", DAY, "dispute"))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(app, "until", "13/03/2026")
        await fill(app, "amount", "abc")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING and "'abc'" in error_text(app.form)
        await fill(app, "amount", "600")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {
        "until": dt.date(2026, 3, 13),
        "reason": "dispute",
        "amount": Decimal("600.00"),
    }
    app = Host(PauseForm("Pause", DAY, amount=Decimal("10.00")))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.form.query_one("#amount", Input).value == "10.00"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


STEPS = [
    {"step_no": 1, "name": "Call", "delay": 0, "type": "phone"},
    {"step_no": 2, "name": "Letter", "delay": 5, "type": "letter"},
    {"step_no": 3, "name": "LRAR", "delay": 7, "type": "registered_letter"},
]


SCENARIOS = [
    {"name": "Standard", "steps": STEPS},
    {"name": "Gentle", "steps": STEPS[:1]},
    {"name": "Empty", "steps": []},
]


async def test_step_form() -> None:
    app = Host(StepForm("Move", SCENARIOS, "Standard", 2, DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        steps = app.form.query_one("#step", OptionList)
        assert app.focused is steps and steps.highlighted == 1
        assert app.form.query_one("#scenario", Select).value == "Standard"
        await pilot.press("down")
        await fill(app, "day", "2026-02-30")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is PENDING and "'2026-02-30'" in error_text(app.form)
        await fill(app, "day", "2026-03-04")
        steps.focus()
        await pilot.press("enter")  # Enter on a step chooses it
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {"scenario": "Standard", "step_no": 3, "day": dt.date(2026, 3, 4)}
    app = Host(StepForm("Move", SCENARIOS, None, None, DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None


async def test_step_form_other_scenario() -> None:
    app = Host(StepForm("Move", SCENARIOS, "Standard", 3, DAY))
    async with app.run_test(size=(80, 24)) as pilot:
        steps = app.form.query_one("#step", OptionList)
        scenario = app.form.query_one("#scenario", Select)
        scenario.value = "Gentle"
        await wait_for(pilot, lambda: steps.option_count == 1)
        assert steps.highlighted == 0  # another scenario starts at its first step
        scenario.value = "Empty"
        await wait_for(pilot, lambda: steps.option_count == 0)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.result is PENDING
        assert "Scenario 'Empty' has no step" in error_text(app.form)
        assert app.focused is scenario
        scenario.value = "Standard"
        await wait_for(pilot, lambda: steps.option_count == 3)
        assert steps.highlighted == 2  # back on the dossier's own scenario: its step
        scenario.value = "Gentle"
        await wait_for(pilot, lambda: steps.option_count == 1)
        steps.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {"scenario": "Gentle", "step_no": 1, "day": DAY}


async def test_confirm_form() -> None:
    for keys, expected in ((["y"], True), (["enter"], True), (["n"], False), (["escape"], False)):
        app = Host(ConfirmForm("Resume the dossier?"))
        async with app.run_test(size=(80, 24)) as pilot:
            assert "Resume the dossier?" in str(app.form.query_one("#message", Static).render())
            await pilot.press(*keys)
            await wait_for(pilot, lambda app=app: app.result is not PENDING)  # type: ignore[misc]
        assert app.result is expected


DETAIL = {
    "number": "D000001",
    "reason": "no reason",
    "agent": "alice",
    "main_contact_id": 1,
    "other_contact_ids": [2],
}
CONTACTS = [
    {"id": 1, "name": "M. Dupont", "role": "gérant"},
    {"id": 2, "name": "Mme Durand", "role": ""},
    {"id": 3, "name": "Compta", "role": "comptabilité"},
]


async def test_edit_dossier_form() -> None:
    app = Host(EditDossierForm(DETAIL, ["alice", "boss"], CONTACTS))
    async with app.run_test(size=(80, 30)) as pilot:
        reason = app.form.query_one("#reason", Input)
        assert app.focused is reason and reason.value == "no reason"
        reason.value = ""
        await pilot.press(*"disputes the price")
        app.form.query_one("#agent", Select).value = "boss"
        app.form.query_one("#main", Select).value = 3
        others = app.form.query_one("#others", SelectionList)
        others.focus()
        await pilot.press("down", "space")  # untick Mme Durand
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {
        "reason": "disputes the price",
        "agent": "boss",
        "main_contact_id": 3,
        "other_contact_ids": [],
    }


async def test_edit_dossier_form_keeps_values_and_cancels() -> None:
    app = Host(EditDossierForm({**DETAIL, "agent": None}, ["alice"], CONTACTS))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {
        "reason": "no reason",
        "agent": "",
        "main_contact_id": 1,
        "other_contact_ids": [2],
    }
    bare = {"number": "D000002", "reason": "", "agent": "boss"}
    app = Host(EditDossierForm(bare, ["alice"], []))  # no contacts, agent not in the list
    async with app.run_test(size=(80, 30)) as pilot:
        assert app.form.query_one("#agent", Select).value == "boss"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result == {
        "reason": "",
        "agent": "boss",
        "main_contact_id": None,
        "other_contact_ids": [],
    }
    app = Host(EditDossierForm(DETAIL, ["alice"], CONTACTS))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press(*"xyz", "escape", "y")
        await wait_for(pilot, lambda: app.result is not PENDING)
    assert app.result is None
