"""Scenarios (managers): the list on the left, the steps of the highlighted scenario on the
right, edited in place from the keyboard and saved whole with ctrl+s.

The step table holds the values as typed; the engine validates them on save
(engine.scenario_admin.save_steps) and names the step, field and value it refuses, so a
bad value stays on screen to be corrected. Agents see everything read-only: a change they
try gets the engine's refusal.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from babel.numbers import format_decimal
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.events import DescendantBlur, Resize
from textual.widget import AwaitMount, Widget
from textual.widgets import Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from engine.access import require_manager
from engine.context import Ctx
from engine.errors import UserError
from engine.i18n import N_, _, current_language, ngettext
from engine.inert import inert
from engine.reads.views import scenario_rows
from engine.risks import add_risk
from engine.scenario_admin import (
    ScenarioInUse,
    StepInvalid,
    create_scenario,
    delete_scenario,
    duplicate_scenario,
    move_dossiers,
    rename_scenario,
    risk_codes,
    save_steps,
    scenario_detail,
)
from engine.scenarios import STEP_TYPES
from tui import format as fmt
from tui.labels import type_label
from tui.screens.base import BaseModal, BaseScreen, translate_bindings
from tui.widgets.key_bar import KeyBar
from tui.widgets.lazy_table import Column, LazyTable, Row, TableBody

# The fields a step is edited by, as engine.scenarios.validate_step reads them.
EDIT_FIELDS = ("name", "delay", "type", "risk", "loss_percent", "penalties", "fees", "template")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class GridColumn:
    key: str
    title: Callable[[], str]
    width: int
    right: bool = False


GRID_COLUMNS = (
    GridColumn("no", lambda: "#", 3, right=True),
    GridColumn("name", lambda: _("Step"), 26),
    GridColumn("delay", lambda: _("Delay"), 6, right=True),
    GridColumn("type", lambda: _("Type"), 18),
    GridColumn("risk", lambda: _("Risk change"), 13),
    GridColumn("loss_percent", lambda: _("Loss %"), 7, right=True),
    GridColumn("penalties", lambda: _("Penalties"), 9),
    GridColumn("fees", lambda: _("Fees"), 10, right=True),
    GridColumn("template", lambda: _("Template"), 16),
)
EDITABLE = GRID_COLUMNS[1:]  # the step number is the row's place, not a value


def _fit(text: str, width: int, right: bool = False) -> str:
    text = text.replace("\n", " ")
    if len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text.rjust(width) if right else text.ljust(width)


def _number(raw: str, money: bool) -> str:
    """A stored number in the reader's language (``30,00`` in French); as typed when it
    is not a plain number yet (the engine says what is wrong on save)."""
    if not _PLAIN_NUMBER.fullmatch(raw.strip()):
        return raw
    value = Decimal(raw.strip())
    if money:
        return fmt.money(value, symbol=False)
    return format_decimal(value, locale=fmt.LOCALES.get(current_language(), "en_GB"))


def cell_text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if key == "type":
        return type_label(str(value))
    if key == "penalties":
        return _("yes") if value else _("no")
    if key in ("loss_percent", "fees"):
        return _number(str(value or ""), money=key == "fees") or "—"
    if key == "risk":
        return str(value or "") or "—"
    return "" if value is None else str(value)


def edit_row(step: Row) -> dict[str, Any]:
    """A stored step as the editor holds it: text as typed, plus where dossiers stand."""
    return {
        "name": step["name"],
        "delay": str(step["delay"]),
        "type": step["type"],
        "risk": step["risk"] or "",
        "loss_percent": step["loss_percent"] or "",
        "penalties": bool(step["penalties"]),
        "fees": step["fees"] or "",
        "template": step["template"] or "",
        "dossiers": step.get("dossiers", 0),
    }


def values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What is saved (and compared to know whether anything changed)."""
    return [{k: row[k] for k in EDIT_FIELDS} for row in rows]


# -- the step table


