"""Boxes that ask a name or a choice for a manager's reference data (scenarios, risk codes,
rates): the forms of ``tui.screens.forms`` with the engine work done in the box.

``PromptModal`` runs its work itself, in a worker, so that a refusal (a name taken, a code
too long) shows in the box, naming the value, and the box stays to be corrected; it
dismisses with the work's result. ``ChoiceModal`` dismisses with the choice. A yes/no
question is ``tui.screens.forms.ConfirmForm``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from engine.context import Ctx
from engine.errors import UserError
from engine.i18n import _
from engine.inert import inert
from tui.screens.forms import FieldError, FormModal


class PromptModal(FormModal):
    """A few text fields; Enter goes to the next one and, on the last, runs ``work`` (engine
    work, in a worker) with the texts by field id; ctrl+s runs it from any field."""

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, str]],
        work: Callable[[Ctx, dict[str, str]], Any],
    ) -> None:
        super().__init__(title)
        self.field_specs = fields  # (id, label, first value)
        self.work = work

    def fields(self) -> ComposeResult:
        # Each label above its field: some are long ("From (YYYY-MM-DD, 1 January or 1 July)").
        for field_id, label, value in self.field_specs:
            yield self.label(label)
            yield Input(self.prefill(field_id, value), id=field_id, compact=True)

    def collect(self) -> dict[str, str]:
        return {field_id: self.text(field_id) for field_id, _label, _value in self.field_specs}

    def action_submit(self) -> None:
        self.run(self.collect())

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not FormModal's handler: Enter saves on the last field only
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
            return
        self.action_submit()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run(self, data: dict[str, str]) -> None:
        try:
            result = self.rcv.backend.write(lambda ctx: self.work(ctx, data))
        except UserError as exc:
            self.rcv.call_from_thread(self.show_error, exc.message)
            return
        self.rcv.call_from_thread(self.dismiss, result)


class ChoiceModal(FormModal):
    """A message and a list to pick from; Enter picks, Escape cancels."""

    def __init__(self, message: str, choices: list[str], title: str | None = None) -> None:
        super().__init__(title or _("Please choose"))
        self.message = message
        self.choices = choices

    def fields(self) -> ComposeResult:
        yield Static(inert(self.message, multiline=True), id="message", markup=False)
        yield Static("")
        # Choices are names: data, shown inert.
        yield OptionList(
            *(Option(inert(c), id=str(i)) for i, c in enumerate(self.choices)),
            id="choices",
            markup=False,
            compact=True,
        )

    def first_focus(self) -> Widget | None:
        return self.query_one(OptionList)

    def collect(self) -> str:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            raise FieldError(_("Choose one in the list."), "choices")
        return self.choices[options.highlighted]

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[event.option_index])
