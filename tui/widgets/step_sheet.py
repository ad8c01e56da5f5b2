"""The step sheet of the Scenarios screen: a scenario's steps, one row of cells each, a
cell cursor and an editor opened in the cell (Enter), from the keyboard only.

The sheet holds the values as typed; the screen that hosts it (``SheetHost``) says whether
changes are allowed, hears of each change and saves the rows (the engine validates them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Protocol, cast

from babel.numbers import format_decimal
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer
from textual.events import DescendantBlur
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Select, Static

from engine.i18n import N_, _, current_language
from engine.inert import inert
from engine.scenarios import STEP_TYPES
from tui import format as fmt
from tui.labels import type_label
from tui.screens.base import translate_bindings
from tui.widgets.lazy_table import Row

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


class SheetHost(Protocol):
    """What the sheet asks of the screen it stands on."""

    risk_codes: list[str]  # the company's codes, offered for a step's risk

    def may_change(self) -> bool:
        """Whether a change may start (a refusal is the host's to show)."""

    def read_only(self) -> bool:
        """Known not to be allowed to change anything: the editing keys are not offered."""

    def steps_changed(self) -> None: ...

    def cursor_moved(self) -> None: ...

    def escape_from_grid(self) -> None:
        """Escape with no cell being edited."""

    def refresh_bindings(self) -> None: ...


# The keys that change the steps: not offered where nothing may be changed.
EDIT_ACTIONS = ("edit", "insert", "remove", "move")


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
    def screen_(self) -> SheetHost:
        return cast(SheetHost, self.screen)

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
            # Only changed cells are updated, and without a layout pass: a cell's size is
            # fixed (its column's width, one line), whatever its text.
            old = self._texts[index] if index < len(self._texts) else None
            for at, (cell, text) in enumerate(zip(self._cells[index], texts, strict=True)):
                if old is None or old[at] != text:
                    cell.update(text, layout=False)
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
        if self.editing:
            return action == "escape"
        return action not in EDIT_ACTIONS or not self.screen_.read_only()

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