class StepGrid(ScrollableContainer, can_focus=True):
    """The steps, one row of cells each; a cell cursor; an inline editor in the cell."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1, 0)", show=False),
        Binding("down,j", "cursor(1, 0)", show=False),
        Binding("left,h", "cursor(0, -1)", show=False),
        Binding("right,l", "cursor(0, 1)", show=False),
        Binding("home,g", "cursor(-1000, 0)", show=False),
        Binding("end,G", "cursor(1000, 0)", show=False),
        Binding("enter,e", "edit", N_("Edit"), id="scenarios.edit"),
        Binding("i", "insert", N_("Insert step"), id="scenarios.insert"),
        Binding("x,delete", "remove", N_("Delete step"), id="scenarios.remove"),
        Binding("K,ctrl+up", "move(-1)", N_("Move up"), id="scenarios.up"),
        Binding("J,ctrl+down", "move(1)", N_("Move down"), id="scenarios.down"),
        Binding("escape", "escape", N_("Back"), id="scenarios.back"),
    ]
    DEFAULT_CSS = """
    StepGrid { height: 1fr; overflow: auto auto; }
    StepGrid .step-row { height: 1; width: auto; }
    StepGrid .grid-header { text-style: bold; background: $boost; }
    StepGrid .cell { height: 1; margin-right: 1; }
    StepGrid .current-row { background: $boost; }
    StepGrid .cursor { background: $panel; }
    StepGrid:focus .cursor { background: $accent; color: $text; }
    StepGrid .here { color: $warning; }
    StepGrid Input { height: 1; border: none; padding: 0; background: $accent-darken-2; }
    StepGrid Select { margin-right: 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        translate_bindings(self)
        self.rows: list[dict[str, Any]] = []
        self.row = 0
        self.col = 0  # index in EDITABLE
        self.editor: Widget | None = None
        self._row_widgets: list[Horizontal] = []
        self._cells: list[list[Static]] = []  # per row, per column (the editor is not one)
        self._texts: list[list[str]] = []  # what each cell shows now
        self._painted: list[Widget] = []  # the cursor cell and its row

    @property
    def screen_(self) -> ScenariosScreen:
        return self.screen  # type: ignore[return-value]

    @property
    def editing(self) -> bool:
        return self.editor is not None

    def compose(self) -> ComposeResult:
        yield Horizontal(
            *(
                Static(_fit(c.title(), c.width, c.right), classes="cell", markup=False)
                for c in GRID_COLUMNS
            ),
            classes="step-row grid-header",
        )

    def on_mount(self) -> None:
        for cell, column in zip(self.query(".grid-header .cell"), GRID_COLUMNS, strict=True):
            cell.styles.width = column.width

    # -- showing

    def set_rows(self, rows: list[dict[str, Any]], cursor: tuple[int, int] | None = None) -> None:
        self.close_editor()
        self.rows = rows
        if cursor is not None:
            self.row, self.col = cursor
        self.render_rows()

    def _new_row_widget(self) -> Horizontal:
        cells = []
        for column in GRID_COLUMNS:
            cell = Static("", classes=f"cell col-{column.key}", markup=False)
            cell.styles.width = column.width
            cells.append(cell)
        self._cells.append(cells)
        return Horizontal(*cells, classes="step-row")

    def render_rows(self) -> AwaitMount | None:
        """Bring the row widgets in line with the rows, then their texts and the cursor.
        Returns the mounting of new rows, for a caller that edits one at once."""
        new = [self._new_row_widget() for _i in range(len(self.rows) - len(self._row_widgets))]
        self._row_widgets += new
        mounting = self.mount_all(new) if new else None
        while len(self._row_widgets) > len(self.rows):
            self._row_widgets.pop().remove()
            self._cells.pop()
        self._texts = self._texts[: len(self.rows)]
        for index, row in enumerate(self.rows):
            texts = []
            for column, cell in zip(GRID_COLUMNS, self._cells[index], strict=True):
                if column.key == "no":
                    text = f"{index + 1}{'•' if row.get('dossiers') else ' '}"
                    cell.set_class(bool(row.get("dossiers")), "here")
                else:
                    text = inert(cell_text(row, column.key))  # names and labels: data
                texts.append(_fit(text, column.width, column.right))
            # Only changed cells are updated: each update costs a layout pass.
            old = self._texts[index] if index < len(self._texts) else None
            for at, (cell, text) in enumerate(zip(self._cells[index], texts, strict=True)):
                if old is None or old[at] != text:
                    cell.update(text)
            if index < len(self._texts):
                self._texts[index] = texts
            else:
                self._texts.append(texts)
        self.paint_cursor()
        return mounting

    def paint_cursor(self) -> None:
        """Move the highlight to the cursor (classes only: no text is redrawn)."""
        self.row = max(0, min(self.row, len(self.rows) - 1))
        self.col = max(0, min(self.col, len(EDITABLE) - 1))
        for cell in self._painted:
            cell.remove_class("cursor", "current-row")
        self._painted = []
        if self.rows:
            cursor = self._cells[self.row][self.col + 1]
            cursor.add_class("cursor")
            row = self._row_widgets[self.row]
            row.add_class("current-row")
            self._painted = [cursor, row]
        self.call_after_refresh(self._scroll_to_cursor)

    def cursor_cell(self) -> Static | None:
        if not self.rows or self.row >= len(self._cells):
            return None
        return self._cells[self.row][self.col + 1]

    def _scroll_to_cursor(self) -> None:
        cell = self.cursor_cell()
        if cell is not None and cell.is_mounted:
            self.scroll_to_widget(cell, animate=False, immediate=True)

    def current_key(self) -> str:
        return EDITABLE[self.col].key

    # -- keys (a change asks the screen first: agents get the engine's refusal)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a cell is edited the editor has the keys; Escape cancels it.
        return not self.editing or action == "escape"

    def action_cursor(self, rows: int, cols: int) -> None:
        if not self.rows:
            return
        self.row = max(0, min(self.row + rows, len(self.rows) - 1))
        self.col = max(0, min(self.col + cols, len(EDITABLE) - 1))
        self.paint_cursor()
        self.screen_.cursor_moved()

    async def action_edit(self) -> None:
        if not self.rows or not self.screen_.may_change():
            return
        row, key = self.rows[self.row], self.current_key()
        if key == "penalties":  # yes/no: Enter flips it
            row["penalties"] = not row["penalties"]
            self.changed()
            return
        cell = self.cursor_cell()
        if cell is None:
            return
        editor: Widget
        if key == "type":
            editor = Select(
                [(type_label(t), t) for t in STEP_TYPES],
                value=row["type"],
                allow_blank=False,
                compact=True,
                id="cell-editor",
            )
            editor.styles.width = max(EDITABLE[self.col].width, 22)
        elif key == "risk":  # the company's risk codes (managed with key 5), or none
            codes = list(self.screen_.risk_codes)
            if row["risk"] and row["risk"] not in codes:
                codes.append(row["risk"])
            editor = Select(
                # Codes are data: shown inert, the value stays the stored code.
                [("—", ""), *((inert(code), code) for code in codes)],
                value=row["risk"] or "",
                allow_blank=False,
                compact=True,
                id="cell-editor",
            )
            editor.styles.width = max(EDITABLE[self.col].width, 20)
        else:
            text = str(row[key])
            if key in ("loss_percent", "fees") and text:
                text = _number(text, money=key == "fees")
            editor = Input(
                text,
                compact=True,
                id="cell-editor",
            )
            editor.styles.width = EDITABLE[self.col].width
        self.editor = editor
        cell.display = False
        parent = cell.parent
        assert isinstance(parent, Widget)
        await parent.mount(editor, after=cell)
        editor.focus()
        if isinstance(editor, Select):
            self.watch(editor, "expanded", self._select_closed, init=False)
            editor.action_show_overlay()
        self.screen_.refresh_bindings()

    def _select_closed(self, expanded: bool) -> None:
        # Chosen (or Escape in the list): either way the edit ends with what the Select shows.
        if not expanded:
            self.call_after_refresh(self.commit_editor)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        # Focus gone elsewhere (tab): keep what was typed rather than strand the editor.
        if isinstance(event.widget, Input) and event.widget is self.editor:
            self.call_after_refresh(self.commit_editor)

    @on(Input.Submitted, "#cell-editor")
    def input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.commit_editor()

    def commit_editor(self) -> None:
        """Keep what the editor holds (as typed: the engine judges it on save)."""
        editor = self.editor
        if editor is None:
            return
        key = self.current_key()
        if isinstance(editor, Select):
            value: Any = editor.value if editor.value != Select.NULL else self.rows[self.row][key]
        else:
            assert isinstance(editor, Input)
            value = editor.value.strip() if key != "name" else editor.value
        if self.rows[self.row][key] != value:
            self.rows[self.row][key] = value
        self.close_editor()
        self.changed()

    def close_editor(self) -> None:
        editor, self.editor = self.editor, None
        if editor is None:
            return
        cell = self.cursor_cell()
        if cell is not None:
            cell.display = True
        editor.remove()
        self.focus()
        if self.is_attached:
            self.screen_.refresh_bindings()

    def changed(self) -> AwaitMount | None:
        mounting = self.render_rows()
        self.screen_.steps_changed()
        return mounting

    async def action_insert(self) -> None:
        if not self.screen_.may_change():
            return
        at = self.row + 1 if self.rows else 0
        new = {
            "name": _("New step"),
            "delay": "0",
            "type": "other",
            "risk": "",
            "loss_percent": "",
            "penalties": False,
            "fees": "",
            "template": "",
            "dossiers": 0,
        }
        self.rows.insert(at, new)
        self.row, self.col = at, 0
        mounting = self.changed()
        if mounting is not None:
            await mounting
        await self.action_edit()  # name it at once

    def action_remove(self) -> None:
        if not self.rows or not self.screen_.may_change():
            return
        del self.rows[self.row]
        self.changed()

    def action_move(self, delta: int) -> None:
        if not self.rows or not self.screen_.may_change():
            return
        other = self.row + delta
        if not 0 <= other < len(self.rows):
            return
        self.rows[self.row], self.rows[other] = self.rows[other], self.rows[self.row]
        self.row = other
        self.changed()

    def action_escape(self) -> None:
        if self.editing:
            self.close_editor()  # cancel: the cell keeps its value
            return
        self.screen_.escape_from_grid()


# -- small modals


class _Modal(BaseModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="scenarios.modal.cancel"),
        # Switching screens under an open box would leave it behind.
        *(Binding(k, "nothing", show=False) for k in "12345"),
    ]
    DEFAULT_CSS = """
    _Modal { align: center middle; }
    _Modal > #box {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    _Modal .title { text-style: bold; }
    _Modal .field-label { margin-top: 1; color: $text-muted; }
    _Modal Input { border: tall $panel; height: 3; }
    _Modal Input:focus { border: tall $accent; }
    _Modal #error { color: $error; height: auto; }
    _Modal OptionList { height: auto; max-height: 12; }
    """

    def unsaved_changes(self) -> bool:
        """`q` does not quit from an open box: Escape first."""
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_nothing(self) -> None:
        pass


