"""Small keyboard-only forms: they collect and check what is typed, nothing more.

Each form collects a plain dict of parsed values. A value that does not parse shows an
inline message naming the value and what is expected, and the form stays. Given a
``saver`` (values → engine work, see tui.changes), the form saves itself: the work runs in
a worker (BaseModal.save), a refusal shows in the form, which stays open with what was
typed, and the form dismisses with the work's result once saved. Without one it dismisses
with the values (None on Escape).

Enter in a text field or ctrl+s saves; Escape cancels, asking first when something was
typed or chosen (as ``q`` does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from engine.errors import UserError
from engine.i18n import N_, _
from engine.inert import inert
from engine.parsing import parse_amount, parse_date
from tui import format as fmt
from tui.labels import type_label
from tui.screens.base import BaseModal
from tui.widgets.key_bar import KeyBar


class FieldError(Exception):
    """A value that does not parse: the message to show and the field to go back to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class FormModal(BaseModal):
    """A titled box of fields with an error line; subclasses compose fields and collect."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", N_("Save"), id="form.submit"),
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
    ]
    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > #box {
        width: 76; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto;
        border: round $accent; padding: 0 1; background: $surface;
    }
    FormModal #form-title { text-style: bold; width: 100%; margin-bottom: 1; }
    FormModal .row { height: auto; }
    /* the longest label (French "Promesse de règlement le", 24) and a space before its field */
    FormModal .field-label { width: 26; padding-right: 1; color: $text-muted; }
    FormModal .list-label { color: $text-muted; }
    FormModal Input { width: 1fr; background: $boost; }
    FormModal Input:focus, FormModal Select:focus > SelectCurrent { background: $accent 40%; }
    FormModal Select { width: 1fr; }
    FormModal #error { color: $error; height: auto; margin-top: 1; }
    FormModal #error.empty { display: none; }
    FormModal OptionList { height: auto; max-height: 12; }
    FormModal SelectionList { height: auto; max-height: 8; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.form_title = title
        self.prefilled: dict[str, tuple[str, str]] = {}  # field: (shown, stored)
        self.pristine: list[object] | None = None  # the fields' values when it opened
        # What saving does: the values collected → the engine work to run (tui.changes).
        self.saver: Callable[[Any], Callable[[Any], Any]] | None = None
        self.on_refusal: Callable[[str], object] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            # Titles name customers, steps, dossiers: data, shown inert (engine.inert).
            yield Static(inert(self.form_title), id="form-title", markup=False)
            yield from self.fields()
            yield Static("", id="error", classes="empty", markup=False)
        yield KeyBar()

    def fields(self) -> ComposeResult:
        yield from ()

    def first_focus(self) -> Widget | None:
        found = self.query("#box Input, #box Select, #box OptionList, #box SelectionList")
        return found.first() if found else None

    def on_mount(self) -> None:
        widget = self.first_focus()
        if widget is not None:
            widget.focus()
        self.pristine = self.form_values()

    def form_values(self) -> list[object]:
        """What the fields hold now: texts, choices, ticks."""
        found: list[object] = []
        for widget in self.query("#box Input, #box Select, #box SelectionList, #box Checkbox"):
            if isinstance(widget, SelectionList):
                found.append(tuple(widget.selected))
            elif isinstance(widget, Input | Select | Checkbox):
                found.append(widget.value)
        return found

    def unsaved_changes(self) -> bool:
        """Something was typed or chosen: Escape and `q` ask before losing it (see
        RecouvrementApp.action_quit)."""
        return self.pristine is None or self.form_values() != self.pristine

    # -- building blocks

    @staticmethod
    def row(text: str, widget: Widget) -> Horizontal:
        """One line: what the field is, then the field."""
        return Horizontal(Label(text, classes="field-label"), widget, classes="row")

    @staticmethod
    def label(text: str) -> Label:
        """A title above a list."""
        return Label(text, classes="list-label")

    def prefill(self, field: str, stored: str) -> str:
        """A field's first text, from data: shown inert. Left as shown, ``text`` gives the
        stored value back, so saving the form unchanged does not rewrite it escaped."""
        shown = inert(stored)
        self.prefilled[field] = (shown, stored)
        return shown

    def text(self, field: str) -> str:
        value = self.query_one(f"#{field}", Input).value
        shown, stored = self.prefilled.get(field, (None, ""))
        return stored if value == shown else value

    def date(self, field: str, what: str) -> dt.date:
        try:
            return parse_date(self.text(field), what)
        except UserError as exc:
            raise FieldError(exc.message, field) from None

    def amount(self, field: str, what: str) -> Decimal | None:
        """An amount above 0, or None when left empty."""
        value = self.text(field).strip()
        if not value:
            return None
        try:
            return parse_amount(value, what, minimum=Decimal("0.01"))
        except UserError as exc:
            raise FieldError(exc.message, field) from None

    def collect(self) -> Any:
        """The parsed values; raise FieldError on a bad one."""
        return {}

    # -- actions

    def show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(inert(message))  # refusals quote values
        error.set_class(not message, "empty")

    def action_submit(self) -> None:
        try:
            result = self.collect()
        except FieldError as exc:
            self.show_error(exc.message)
            self.query_one(f"#{exc.field}").focus()
            return
        self.finish(result)

    def finish(self, values: Any) -> None:
        """Save ``values`` (the form stays open on a refusal), or hand them back."""
        if self.saver is None:
            self.dismiss(values)
        else:
            self.save(self.saver(values), self.dismiss)

    def refused(self, message: str) -> None:
        if self.on_refusal is not None:
            self.on_refusal(message)

    def action_cancel(self) -> None:
        self.close_asking()

    @on(Input.Submitted)
    def input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


def _day_input(day: dt.date | None, field: str = "day") -> Input:
    return Input(fmt.date(day), id=field, placeholder=_("YYYY-MM-DD or DD/MM/YYYY"), compact=True)


class DoneForm(FormModal):
    """Mark an intervention done: the day, what came of it, a note; for a step with a
    letter, its text (rendered in a worker as the form opens, read-only) and how it goes
    out: print, e-mail (offered only when there is an address) or both."""

    # Wide enough for the letter's 78 columns as the customer reads them (where the
    # terminal is): the text is not re-wrapped, a narrower terminal scrolls it sideways.
    DEFAULT_CSS = """
    DoneForm > #box { width: 88; }
    DoneForm #letter { height: auto; margin-top: 1; }
    DoneForm #letter.none { display: none; }
    DoneForm #letter-text { height: 12; }
    DoneForm #channel { width: 100%; height: auto; }
    DoneForm #channel-note { color: $text-muted; height: auto; }
    DoneForm #channel > RadioButton > .toggle--button { color: $text-muted; }
    DoneForm #channel > RadioButton.-on > .toggle--button { color: $success; }
    """

    def __init__(
        self, title: str, day: dt.date, letter: Callable[[Any], Any] | None = None
    ) -> None:
        """``letter``: engine work giving the step's letter preview
        (engine.documents.produce.Preview, or None when the step has no letter)."""
        super().__init__(title)
        self.day = day
        self.letter_work = letter
        self.letter: Any = None  # the preview, once rendered

    def fields(self) -> ComposeResult:
        yield self.row(_("Date done"), _day_input(self.day))
        outcome = Input(
            id="outcome",
            placeholder=_("e.g. promised to pay on Friday"),
            max_length=200,
            compact=True,
        )
        yield self.row(_("Outcome"), outcome)
        yield self.row(_("Note"), Input(id="note", compact=True))
        if self.letter_work is None:
            return
        yield Vertical(
            Label(_("Letter"), classes="list-label", id="letter-title"),
            TextArea(_("Rendering the letter…"), id="letter-text", read_only=True, soft_wrap=False),
            RadioSet(
                RadioButton(_("Print"), id="channel-print"),
                RadioButton(_("E-mail"), id="channel-email"),
                RadioButton(_("Print and e-mail"), id="channel-both"),
                id="channel",
            ),
            Static("", id="channel-note", markup=False),
            id="letter",
        )

    def first_focus(self) -> Widget | None:
        return self.query_one("#outcome", Input)

    def on_mount(self) -> None:
        super().on_mount()
        if self.letter_work is not None:
            self.load_letter(self.letter_work)

    @work(thread=True, exclusive=True, group="letter-preview", exit_on_error=False)
    def load_letter(self, letter_work: Callable[[Any], Any]) -> None:
        try:
            preview = self.rcv.backend.read(letter_work)
        except UserError as exc:
            self.rcv.call_from_thread(self.letter_failed, exc.message)
            return
        self.rcv.call_from_thread(self.show_letter, preview)

    def show_letter(self, preview: Any) -> None:
        box = self.query_one("#letter", Vertical)
        if preview is None:  # the step has no letter
            box.set_class(True, "none")
            return
        self.letter = preview
        # The object line as the letter has it ("Objet : …").
        self.query_one("#letter-title", Label).update(Text(inert(preview.subject)))
        self.query_one("#letter-text", TextArea).load_text(inert(preview.text, multiline=True))
        email = self.query_one("#channel-email", RadioButton)
        both = self.query_one("#channel-both", RadioButton)
        note = self.query_one("#channel-note", Static)
        channel = preview.channel
        if preview.recipient:
            note.update(inert(_("E-mail to {address}").format(address=preview.recipient)))
        else:
            email.disabled = both.disabled = True
            channel = "print"
            note.update(
                inert(
                    _(
                        "No e-mail: customer {code} has no address, nor has the dossier's main "
                        "contact (add one on the customer screen)."
                    ).format(code=preview.customer)
                )
            )
        self.query_one(f"#channel-{channel}", RadioButton).value = True

    def letter_failed(self, message: str) -> None:
        self.query_one("#letter-text", TextArea).load_text(inert(message, multiline=True))
        self.show_error(message)

    def channel(self) -> str | None:
        if self.letter is None:
            return None  # not a letter, or not rendered yet: the step type's channel
        pressed = self.query_one("#channel", RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            return None
        return pressed.id.removeprefix("channel-")

    def collect(self) -> dict[str, Any]:
        values = {
            "day": self.date("day", _("date done")),
            "outcome": self.text("outcome").strip(),
            "note": self.text("note").strip(),
        }
        if self.letter_work is not None:  # a step: its letter's channel (None: the default)
            values["channel"] = self.channel()
        return values


class NoteForm(FormModal):
    def __init__(self, title: str, note: str = "") -> None:
        super().__init__(title)
        self.note = note

    def fields(self) -> ComposeResult:
        yield self.row(_("Note"), Input(self.prefill("note", self.note), id="note", compact=True))

    def collect(self) -> dict[str, Any]:
        return {"note": self.text("note").strip()}


class DateForm(FormModal):
    """Reschedule: the new planned date."""

    def __init__(self, title: str, day: dt.date) -> None:
        super().__init__(title)
        self.day = day

    def fields(self) -> ComposeResult:
        yield self.row(_("New date"), _day_input(self.day))

    def collect(self) -> dict[str, Any]:
        return {"day": self.date("day", _("new date"))}


class ManualForm(FormModal):
    """A manual intervention of any type, with an optional promise to pay."""

    def __init__(self, title: str, day: dt.date, types: list[str], contact: str = "") -> None:
        super().__init__(title)
        self.day = day
        self.types = list(types)
        self.contact = contact

    def fields(self) -> ComposeResult:
        kinds = Select(
            [(type_label(t), t) for t in self.types],
            value=self.types[0],
            allow_blank=False,
            id="type",
            compact=True,
        )
        yield self.row(_("Type"), kinds)
        yield self.row(_("Planned date"), _day_input(self.day))
        yield self.row(
            _("Contact"),
            Input(
                self.prefill("contact", self.contact), id="contact", max_length=200, compact=True
            ),
        )
        yield self.row(_("Note"), Input(id="note", compact=True))
        yield self.row(_("Promise to pay on"), _day_input(None, "promise_date"))
        yield self.row(
            _("Promised amount"),
            Input(id="promise_amount", placeholder=_("amount, e.g. 1200.50"), compact=True),
        )

    def collect(self) -> dict[str, Any]:
        kind = self.query_one("#type", Select).value
        if kind not in self.types:  # pragma: no cover - the list offers only known types
            raise FieldError(
                _("Unknown intervention type {value!r}: expected one of {types}.").format(
                    value=kind, types=", ".join(self.types)
                ),
                "type",
            )
        day = self.date("day", _("planned date"))
        promise_date = (
            self.date("promise_date", _("promise date"))
            if self.text("promise_date").strip()
            else None
        )
        amount = self.amount("promise_amount", _("promised amount"))
        if amount is not None and promise_date is None:
            raise FieldError(
                _("A promised amount needs the date it is promised for."), "promise_date"
            )
        return {
            "type": kind,
            "day": day,
            "note": self.text("note").strip(),
            "contact": self.text("contact").strip(),
            "promise_date": promise_date,
            "promise_amount": amount,
        }


class PauseForm(FormModal):
    """Pause a dossier until a date: a promise to pay (with its amount) or a dispute."""

    def __init__(
        self, title: str, until: dt.date, reason: str = "", amount: Decimal | None = None
    ) -> None:
        super().__init__(title)
        self.until = until
        self.reason = reason
        self.promise = amount

    def fields(self) -> ComposeResult:
        yield self.row(_("Paused until"), _day_input(self.until, "until"))
        why = Input(
            self.prefill("reason", self.reason),
            id="reason",
            placeholder=_("promise to pay, dispute…"),
            max_length=200,
            compact=True,
        )
        yield self.row(_("Why"), why)
        amount = Input(
            "" if self.promise is None else fmt.money(self.promise, symbol=False),
            id="amount",
            placeholder=_("optional, e.g. 1200.50"),
            compact=True,
        )
        yield self.row(_("Promised amount"), amount)

    def collect(self) -> dict[str, Any]:
        return {
            "until": self.date("until", _("pause end")),
            "reason": self.text("reason").strip(),
            "amount": self.amount("amount", _("promised amount")),
        }


class StepForm(FormModal):
    """Move the dossier to a step of its scenario, or of another one (the dossier then
    follows that scenario); planning restarts from the step on the day.

    ``scenarios`` are dicts with ``name`` and ``steps`` (``step_no``, ``name``, ``type``,
    ``delay``); ``scenario`` and ``current`` say where the dossier stands (None: nowhere).
    """

    def __init__(
        self,
        title: str,
        scenarios: list[dict[str, Any]],
        scenario: str | None,
        current: int | None,
        day: dt.date,
    ) -> None:
        super().__init__(title)
        self.scenarios = {s["name"]: s["steps"] for s in scenarios}
        self.scenario = scenario
        self.current = current
        self.day = day

    def chosen_scenario(self) -> str | None:
        value = self.query_one("#scenario", Select).value
        return value if isinstance(value, str) else None

    def step_options(self, scenario: str | None) -> list[Option]:
        current = self.current if scenario == self.scenario else None
        return [
            Option(
                Text(
                    f"{'▸' if s['step_no'] == current else ' '} {s['step_no']:>2}. "
                    f"{inert(s['name'])} · {type_label(s['type'])} · "
                    + _("{days} d").format(days=s["delay"])
                ),
                id=str(s["step_no"]),
            )
            for s in self.scenarios.get(scenario or "", [])
        ]

    def fields(self) -> ComposeResult:
        names = list(self.scenarios)
        start = self.scenario if self.scenario in self.scenarios else None
        yield self.row(
            _("Scenario"),
            Select(
                [(Text(inert(n)), n) for n in names],
                value=start if start is not None else (names[0] if names else Select.NULL),
                allow_blank=not names,
                id="scenario",
                compact=True,
            ),
        )
        yield Static("")
        yield self.label(_("Step"))
        yield OptionList(
            *self.step_options(start or (names[0] if names else None)), id="step", compact=True
        )
        yield Static("")
        yield self.row(_("From date"), _day_input(self.day))

    def highlight(self, scenario: str | None) -> None:
        steps = self.query_one("#step", OptionList)
        numbers = [s["step_no"] for s in self.scenarios.get(scenario or "", [])]
        if scenario == self.scenario and self.current in numbers:
            steps.highlighted = numbers.index(self.current)
        elif numbers:
            steps.highlighted = 0

    def first_focus(self) -> Widget | None:
        return self.query_one("#step", OptionList)

    def on_mount(self) -> None:
        self.highlight(self.chosen_scenario())

    @on(Select.Changed, "#scenario")
    def scenario_chosen(self, event: Select.Changed) -> None:
        event.stop()
        scenario = self.chosen_scenario()
        steps = self.query_one("#step", OptionList)
        steps.clear_options()
        steps.add_options(self.step_options(scenario))
        self.highlight(scenario)

    @on(OptionList.OptionSelected, "#step")
    def step_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> dict[str, Any]:
        scenario = self.chosen_scenario()
        if scenario is None:
            raise FieldError(_("Choose a scenario in the list."), "scenario")
        steps = self.query_one("#step", OptionList)
        if steps.highlighted is None or not steps.option_count:
            raise FieldError(
                _("Scenario {name!r} has no step: choose another scenario.").format(name=scenario),
                "scenario",
            )
        option = steps.get_option_at_index(steps.highlighted)
        assert option.id is not None
        return {
            "scenario": scenario,
            "step_no": int(option.id),
            "day": self.date("day", _("date")),
        }


class ConfirmForm(FormModal):
    """A yes/no question: y or Enter says yes, n or Escape says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "yes", N_("Yes"), id="confirm.yes"),
        Binding("n,escape", "no", N_("No"), id="confirm.no"),
        # q over a question about losing an edit would lose it without asking: y or n here.
        Binding("q", "nothing", show=False),
    ]

    def __init__(self, message: str) -> None:
        super().__init__(_("Please confirm"))
        self.message = message

    def fields(self) -> ComposeResult:
        yield Static(inert(self.message, multiline=True), id="message", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # y/n speak here: the forms' save and cancel keys are not offered
        return action not in ("submit", "cancel")

    def action_yes(self) -> None:
        self.finish(True)

    def action_no(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def unsaved_changes(self) -> bool:
        return False


class EditDossierForm(FormModal):
    """Reason, agent and contacts of a dossier.

    ``detail`` is engine.reads.views.dossier_detail's dict (plus ``main_contact_id`` and
    ``other_contact_ids`` when known); ``contacts`` the customer's contacts as dicts with
    ``id`` and ``name`` (``role`` shown when present).
    """

    def __init__(
        self, detail: dict[str, Any], agents: list[str], contacts: list[dict[str, Any]]
    ) -> None:
        super().__init__(_("Edit dossier {number}").format(number=detail.get("number", "")))
        self.detail = detail
        self.agents = list(agents)
        if detail.get("agent") and detail["agent"] not in self.agents:
            self.agents.append(detail["agent"])
        self.contacts = contacts

    def contact_text(self, contact: dict[str, Any]) -> Text:
        role = contact.get("role")
        return Text(inert(f"{contact['name']} ({role})" if role else contact["name"]))

    def fields(self) -> ComposeResult:
        reason = Input(
            self.prefill("reason", self.detail.get("reason") or ""),
            id="reason",
            max_length=200,
            compact=True,
        )
        yield self.row(_("Dispute reason"), reason)
        agent = Select(
            [(Text(_("(nobody)")), ""), *((Text(inert(a)), a) for a in self.agents)],
            value=self.detail.get("agent") or "",
            allow_blank=False,
            id="agent",
            compact=True,
        )
        yield self.row(_("Agent"), agent)
        main = self.detail.get("main_contact_id")
        main_contact = Select(
            [(self.contact_text(c), c["id"]) for c in self.contacts],
            value=main if main in {c["id"] for c in self.contacts} else Select.NULL,
            prompt=_("(none)"),
            id="main",
            compact=True,
        )
        yield self.row(_("Main contact"), main_contact)
        others = set(self.detail.get("other_contact_ids") or [])
        yield Static("")
        yield self.label(_("Other contacts (space to tick)"))
        yield SelectionList[int](
            *((self.contact_text(c), c["id"], c["id"] in others) for c in self.contacts),
            id="others",
            compact=True,
        )

    def collect(self) -> dict[str, Any]:
        reason = self.text("reason").strip()
        agent = self.query_one("#agent", Select).value
        main = self.query_one("#main", Select).value
        main_id = main if isinstance(main, int) else None
        others = [i for i in self.query_one("#others", SelectionList).selected if i != main_id]
        return {
            "reason": reason,
            "agent": agent if isinstance(agent, str) else "",
            "main_contact_id": main_id,
            "other_contact_ids": others,
        }