class PromptModal(_Modal):
    """A few text fields; Enter runs ``work`` (engine work in a worker). A refusal shows
    inline, naming the value, and the box stays; success dismisses with the result."""

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, str]],
        work: Callable[[Ctx, dict[str, str]], Any],
    ) -> None:
        super().__init__()
        self.box_title = title
        self.fields = fields  # (id, label, value)
        self.work = work

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(self.box_title, classes="title", markup=False)
            for field_id, label, value in self.fields:
                yield Label(label, classes="field-label")
                yield Input(value, id=field_id)
            yield Static("", id="error", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
            return
        self.run({field.id or "": field.value for field in inputs})

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run(self, data: dict[str, str]) -> None:
        try:
            result = self.rcv.backend.write(lambda ctx: self.work(ctx, data))
        except UserError as exc:
            self.rcv.call_from_thread(self.query_one("#error", Static).update, exc.message)
            return
        self.rcv.call_from_thread(self.dismiss, result)


class ChoiceModal(_Modal):
    """A message and a list to pick from; Enter picks, Escape cancels."""

    def __init__(self, message: str, choices: list[str]) -> None:
        super().__init__()
        self.message = message
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(self.message, classes="title", markup=False)
            yield OptionList(*(Option(c, id=str(i)) for i, c in enumerate(self.choices)))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])


class ConfirmModal(_Modal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "yes", N_("Yes"), id="scenarios.modal.yes"),
        Binding("n", "cancel", N_("No"), id="scenarios.modal.no"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(self.message, classes="title", markup=False)
            yield Static(_("y: yes · n or Escape: no"), markup=False)
        yield KeyBar()

    def action_yes(self) -> None:
        self.dismiss(True)


# -- the screen


def _is_manager(ctx: Ctx) -> bool:
    require_manager(ctx.actor)
    return True


class ScenarioSource:
    """Every scenario (a company has a handful): read once per reload, in the worker."""

    def __init__(self, screen: ScenariosScreen) -> None:
        self.screen = screen
        self.rows: list[Row] = []

    def _read(self) -> None:
        rows = self.screen.rcv.backend.read(lambda ctx: scenario_rows(ctx.session))
        self.rows = [
            {"name": r["name"], "steps": len(r["steps"]), "open_dossiers": r["open_dossiers"]}
            for r in rows
        ]

    def count(self) -> int:
        self._read()
        return len(self.rows)

    def fetch(self, offset: int, limit: int) -> list[Row]:
        if offset == 0:
            self._read()  # the table may ask for the first rows before it counts them
        return self.rows[offset : offset + limit]


def list_columns(name_width: int = 15) -> list[Column]:
    return [
        Column("name", _("Scenario"), name_width),
        Column("steps", _("Steps"), 6, right=True),
        Column("open_dossiers", _("Dossiers"), 8, right=True),
    ]


class ScenariosScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save"), id="scenarios.save"),
        Binding("n", "new", N_("New"), id="scenarios.new"),
        Binding("c", "duplicate", N_("Duplicate"), id="scenarios.duplicate"),
        Binding("R", "rename", N_("Rename"), id="scenarios.rename"),
        Binding("D", "delete", N_("Delete"), id="scenarios.delete"),
        Binding("r", "risk_code", N_("New risk code"), id="scenarios.risk"),
    ]
    HELP = N_(
        "As files: recouvrement scenario export NAME > FILE.toml, "
        "recouvrement scenario import FILE.toml"
    )
    DEFAULT_CSS = """
    ScenariosScreen #left { width: 32; border-right: solid $panel; }
    ScenariosScreen #hint { color: $text-muted; height: auto; padding: 0 1; }
    ScenariosScreen #title { height: 1; padding: 0 1; background: $panel; }
    ScenariosScreen #message { height: auto; max-height: 4; padding: 0 1; }
    ScenariosScreen #message.error { color: $error; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.source = ScenarioSource(self)
        self.table = LazyTable(list_columns(), self.source, id="scenario-list")
        self.grid = StepGrid(id="steps")
        self.detail: Row | None = None  # the scenario shown (without its steps)
        self.original: list[dict[str, Any]] = []
        self.manager: bool | None = None  # not known until the first read
        self.risk_codes: list[str] = []
        self.want: str | None = None  # the scenario to highlight after the next reload
        self.warned_for: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield self.table
                yield Static(_(self.HELP), id="hint", markup=False)
            with Vertical(id="right"):
                yield Static("", id="title", markup=False)
                yield self.grid
                yield Static("", id="message", markup=False)
        yield KeyBar()

    def on_resize(self, event: Resize) -> None:
        # Wide terminals show more of the scenario names.
        wide = event.size.width >= 110
        cols = list_columns(24 if wide else 15)
        if cols != self.table.columns:
            self.query_one("#left").styles.width = sum(c.width + 1 for c in cols) + 1
            self.table.set_columns(cols)

    def on_mount(self) -> None:
        self.sub_title = _("Scenarios")
        self.table.body.focus()
        self.table.reload(keep_cursor=False)
        self.load_people()

    # -- state

    def unsaved_changes(self) -> bool:
        return self.grid.editing or (
            self.detail is not None and values(self.grid.rows) != values(self.original)
        )

    def may_change(self) -> bool:
        """Managers change scenarios; anyone else hears the engine refuse."""
        if self.manager:
            return True
        self.refuse()
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        list_actions = ("new", "duplicate", "rename", "delete")
        if action in list_actions and self.focused is not self.table.body:
            return False  # these act on the highlighted scenario of the list
        if action == "save" and not self.unsaved_changes():
            return None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def show_message(self, text: str, error: bool = False) -> None:
        box = self.query_one("#message", Static)
        box.update(inert(text))  # refusals quote names
        box.set_class(error, "error")

    def show_title(self) -> None:
        if self.detail is None:
            self.query_one("#title", Static).update("")
            return
        parts = [
            inert(self.detail["name"]),
            _("version {n}").format(n=self.detail["version"]),
            ngettext("{n} open dossier", "{n} open dossiers", self.detail["open_dossiers"]).format(
                n=self.detail["open_dossiers"]
            ),
        ]
        if self.manager is False:
            parts.insert(0, _("read-only"))
        if self.unsaved_changes():  # first: a long name must not hide it
            parts.insert(0, _("modified"))
        self.query_one("#title", Static).update(" · ".join(parts))

    # -- loading

    @work(thread=True, exclusive=True, group="people", exit_on_error=False)
    def load_people(self) -> None:
        found = self.call_engine(
            lambda ctx: (ctx.actor.is_manager, [r["code"] for r in risk_codes(ctx.session)])
        )
        if found is not None:
            self.rcv.call_from_thread(self._people_loaded, *found)

    def _people_loaded(self, manager: bool, codes: list[str]) -> None:
        self.manager, self.risk_codes = manager, codes
        self.show_title()

    @work(thread=True, exclusive=True, group="refuse", exit_on_error=False)
    def refuse(self) -> None:
        # The engine's own refusal, in the reader's language; a manager whose role was
        # not loaded yet passes and may try again.
        if self.call_engine(_is_manager):
            self.rcv.call_from_thread(self._people_loaded, True, self.risk_codes)

    def reload_list(self, want: str | None = None) -> None:
        self.want = want
        self.table.reload(keep_cursor=True)

    @on(TableBody.Loaded)
    def list_loaded(self, event: TableBody.Loaded) -> None:
        if self.want is None:
            return
        body = self.table.body
        for index in range(event.count):
            row = body.row_at(index)
            if row is not None and row["name"] == self.want:
                body.action_cursor(index - body.cursor)  # one move: one Highlighted
                break
        self.want = None

    @on(TableBody.Highlighted)
    def list_highlighted(self, event: TableBody.Highlighted) -> None:
        if event.row is None:
            if event.index == 0 and self.table.body.count == 0:
                self.show_detail(None)
            return
        name = event.row["name"]
        if self.detail is not None and name == self.detail["name"]:
            self.workers.cancel_group(self, "detail")  # back on it before another loaded
            return
        if self.unsaved_changes():
            if self.warned_for != name:
                self.warned_for = name
                self.show_message(self.unsaved_message(), error=True)
            return
        self.load_detail(name)

    def unsaved_message(self) -> str:
        assert self.detail is not None
        return _(
            "Unsaved changes to {name}: save them (ctrl+s) or drop them (Escape in the "
            "steps) first."
        ).format(name=self.detail["name"])

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, name: str, message: str = "") -> None:
        worker = get_current_worker()
        detail = self.call_engine(lambda ctx: scenario_detail(ctx.session, name))
        if detail is not None and not worker.is_cancelled:
            self.rcv.call_from_thread(self.show_detail, detail, message)

    def show_detail(self, detail: Row | None, message: str = "") -> None:
        self.warned_for = None
        if detail is None:
            self.detail, self.original = None, []
            self.grid.set_rows([], (0, 0))
        else:
            steps = detail["steps"]
            self.detail = {k: v for k, v in detail.items() if k != "steps"}
            self.original = [edit_row(s) for s in steps]
            same = self.grid.rows and len(self.grid.rows) == len(steps)
            cursor = (self.grid.row, self.grid.col) if same else (0, 0)
            self.grid.set_rows(copy.deepcopy(self.original), cursor)
        self.show_title()
        self.show_message(message or self.step_hint())
        self.refresh_bindings()

    # -- grid callbacks

    def steps_changed(self) -> None:
        self.show_title()
        self.show_message(self.step_hint())
        self.refresh_bindings()

    def cursor_moved(self) -> None:
        self.show_message(self.step_hint())

    def step_hint(self) -> str:
        """Why a step cannot be renamed or moved: open dossiers stand at it."""
        rows, index = self.grid.rows, self.grid.row
        if not rows or index >= len(rows) or not rows[index].get("dossiers"):
            return ""
        count = rows[index]["dossiers"]
        return ngettext(
            "{n} open dossier stands at this step: keep its name and place.",
            "{n} open dossiers stand at this step: keep its name and place.",
            count,
        ).format(n=count)

    def escape_from_grid(self) -> None:
        if self.unsaved_changes() and self.detail is not None:
            self._drop_changes()
            return
        self.table.body.focus()

    def _drop_changes(self) -> None:
        assert self.detail is not None
        self.grid.set_rows(copy.deepcopy(self.original))
        self.show_title()
        self.show_message(self.step_hint())
        self.rcv.notify(_("Changes dropped."))
        self.refresh_bindings()
        current = self.table.body.current
        if current is not None and current["name"] != self.detail["name"]:
            self.load_detail(current["name"])

    @on(TableBody.Selected)
    def list_selected(self) -> None:
        if self.grid.rows:
            self.grid.focus()

    # -- saving

    def action_save(self) -> None:
        if not self.may_change() or self.detail is None:
            return
        if self.grid.editing:
            self.grid.commit_editor()
        if not self.unsaved_changes():
            return
        self.save(self.detail["name"], values(self.grid.rows), self.detail["version"])

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save(self, name: str, steps: list[dict[str, Any]], version: int) -> None:
        try:
            detail = self.rcv.backend.write(lambda ctx: save_steps(ctx, name, steps, version))
        except StepInvalid as exc:
            self.rcv.call_from_thread(self._invalid, exc)
            return
        except UserError as exc:  # a Conflict, a guard for open dossiers, a refusal
            self.rcv.call_from_thread(self.show_message, exc.message, True)
            self.rcv.call_from_thread(self.rcv.notify, exc.message, severity="error", timeout=8)
            return
        text = _("Scenario {name!r} saved (version {n}).").format(name=name, n=detail["version"])
        self.rcv.call_from_thread(self._saved, detail, text)

    def _invalid(self, exc: StepInvalid) -> None:
        # The edit stays; the cursor goes to the value to correct.
        self.grid.row = exc.step_no - 1
        keys = [c.key for c in EDITABLE]
        if exc.field in keys:
            self.grid.col = keys.index(exc.field)
        self.grid.paint_cursor()
        self.grid.focus()
        self.show_message(exc.message, error=True)

    def _saved(self, detail: Row, text: str) -> None:
        self.show_detail(detail, text)
        self.reload_list(detail["name"])

    # -- list actions

    def _list_ready(self) -> str | None:
        """The highlighted scenario, when a list action may run on it."""
        if not self.may_change():
            return None
        if self.unsaved_changes():
            self.show_message(self.unsaved_message(), error=True)
            return None
        row = self.table.body.current
        return None if row is None else str(row["name"])

    def _version_of(self, name: str) -> int | None:
        return self.detail["version"] if self.detail and self.detail["name"] == name else None

    def action_new(self) -> None:
        if not self.may_change():
            return
        if self.unsaved_changes():
            self.show_message(self.unsaved_message(), error=True)
            return
        self.app.push_screen(
            PromptModal(
                _("New scenario (it starts with one phone step)"),
                [("name", _("Name"), "")],
                lambda ctx, data: create_scenario(ctx, data["name"]),
            ),
            callback=self._changed_to,
        )

    def action_duplicate(self) -> None:
        name = self._list_ready()
        if name is None:
            return
        self.app.push_screen(
            PromptModal(
                _("Duplicate {name!r}").format(name=name),
                [("name", _("Name of the copy"), _("{name} (copy)").format(name=name))],
                lambda ctx, data: duplicate_scenario(ctx, name, data["name"]),
            ),
            callback=self._changed_to,
        )

    def action_rename(self) -> None:
        name = self._list_ready()
        if name is None:
            return
        version = self._version_of(name)
        self.app.push_screen(
            PromptModal(
                _("Rename {name!r}").format(name=name),
                [("name", _("New name"), name)],
                lambda ctx, data: rename_scenario(ctx, name, data["name"], version),
            ),
            callback=self._changed_to,
        )

    def _changed_to(self, detail: Row | None) -> None:
        if detail is None:
            return
        self.show_detail(detail)
        self.reload_list(detail["name"])

    def action_delete(self) -> None:
        name = self._list_ready()
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete(name, self._version_of(name))

        self.app.push_screen(
            ConfirmModal(_("Delete scenario {name!r}?").format(name=name)), callback=confirmed
        )

    @work(thread=True, exclusive=True, group="delete", exit_on_error=False)
    def delete(self, name: str, version: int | None) -> None:
        try:
            self.rcv.backend.write(lambda ctx: delete_scenario(ctx, name, version))
        except ScenarioInUse as exc:
            others = [r["name"] for r in self.source.rows if r["name"] != name]
            self.rcv.call_from_thread(self._offer_move, name, exc, others)
            return
        except UserError as exc:
            self.rcv.call_from_thread(self.rcv.notify, exc.message, severity="error", timeout=8)
            return
        self.rcv.call_from_thread(self._deleted, _("Scenario {name!r} deleted.").format(name=name))

    def _offer_move(self, name: str, exc: ScenarioInUse, others: list[str]) -> None:
        if not others:
            self.rcv.notify(exc.message, severity="error", timeout=8)
            return
        message = "\n".join(
            [
                exc.message,
                ngettext(
                    "Move it to the first step of which scenario, then delete {name!r}?",
                    "Move them to the first step of which scenario, then delete {name!r}?",
                    exc.count,
                ).format(name=name),
            ]
        )

        def chosen(target: str | None) -> None:
            if target:
                self.move_and_delete(name, target)

        self.app.push_screen(ChoiceModal(message, others), callback=chosen)

    @work(thread=True, exclusive=True, group="delete", exit_on_error=False)
    def move_and_delete(self, name: str, target: str) -> None:
        title = self.sub_title

        def progress(done: int, total: int) -> None:
            text = _("moving dossiers to {target!r}: {done} of {total}…").format(
                target=target, done=fmt.number(done), total=fmt.number(total)
            )
            self.rcv.call_from_thread(setattr, self, "sub_title", f"{title} — {text}")

        def work(ctx: Ctx) -> list[str]:
            moved = move_dossiers(ctx, name, target, progress=progress)
            delete_scenario(ctx, name)
            return moved

        try:
            moved = self.call_engine(work, write=True)  # one unit of work: all or nothing
        finally:
            self.rcv.call_from_thread(setattr, self, "sub_title", title)
        if moved is None:
            return
        text = ngettext(
            "{n} dossier moved to {target!r}; scenario {name!r} deleted.",
            "{n} dossiers moved to {target!r}; scenario {name!r} deleted.",
            len(moved),
        ).format(n=len(moved), target=target, name=name)
        self.rcv.call_from_thread(self._deleted, text)

    def _deleted(self, text: str) -> None:
        self.rcv.notify(text)
        self.detail = None
        self.reload_list()

    def action_risk_code(self) -> None:
        if not self.may_change():
            return
        self.app.push_screen(
            PromptModal(
                _("New risk code"),
                [("code", _("Code"), ""), ("label", _("Label"), "")],
                lambda ctx, data: add_risk(ctx, data["code"], data["label"]),
            ),
            callback=self._risk_added,
        )

    def _risk_added(self, row: Row | None) -> None:
        if row is not None:
            self.risk_codes.append(row["code"])
            self.rcv.notify(_("Risk code {code!r} added.").format(code=row["code"]))
